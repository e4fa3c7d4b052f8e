"""A real HTTP server on 127.0.0.1 that answers as grounded models do, with their sources.

``shape`` says whose dialect it speaks:
  ``responses``: OpenAI's Responses API: a ``web_search_call`` output item whose
    ``action.sources`` lists every source, and ``url_citation`` annotations on the
    message's ``output_text`` for the cited ones (streams: ``response.output_item.done``
    and ``response.output_text.annotation.added`` before ``response.completed``);
  ``chat``: OpenAI's search chat models and OpenRouter: ``message.annotations``
    with ``url_citation`` objects (streams: on a chunk's ``delta``);
  ``perplexity``: top-level ``citations`` (the cited URLs) and ``search_results``
    (every source, with title, date and snippet), repeated in every streamed chunk.

``sources`` is a list of ``{url, title, date, snippet, cited}``; ``reply(prompt)``
the text. Each annotation spans the first occurrence of its ``anchor`` in the
text (or the whole text). ``requests`` keeps every request body received.
``final`` (Responses, streamed) replaces the ``response`` of the final event
as given, to send shapes a server should not; ``final_text`` makes the final
event's text differ from the streamed one. ``searches``: how many ``web_search_call`` items a Responses
reply has (at most the request's ``max_tool_calls``, as OpenAI caps them); ``latency``: seconds before
answering.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SOURCES = [
    {"url": "https://arxiv.org/abs/2504.07912v2", "title": "Scaling Laws for Test-Time Compute", "cited": True,
     "date": "2025-04-10", "snippet": "We study ...", "anchor": "2504.07912"},
    {"url": "https://openreview.net/forum?id=abc123", "title": "A Review on OpenReview", "cited": False,
     "date": None, "snippet": "Reviews of ..."},
    {"url": "https://www.example.org/blog/post", "title": "Someone's Blog Post", "cited": True, "date": "2025-06-01",
     "snippet": None, "anchor": "newer"},
]


def default_reply(prompt: str) -> str:
    return "The claim holds (arXiv:2504.07912); newer work exists."


class GroundingServer:
    def __init__(self, shape: str = "responses", sources=None, reply=default_reply):
        self.shape = shape
        self.sources = list(SOURCES if sources is None else sources)
        self.reply = reply
        self.requests: list[dict] = []
        self.final = None
        self.final_text: str | None = None
        self.searches = 1
        self.latency = 0.0
        self._httpd = None

    def start(self) -> str:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    # -- the shapes --------------------------------------------------------------------
    def spans(self, text: str) -> list[tuple[dict, int, int]]:
        out = []
        for s in self.sources:
            if s.get("cited"):
                at = text.find(s.get("anchor") or "\0")
                start, end = (at, at + len(s["anchor"])) if at >= 0 else (0, len(text))
                out.append((s, start, end))
        return out

    def responses_annotations(self, text: str) -> list[dict]:
        return [{"type": "url_citation", "url": s["url"], "title": s["title"], "start_index": a, "end_index": b}
                for s, a, b in self.spans(text)]

    def chat_annotations(self, text: str) -> list[dict]:
        return [{"type": "url_citation", "url_citation": {"url": s["url"], "title": s["title"], "start_index": a,
                                                          "end_index": b, **({"content": s["snippet"]}
                                                                             if s.get("snippet") else {})}}
                for s, a, b in self.spans(text)]

    def search_calls(self, body: dict) -> list[dict]:
        limit = body.get("max_tool_calls")
        n = self.searches if not isinstance(limit, int) else min(self.searches, limit)
        return [{**self.search_call(), "id": f"ws_{k + 1}"} for k in range(n)]

    def search_call(self) -> dict:
        return {"type": "web_search_call", "id": "ws_1", "status": "completed",
                "action": {"type": "search", "query": "claims", "sources": [{"type": "url", "url": s["url"]}
                                                                             for s in self.sources]}}

    def perplexity_fields(self) -> dict:
        return {"citations": [s["url"] for s in self.sources if s.get("cited")],
                "search_results": [{k: s.get(k) for k in ("title", "url", "date", "snippet")} for s in self.sources]}

    def response(self, text: str, body: dict | None = None) -> dict:
        return {"id": "resp_1", "object": "response", "status": "completed", "model": "m",
                "output": [*self.search_calls(body or {}),
                           {"type": "message", "role": "assistant", "status": "completed",
                            "content": [{"type": "output_text", "text": text,
                                         "annotations": self.responses_annotations(text)}]}],
                "usage": {"input_tokens": 10, "output_tokens": 20, "total_tokens": 30}}


class _Handler(BaseHTTPRequestHandler):
    owner: GroundingServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        o = self.owner
        o.requests.append(body)
        prompt = body.get("input") if "input" in body else body["messages"][-1]["content"]
        text = o.reply(prompt)
        stream = body.get("stream")
        time.sleep(o.latency)
        if self.path.endswith("/responses"):
            if not stream:
                return self._json(o.response(text, body))
            self._start()
            for piece in (text[: len(text) // 2], text[len(text) // 2:]):
                self._event({"type": "response.output_text.delta", "delta": piece})
            for call in o.search_calls(body):
                self._event({"type": "response.output_item.done", "item": call})
            for i, a in enumerate(o.responses_annotations(text)):
                self._event({"type": "response.output_text.annotation.added", "annotation_index": i,
                             "annotation": a})
            final = o.response(o.final_text if o.final_text is not None else text, body)
            self._event({"type": "response.completed", "response": final if o.final is None else o.final})
            return self._end(done=False)
        usage = {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}
        extra = o.perplexity_fields() if o.shape == "perplexity" else {}
        if not stream:
            message = {"role": "assistant", "content": text}
            if o.shape == "chat":
                message["annotations"] = o.chat_annotations(text)
            return self._json({"id": "c1", "object": "chat.completion", "model": body["model"],
                               "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                               "usage": usage, **extra})
        self._start()
        pieces = [text[: len(text) // 2], text[len(text) // 2:]]
        for i, piece in enumerate(pieces):
            delta = {"content": piece}
            if o.shape == "chat" and i == len(pieces) - 1:
                delta["annotations"] = o.chat_annotations(text)
            self._event({"id": "c1", "choices": [{"index": 0, "delta": delta, "finish_reason": None}], **extra})
        self._event({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], **extra})
        self._event({"id": "c1", "choices": [], "usage": usage, **extra})
        self._end(done=True)

    def _json(self, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()

    def _event(self, payload: dict) -> None:
        self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.wfile.flush()

    def _end(self, done: bool) -> None:
        if done:
            self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True
