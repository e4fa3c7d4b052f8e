"""A real HTTP server on 127.0.0.1 that speaks OpenAI's /v1/chat/completions.

It answers JSON and SSE streams (with ``stream_options.include_usage``) and
can inject the faults a real endpoint produces: 429 with Retry-After or
retry-after-ms, 429 insufficient_quota, 500/503, 401/404/400, dropped
connections, streams cut mid-way (an abrupt close inside a chunked body),
streams that end without ``[DONE]`` and streams with no finish reason.

Faults are scripted per request: ``server.queue`` applies to the next
requests in order; ``server.script[marker]`` applies to requests whose
messages contain ``marker``, so concurrent prompts each get their own faults.
"""

from __future__ import annotations

import hashlib
import json
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
        self.queue: deque[str] = deque()
        self.script: dict[str, deque[str]] = {}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
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
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def fault_for(self, text: str) -> str:
        with self.lock:
            for marker, faults in self.script.items():
                if marker in text and faults:
                    return faults.popleft()
            return self.queue.popleft() if self.queue else "ok"

    def completions(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        pass  # clients closing keep-alive connections (or being cut off on purpose) are normal here


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: ChatServer

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        if self.path.endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in self.owner.models]})
        else:
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        owner = self.owner
        text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        with owner.lock:
            owner.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "t": time.time()})
            owner.active += 1
            owner.max_active = max(owner.max_active, owner.active)
        try:
            self._answer(body, text)
        finally:
            with owner.lock:
                owner.active -= 1

    def _answer(self, body: dict, text: str) -> None:
        owner = self.owner
        fault = owner.fault_for(text)
        if owner.latency:
            time.sleep(owner.latency)
        kind, _, arg = fault.partition(":")
        if kind == "slow":  # "slow:3": answer normally, 3 s late (past the client's timeout)
            time.sleep(float(arg))
        if kind == "drop":
            self._abort()
            return
        if kind == "429":  # "429:2" → Retry-After: 2; "429:ms50" → retry-after-ms: 50
            headers = {}
            if arg.startswith("ms"):
                headers = {"retry-after-ms": arg[2:]}
            elif arg:
                headers = {"Retry-After": arg}
            self._json(429, {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
                       headers)
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
            self._json(401, {"error": {"message": f"Incorrect API key provided: {key}.",
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
        reply = owner.reply(text)
        usage = {"prompt_tokens": len(text.split()), "completion_tokens": len(reply.split()),
                 "total_tokens": len(text.split()) + len(reply.split())}
        if body.get("stream"):
            self._stream(body, reply, usage, kind)
        else:
            finish = None if kind == "nofinish" else "stop"
            self._json(200, {
                "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": finish}],
                "usage": usage,
            })

    # -- responses -------------------------------------------------------------
    def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _stream(self, body: dict, reply: str, usage: dict, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        words = reply.split(" ")
        base = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body["model"]}

        def event(choices, usage=None):
            payload = dict(base, choices=choices)
            if usage is not None:
                payload["usage"] = usage
            self._chunk(f"data: {json.dumps(payload)}\n\n".encode())

        event([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
        for i, word in enumerate(words):
            if kind == "cut" and i == len(words) // 2:
                self._abort()
                return
            event([{"index": 0, "delta": {"content": word if i == 0 else " " + word}, "finish_reason": None}])
        if kind != "nofinish":
            event([{"index": 0, "delta": {}, "finish_reason": "stop"}])
        if (body.get("stream_options") or {}).get("include_usage"):
            event([], usage)
        if kind != "nodone":
            self._chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
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
