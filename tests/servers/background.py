"""A local stand-in for the Responses API in background mode: create, retrieve, cancel, and (optionally) list.

A response created with ``background: true`` (which needs ``store: true``)
answers at once ``queued``, then moves to ``in_progress`` and on to its
outcome on a clock (``durations``: seconds queued, seconds in progress), or
stays running while ``hold`` is set (a test hook: ``release()`` lets them end).
The outcome is ``completed`` unless the prompt contains a marker listed in
``outcomes`` (``failed``, ``incomplete``, ``incomplete-empty``, ``cancelled``, ``completed-empty``: completed,
billed, with no text; or any other word: a status the API does not define, such as ``expired``, that the
response then keeps).
``creates`` counts create calls per prompt marker word (``markerNNx``).

``create_faults`` scripts the next create calls: an HTTP status (``500``, ``502``, ``429``, …: nothing
made), ``made:CODE`` (made, then answered with that status, as a gateway that gave up waiting does),
``drop-before`` (the connection is cut, nothing made), ``drop-after`` (the
response is made, then the connection is cut before the answer),
``hang-after`` (made, never answered), ``slow-after:S`` (made, answered S
seconds later), ``gated-after`` (made, answered once the test calls ``open_gate()``),
``bad-id`` (made, answered with an id full of terminal
escapes), ``not-json`` (made, answered with HTML). ``poll_faults`` scripts the next
retrieves: ``500``, ``hang`` (never answered), ``404``. ``listable``: whether
``GET /v1/responses`` lists responses with their metadata (OpenAI's API has
no such list; some providers do). ``cancel_conflict``: cancelling an ended
response answers 409 (OpenAI answers it as it is).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter, deque

from .base import JSONHandler, StandIn
from .chat import default_reply

ENDED = ("completed", "failed", "cancelled", "incomplete")
MARKER = re.compile(r"marker\d+x")


class BackgroundServer(StandIn):
    def __init__(self, durations=(0.2, 0.4), models=("test-model", "other-model"), reply=default_reply):
        self.durations = durations
        self.reply = reply
        self.models = set(models)
        self.responses: dict[str, dict] = {}
        self.order: list[str] = []
        self.creates: Counter = Counter()
        self.bodies: list[dict] = []
        self.keys: set[str | None] = set()  # the Authorization header of every create
        self.outcomes: dict[str, str] = {}
        self.create_faults: deque[str] = deque()
        self.poll_faults: deque[str] = deque()
        self.polls = 0
        self.cancels: list[str] = []
        self.hold = False
        self.listable = False
        self.cancel_conflict = False  # refuse to cancel an ended response (409), as some servers do
        self.gate = threading.Event()  # ``gated-after`` creates are answered once it is set
        self.lock = threading.Lock()

    def stop(self) -> None:
        self.gate.set()  # a create held at the gate is answered, so that the server can shut down
        super().stop()

    def release(self) -> None:
        """Let every held response run on to its outcome from now."""
        with self.lock:
            self.hold = False
            for r in self.responses.values():
                r["t0"] = time.time() - sum(self.durations)

    def open_gate(self) -> None:
        self.gate.set()

    def total_creates(self) -> int:
        return sum(self.creates.values())

    # -- the model's side ---------------------------------------------------------------------
    def create(self, body: dict) -> dict:
        text = str(body.get("input"))
        with self.lock:
            rid = f"resp_{len(self.responses) + 1:04d}"
            marker = (MARKER.search(text) or [text[:20]])[0]
            self.creates[marker] += 1
            outcome = next((o for m, o in self.outcomes.items() if m in text), "completed")
            self.responses[rid] = {"id": rid, "object": "response", "created_at": int(time.time()),
                                   "model": body["model"], "status": "queued", "background": True,
                                   "metadata": body.get("metadata") or {}, "output": [], "usage": None, "error": None,
                                   "incomplete_details": None, "t0": time.time(), "outcome": outcome, "text": text}
            self.order.append(rid)
        return self.responses[rid]

    def state_of(self, r: dict) -> dict:
        """The response as it stands now: its status moves on with time."""
        with self.lock:
            if r["status"] not in ("queued", "in_progress"):
                return r
            elapsed = time.time() - r["t0"]
            queued, running = self.durations
            if elapsed < queued:
                r["status"] = "queued"
            elif elapsed < queued + running or self.hold:
                r["status"] = "in_progress"
            else:
                self._finish(r, r["outcome"])
            return r

    def _finish(self, r: dict, outcome: str) -> None:
        reply = self.reply(r["text"])
        message = {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                   "content": [{"type": "output_text", "text": reply, "annotations": []}]}
        usage = {"input_tokens": len(r["text"].split()), "output_tokens": len(reply.split()),
                 "total_tokens": len(r["text"].split()) + len(reply.split())}
        if outcome == "failed":
            r.update(status="failed", error={"code": "server_error", "message": "The research run failed."})
        elif outcome == "cancelled":
            r.update(status="cancelled")
        elif outcome == "incomplete":
            r.update(status="incomplete", output=[message], usage=usage,
                     incomplete_details={"reason": "max_output_tokens"})
        elif outcome == "completed-empty":
            r.update(status="completed", output=[{**message, "content": []}], usage=usage,
                     completed_at=int(time.time()))
        elif outcome == "incomplete-empty":
            r.update(status="incomplete", output=[], usage=usage, incomplete_details={"reason": "max_output_tokens"})
        elif outcome == "completed":
            r.update(status="completed", output=[message], usage=usage, completed_at=int(time.time()))
        else:
            r.update(status=outcome)

    def cancel(self, r: dict) -> dict | None:
        """The cancelled response; ``None`` (a 409) for an ended one when ``cancel_conflict``."""
        with self.lock:
            self.cancels.append(r["id"])
        r = self.state_of(r)
        with self.lock:
            if r["status"] not in ENDED:
                r["status"] = "cancelled"
            elif self.cancel_conflict:
                return None
        return r


def public(r: dict) -> dict:
    return {k: v for k, v in r.items() if k not in ("t0", "outcome", "text")}


class _Handler(JSONHandler):
    server_owner: BackgroundServer

    def _error(self, status: int, message: str, code: str | None = None) -> None:
        self._json(status, {"error": {"message": message, "type": "invalid_request_error", "code": code}})

    def do_GET(self) -> None:
        owner = self.server_owner
        path = self.path.split("?", 1)[0]
        m = re.match(r"^/v1/responses/([^/]+)$", path)
        if m:
            with owner.lock:
                owner.polls += 1
                fault = owner.poll_faults.popleft() if owner.poll_faults else None
            if fault == "hang":
                time.sleep(3600)
                return
            if fault == "500":
                return self._error(500, "server error")
            r = owner.responses.get(m.group(1))
            if r is None or fault == "404":
                return self._error(404, f"Response with id '{m.group(1)}' not found.")
            return self._json(200, public(owner.state_of(r)))
        if path == "/v1/responses" and owner.listable:
            from urllib.parse import parse_qs, urlsplit

            q = parse_qs(urlsplit(self.path).query)
            limit, after = int(q.get("limit", ["20"])[0]), q.get("after", [None])[0]
            ids = list(reversed(owner.order))
            if after in ids:
                ids = ids[ids.index(after) + 1:]
            page = [public(owner.state_of(owner.responses[i])) for i in ids[:limit]]
            return self._json(200, {"object": "list", "data": page, "has_more": len(ids) > limit})
        self._error(404, "not found")

    def do_POST(self) -> None:
        owner = self.server_owner
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        m = re.match(r"^/v1/responses/([^/]+)/cancel$", self.path)
        if m:
            r = owner.responses.get(m.group(1))
            if r is None:
                return self._error(404, "not found")
            cancelled = owner.cancel(r)
            return self._json(200, public(cancelled)) if cancelled else self._error(409, "Cannot cancel an ended response.")
        if self.path != "/v1/responses":
            return self._error(404, "not found")
        body = json.loads(raw or b"{}")
        owner.bodies.append(body)
        owner.keys.add(self.headers.get("Authorization"))
        with owner.lock:
            fault = owner.create_faults.popleft() if owner.create_faults else None
        if fault and fault.isdigit():
            return self._error(int(fault), f"server error {fault}")
        if fault == "drop-before":
            return self._abort()
        if body.get("model") not in owner.models:
            return self._error(404, f"The model `{body.get('model')}` does not exist.", "model_not_found")
        if body.get("background") and not body.get("store"):
            return self._error(400, "Background mode requires store=true.")
        r = owner.create(body)
        if fault and fault.startswith("made:"):
            return self._error(int(fault.split(":", 1)[1]), "the origin did not answer in time")
        if fault == "drop-after":
            return self._abort()
        if fault == "hang-after":
            time.sleep(3600)
            return
        if fault == "bad-id":  # made, but answered with an id that is no id
            return self._json(200, {**public(r), "id": "resp_\x1b]0;pwned\x07\x1b[2J"})
        if fault == "not-json":
            data = b"<html>upstream says hello</html>"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if fault == "gated-after":
            owner.gate.wait(120)
        if fault and fault.startswith("slow-after:"):
            time.sleep(float(fault.split(":", 1)[1]))
        self._json(200, public(r))


BackgroundServer.handler = _Handler
