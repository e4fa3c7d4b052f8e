"""A real HTTP server on 127.0.0.1 that speaks OpenAI's chat completions and Responses APIs.

It answers JSON and SSE streams and can inject the faults a real endpoint
produces. Faults are scripted per request: ``server.queue`` applies to the
next requests in order; ``server.script[marker]`` applies to requests whose
prompt contains ``marker``, so concurrent prompts each get their own faults.

Fault kinds (``kind:arg``):
  429[:SECONDS|:msN|:any Retry-After text], quota, 500, 502, 503, 408, 409, 401 (echoes the key),
  400, drop (connection reset), cut (stream cut mid-way), nodone (no [DONE] /
  no response.completed), nofinish, slow:S, trickle:S (a chunk every S seconds,
  forever), null (content null), length (finish length), surrogate (an emoji
  split into surrogate halves), escape (terminal escapes in the reply),
  redirect:CODE (to the same path on another port), incomplete (Responses:
  max_output_tokens), failed[:code] (Responses: response.failed).

Server-wide behaviour:
  ``usage``: "full" (default), "none" (no usage at all, as llama.cpp's server
  streams), "details" (cached and reasoning token details); ``usage_extra``: merged into
  every usage object as is (a provider's ``cost``, an odd count of 2**64);
  ``reasoning``: text streamed as ``reasoning_content`` (or Responses reasoning
  deltas) before the reply;
  ``interrupt``: as llama-cpp-python's server with its default
  ``interrupt_requests``: one request at a time is served, the others wait
  their turn, and while any waits the stream in progress ends after its next
  chunk, the first one (a role, no text) included ([DONE] and no finish
  reason; a Responses stream just ends). A client
  that leaves while waiting is never served (``withdrawn`` counts them).
"""

from __future__ import annotations

import hashlib
import json
import select
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def default_reply(prompt: str) -> str:
    digest = hashlib.sha256(prompt.encode()).hexdigest()[:12]
    return f"Reply {digest}. The claim still holds (arXiv:2504.07912); newer work: arXiv:2609.01234."


class ChatServer:
    def __init__(self, latency: float = 0.0, reply=default_reply, models=("test-model",)):
        self.latency = latency
        self.reply = reply
        self.models = set(models)
        self.listing = True  # whether GET /v1/models is served (llama.cpp's and others' are not always)
        self.gets: list[dict] = []
        self.queue: deque[str] = deque()
        self.script: dict[str, deque[str]] = {}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.usage = "full"
        self.usage_extra: dict = {}
        self.reasoning: str | None = None
        self.interrupt = False
        self.model_lock = threading.Lock()  # with ``interrupt``: the one request being served
        self.waiting = 0  # requests waiting for their turn
        self.cut_count = 0
        self.withdrawn = 0
        self.other: ChatServer | None = None  # where redirect:307 points
        self.replies_by_model: dict = {}  # model → reply(prompt), over ``reply``
        self.model_faults: dict[str, str] = {}  # model → a fault every request for it gets
        self.active_by_model: dict[str, int] = {}
        self.max_active_by_model: dict[str, int] = {}
        self.raw: deque[tuple[int, dict, bytes]] = deque()  # "raw": (status, headers, body) sent as is
        self.gone = False  # see go_away
        self._httpd: ThreadingHTTPServer | None = None

    # -- control ---------------------------------------------------------------
    def start(self) -> str:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self.base_url

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def go_away(self) -> None:
        """Die as a crashed server does: the port refuses connections, and open ones are cut at their next word."""
        self.gone = True
        self.stop()

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def fault_for(self, text: str, model: str | None = None) -> str:
        with self.lock:
            if model in self.model_faults:
                return self.model_faults[model]
            for marker, faults in self.script.items():
                if marker in text and faults:
                    return faults.popleft()
            return self.queue.popleft() if self.queue else "ok"

    def completions(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith(("/chat/completions", "/responses"))]

    def usage_for(self, text: str, reply: str, api: str) -> dict | None:
        if self.usage == "none":
            return None
        return {**self._usage(text, reply, api), **self.usage_extra}

    def _usage(self, text: str, reply: str, api: str) -> dict:
        prompt, completion = len(text.split()), len(reply.split())
        if api == "responses":
            usage = {"input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion}
            if self.usage == "details":
                usage["input_tokens_details"] = {"cached_tokens": 7}
                usage["output_tokens_details"] = {"reasoning_tokens": 11}
            return usage
        usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        if self.usage == "details":
            usage["prompt_tokens_details"] = {"cached_tokens": 7}
            usage["completion_tokens_details"] = {"reasoning_tokens": 11}
        return usage


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address) -> None:
        pass  # clients closing keep-alive connections (or being cut off on purpose) are normal here


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: ChatServer

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        with self.owner.lock:
            self.owner.gets.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}})
        if self.path.endswith("/models") and self.owner.listing:
            self._json(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in self.owner.models]})
        else:
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        route = self.path.split("?", 1)[0]  # a base URL's query (?api-version=…) comes with every request
        api = "responses" if route.endswith("/responses") else "chat"
        if api == "responses":
            text = "\n".join(str(x) for x in (body.get("instructions"), body.get("input")) if x)
        else:
            text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        owner = self.owner
        with owner.lock:
            owner.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                   "body": body, "t": time.time()})
            owner.active += 1
            owner.max_active = max(owner.max_active, owner.active)
            model = str(body.get("model"))
            owner.active_by_model[model] = owner.active_by_model.get(model, 0) + 1
            owner.max_active_by_model[model] = max(owner.max_active_by_model.get(model, 0),
                                                   owner.active_by_model[model])
        try:
            if not route.endswith(("/chat/completions", "/responses")):
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            elif owner.interrupt:
                self._one_at_a_time(body, text, api)
            else:
                self._answer(body, text, api)
        finally:
            with owner.lock:
                owner.active -= 1
                owner.active_by_model[model] -= 1

    def _one_at_a_time(self, body: dict, text: str, api: str) -> None:
        owner = self.owner
        with owner.lock:
            owner.waiting += 1
        while not owner.model_lock.acquire(timeout=0.005):
            if self._client_left():  # as a cancelled waiter there, it stops waiting at once
                with owner.lock:
                    owner.waiting -= 1
                    owner.withdrawn += 1
                self.close_connection = True
                return
        with owner.lock:
            owner.waiting -= 1
        try:
            self._answer(body, text, api)
        finally:
            owner.model_lock.release()

    def _client_left(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _answer(self, body: dict, text: str, api: str) -> None:
        owner = self.owner
        fault = owner.fault_for(text, body.get("model"))
        if owner.latency:
            time.sleep(owner.latency)
        if owner.gone:
            self._abort()
            return
        kind, _, arg = fault.partition(":")
        if kind == "slow":  # "slow:3": answer normally, 3 s late (past the client's timeout)
            time.sleep(float(arg))
        if kind == "drop":
            self._abort()
            return
        if kind == "raw":
            status, headers, data = owner.raw.popleft()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if kind == "redirect":
            target = owner.other.port if owner.other else owner.port
            self.send_response(int(arg or 301))
            self.send_header("Location", f"http://127.0.0.1:{target}{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if kind == "429":  # "429:2" → Retry-After: 2; "429:ms50" → retry-after-ms: 50; else the text itself
            headers = {}
            if arg.startswith("ms") and arg[2:].isdigit():
                headers = {"retry-after-ms": arg[2:]}
            elif arg:
                headers = {"Retry-After": arg}
            self._json(429, {"error": {"message": "Rate limit reached", "type": "requests",
                                       "code": "rate_limit_exceeded"}}, headers)
            return
        if kind == "quota":
            self._json(429, {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota",
                                       "code": "insufficient_quota"}})
            return
        if kind in ("500", "503", "502", "408", "409"):
            self._json(int(kind), {"error": {"message": f"server error {kind}", "type": "server_error"}})
            return
        if kind == "401":  # like real servers, echo the key back: the client must not repeat it
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            self._json(401, {"error": {"message": f"Incorrect API key provided: {key!r}.",
                                       "type": "invalid_request_error", "code": "invalid_api_key"}})
            return
        if kind == "400":
            self._json(400, {"error": {"message": "This model's maximum context length is 10 tokens.",
                                       "type": "invalid_request_error", "code": "context_length_exceeded"}})
            return
        if body.get("model") not in owner.models:
            self._json(404, {"error": {"message": f"The model `{body.get('model')}` does not exist.",
                                       "type": "invalid_request_error", "code": "model_not_found"}})
            return
        reply = owner.replies_by_model.get(body.get("model"), owner.reply)(text)
        if kind == "escape":
            reply = "Title\x1b]0;pwned\x07 then \x1b[2J cleared. " + reply
        if kind == "null":
            reply = ""
        usage = owner.usage_for(text, reply, api)
        if api == "responses":
            self._responses(body, reply, usage, kind, arg)
        elif body.get("stream"):
            self._stream(body, reply, usage, kind, arg)
        else:
            finish = {"nofinish": None, "length": "length"}.get(kind, "stop")
            message = {"role": "assistant", "content": None if kind == "null" else reply}
            if owner.reasoning:
                message["reasoning_content"] = owner.reasoning
            payload = {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                       "model": body["model"], "choices": [{"index": 0, "message": message, "finish_reason": finish}]}
            if usage is not None:
                payload["usage"] = usage
            data = json.dumps(payload)
            if kind == "surrogate":  # a lone surrogate, as JSON allows
                data = data.replace("Reply ", "Reply \\ud83d ", 1)
            self._raw(200, data.encode())

    # -- chat streams ------------------------------------------------------------
    def _pieces(self, reply: str, kind: str) -> list[str]:
        words = reply.split(" ")
        pieces = [w if i == 0 else " " + w for i, w in enumerate(words)] if reply else []
        if kind == "surrogate" and pieces:
            pieces.insert(1, "\ud83d")  # an emoji split in two across chunks, as some servers do
            pieces.insert(2, "\ude00")
        return pieces

    def _interrupted(self) -> bool:
        """With ``interrupt``, whether another request waits: then the stream in progress ends."""
        owner = self.owner
        if not (owner.interrupt and owner.waiting):
            return False
        with owner.lock:
            owner.cut_count += 1
        return True

    def _stream(self, body: dict, reply: str, usage: dict | None, kind: str, arg: str) -> None:
        owner = self.owner
        self._start_stream()
        base = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body["model"]}

        def event(choices, usage=None):
            payload = dict(base, choices=choices)
            if usage is not None:
                payload["usage"] = usage
            self._chunk(f"data: {json.dumps(payload)}\n\n".encode())

        event([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
        if self._interrupted():  # llama-cpp-python checks after every chunk, the first (no text) too
            self._chunk(b"data: [DONE]\n\n")
            self._end_stream()
            return
        if owner.reasoning:
            for word in owner.reasoning.split(" "):
                event([{"index": 0, "delta": {"reasoning_content": word + " "}, "finish_reason": None}])
        pieces = self._pieces(reply, kind)
        i = 0
        while True:
            if kind == "trickle":
                time.sleep(float(arg or 0.5))
                event([{"index": 0, "delta": {"content": "."}, "finish_reason": None}])
                continue
            if i >= len(pieces):
                break
            if kind == "cut" and i == len(pieces) // 2:
                self._abort()
                return
            event([{"index": 0, "delta": {"content": None if kind == "null" else pieces[i]},
                    "finish_reason": None}])
            if owner.interrupt:
                time.sleep(0.01)  # a real model takes time per token
            if self._interrupted():  # llama-cpp-python: a chunk sent, then [DONE] as another waits
                self._chunk(b"data: [DONE]\n\n")
                self._end_stream()
                return
            i += 1
        if kind != "nofinish":
            event([{"index": 0, "delta": {}, "finish_reason": "length" if kind == "length" else "stop"}])
        if (body.get("stream_options") or {}).get("include_usage") and usage is not None:
            event([], usage)
        if kind != "nodone":
            self._chunk(b"data: [DONE]\n\n")
        self._end_stream()

    # -- the Responses API ---------------------------------------------------------
    def _responses(self, body: dict, reply: str, usage: dict | None, kind: str, arg: str) -> None:
        owner = self.owner
        status = {"incomplete": "incomplete", "failed": "failed"}.get(kind, "completed")
        output = []
        if owner.reasoning:
            output.append({"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text",
                                                                          "text": owner.reasoning}]})
        output.append({"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                       "content": [{"type": "output_text", "text": reply, "annotations": []}]})
        response = {"id": "resp_test", "object": "response", "created_at": int(time.time()), "model": body["model"],
                    "status": status, "output": output, "usage": usage, "error": None, "incomplete_details": None}
        if kind == "incomplete":
            response["incomplete_details"] = {"reason": "max_output_tokens"}
        if kind == "failed":
            response["error"] = {"code": arg or "server_error", "message": "The model failed."}
        if not body.get("stream"):
            self._json(200, response)
            return
        self._start_stream()
        seq = 0

        def event(kind_name: str, **fields) -> None:
            nonlocal seq
            seq += 1
            payload = {"type": kind_name, "sequence_number": seq, **fields}
            self._chunk(f"event: {kind_name}\ndata: {json.dumps(payload)}\n\n".encode())

        event("response.created", response={**response, "status": "in_progress", "output": [], "usage": None})
        if self._interrupted():
            self._end_stream()
            return
        if owner.reasoning:
            event("response.reasoning_summary_text.delta", item_id="rs_1", output_index=0, summary_index=0,
                  delta=owner.reasoning)
        pieces = self._pieces(reply, kind)
        for i, piece in enumerate(pieces):
            if kind == "cut" and i == len(pieces) // 2:
                self._abort()
                return
            event("response.output_text.delta", item_id="msg_1", output_index=len(output) - 1, content_index=0,
                  delta=piece)
            if owner.interrupt:
                time.sleep(0.01)
            if self._interrupted():
                self._end_stream()
                return
        if kind == "nodone":
            self._end_stream()
            return
        final = {"completed": "response.completed", "incomplete": "response.incomplete",
                 "failed": "response.failed"}[status]
        event(final, response=response)
        self._end_stream()

    # -- plumbing --------------------------------------------------------------------
    def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        self._raw(status, json.dumps(payload).encode(), headers)

    def _raw(self, status: int, data: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _abort(self) -> None:
        """Close the socket at once (RST), as a crashed proxy would."""
        try:
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        self.connection.close()
        self.close_connection = True
