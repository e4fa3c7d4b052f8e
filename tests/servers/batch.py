"""A local stand-in for OpenAI's files and batches endpoints, with a lifecycle over time and faults.

Uploads are multipart, as the SDK sends them. A batch goes validating →
in_progress → finalizing → completed on a clock (``durations``); its output
lines come in shuffled order, and requests whose prompt contains
``fail-request`` go to the error file. ``outcome`` per batch (by order of
creation, or ``default_outcome``) can be ``completed``, ``expired`` (partial
output), ``failed`` (validation errors) or ``hang``. ``faults`` scripts the
next calls: ``upload:500``, ``upload:hang``, ``upload:slow:S``, ``create:500``, ``create:404`` (refused for good),
``create:hang-before`` (never creates, never answers), ``create:hang-after`` (creates, never answers),
``create:slow:S`` (creates and answers after S seconds),
``create:drop-after`` (creates, then closes the connection without an answer), ``content:cut`` (half the
file, then the connection closes), ``retrieve:drip`` (one byte of the answer every ``drip`` seconds).
``odd_lines`` are added to every output file as they are; ``mangle(line_dict)`` may rewrite each output line.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import deque

from .base import JSONHandler, StandIn
from .chat import default_reply

ENDED = ("completed", "failed", "expired", "cancelled")


class BatchServer(StandIn):
    def __init__(self, durations=(0.2, 0.4, 0.2)):
        self.durations = durations
        self.reply = default_reply  # prompt text → reply text
        self.files: dict[str, dict] = {}
        self.batches: dict[str, dict] = {}
        self.order: list[str] = []
        self.faults: deque[str] = deque()
        self.outcomes: deque[str] = deque()
        self.default_outcome = "completed"
        self.calls: list[tuple[str, str]] = []
        self.keys: set[str | None] = set()  # every Authorization header seen
        self.prefix = "batch_"  # of the batch IDs it gives
        self.odd_lines: list[str] = []
        self.mangle = None
        self.drip = 5.0
        self.lock = threading.Lock()

    def fault(self, step: str) -> str | None:
        with self.lock:
            if self.faults and self.faults[0].startswith(step + ":"):
                return self.faults.popleft().split(":", 1)[1]
        return None

    # -- the model's side ---------------------------------------------------------
    def state_of(self, batch: dict) -> dict:
        """The batch as it stands now: its status moves on with time."""
        if batch["status"] in ENDED or batch["status"] == "cancelling":
            if batch["status"] == "cancelling":
                self._finish(batch, "cancelled", partial=True)
            return batch
        elapsed = time.time() - batch["t0"]
        validating, running, finalizing = self.durations
        outcome = batch["outcome"]
        if outcome == "failed" and elapsed >= validating:
            batch["status"] = "failed"
            batch["errors"] = {"object": "list", "data": [{"code": "invalid_json", "line": 1,
                                                          "message": "line 1 is not valid"}]}
            return batch
        if elapsed < validating:
            batch["status"] = "validating"
        elif elapsed < validating + running:
            batch["status"] = "in_progress"
            done = int(len(batch["requests"]) * (elapsed - validating) / running)
            batch["request_counts"]["completed"] = done
        elif outcome == "hang":
            batch["status"] = "in_progress"
        elif outcome == "expired":
            self._finish(batch, "expired", partial=True)
        elif elapsed < validating + running + finalizing:
            batch["status"] = "finalizing"
        else:
            self._finish(batch, "completed", partial=False)
        return batch

    def _finish(self, batch: dict, status: str, partial: bool) -> None:
        requests = batch["requests"]
        ran = requests[: len(requests) // 2] if partial else requests
        out, err = [], []
        for i, req in enumerate(ran):
            text = json.dumps(req["body"])
            if "fail-request" in text:
                err.append({"id": f"batch_req_{i}", "custom_id": req["custom_id"], "response": {
                    "status_code": 400, "request_id": f"req_{i}",
                    "body": {"error": {"message": "This prompt was refused.", "type": "invalid_request_error"}}},
                    "error": None})
                continue
            out.append({"id": f"batch_req_{i}", "custom_id": req["custom_id"], "error": None,
                        "response": {"status_code": 200, "request_id": f"req_{i}", "body": self._answer(req)}})
        if status == "expired":
            err += [{"id": f"batch_req_x{i}", "custom_id": r["custom_id"], "response": None,
                     "error": {"code": "batch_expired", "message": "This request could not be executed before the "
                                                                   "completion window expired."}}
                    for i, r in enumerate(requests[len(ran):])]
        random.Random(7).shuffle(out)
        random.Random(8).shuffle(err)
        out_lines = [self.mangle(l) if self.mangle else json.dumps(l) for l in out] + list(self.odd_lines)
        if out_lines:
            batch["output_file_id"] = self._store("\n".join(out_lines) + "\n", "batch_output")
        if err:
            batch["error_file_id"] = self._store("\n".join(json.dumps(l) for l in err) + "\n", "batch_error")
        batch["status"] = status
        batch["request_counts"] = {"total": len(requests), "completed": len(out),
                                   "failed": len(requests) - len(out)}

    def _answer(self, req: dict) -> dict:
        body = req["body"]
        if req["url"].endswith("/responses"):
            text = "\n".join(str(x) for x in (body.get("instructions"), body.get("input")) if x)
            reply = self.reply(text)
            return {"id": "resp_b", "object": "response", "status": "completed", "model": body["model"],
                    "output": [{"type": "message", "role": "assistant",
                                "content": [{"type": "output_text", "text": reply}]}],
                    "usage": {"input_tokens": len(text.split()), "output_tokens": len(reply.split()),
                              "total_tokens": len(text.split()) + len(reply.split())}}
        text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        reply = self.reply(text)
        return {"id": "chatcmpl-b", "object": "chat.completion", "created": int(time.time()), "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": len(text.split()), "completion_tokens": len(reply.split()),
                          "total_tokens": len(text.split()) + len(reply.split())}}

    def _store(self, content: str, purpose: str, filename: str = "f.jsonl") -> str:
        with self.lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = {"id": file_id, "object": "file", "bytes": len(content.encode()),
                                   "created_at": int(time.time()), "filename": filename, "purpose": purpose,
                                   "status": "processed", "content": content}
        return file_id

    def create(self, input_file_id: str, endpoint: str, metadata: dict) -> dict:
        content = self.files[input_file_id]["content"]
        requests = [json.loads(l) for l in content.splitlines() if l.strip()]
        with self.lock:
            batch_id = f"{self.prefix}{len(self.batches) + 1:04d}"
            outcome = self.outcomes.popleft() if self.outcomes else self.default_outcome
            batch = {"id": batch_id, "object": "batch", "endpoint": endpoint, "errors": None,
                     "input_file_id": input_file_id, "completion_window": "24h", "status": "validating",
                     "output_file_id": None, "error_file_id": None, "created_at": int(time.time()),
                     "expires_at": int(time.time()) + 86400, "metadata": metadata,
                     "request_counts": {"total": len(requests), "completed": 0, "failed": 0},
                     "requests": requests, "t0": time.time(), "outcome": outcome}
            self.batches[batch_id] = batch
            self.order.append(batch_id)
        return batch


def public(batch: dict) -> dict:
    return {k: v for k, v in batch.items() if k not in ("requests", "t0", "outcome")}


class _Handler(JSONHandler):
    server_owner: BatchServer

    def _drip(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            for i in range(len(data)):
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                time.sleep(self.server_owner.drip)
        except OSError:
            pass

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": {"message": message, "type": "server_error"}})

    def do_GET(self) -> None:
        owner = self.server_owner
        owner.calls.append(("GET", self.path))
        owner.keys.add(self.headers.get("Authorization"))
        m = re.match(r"^/v1/files/([^/]+)/content$", self.path)
        if m:
            f = owner.files.get(m.group(1))
            if f is None:
                return self._error(404, "no such file")
            data = f["content"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if owner.fault("content") == "cut":
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(data)
            return
        m = re.match(r"^/v1/batches/([^/?]+)$", self.path)
        if m:
            b = owner.batches.get(m.group(1))
            if b and owner.fault("retrieve") == "drip":
                return self._drip(json.dumps(public(owner.state_of(b))).encode())
            return self._json(200, public(owner.state_of(b))) if b else self._error(404, "no such batch")
        if self.path.startswith("/v1/batches"):
            from urllib.parse import parse_qs, urlsplit

            q = parse_qs(urlsplit(self.path).query)
            limit = int(q.get("limit", ["20"])[0])
            after = q.get("after", [None])[0]
            ids = list(reversed(owner.order))
            if after in ids:
                ids = ids[ids.index(after) + 1:]
            page = [public(owner.state_of(owner.batches[i])) for i in ids[:limit]]
            return self._json(200, {"object": "list", "data": page, "has_more": len(ids) > limit,
                                    "first_id": page[0]["id"] if page else None,
                                    "last_id": page[-1]["id"] if page else None})
        self._error(404, "not found")

    def do_POST(self) -> None:
        owner = self.server_owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        owner.calls.append(("POST", self.path))
        owner.keys.add(self.headers.get("Authorization"))
        if self.path == "/v1/files":
            fault = owner.fault("upload")
            if fault == "500":
                return self._error(500, "upload failed")
            if fault == "hang":
                time.sleep(3600)
                return
            if fault and fault.startswith("slow:"):  # stored, and answered, after this many seconds
                time.sleep(float(fault.split(":", 1)[1]))
            boundary = self.headers.get("Content-Type", "").split("boundary=")[-1].encode()
            fields = {}
            for part in raw.split(b"--" + boundary):
                head, _, body = part.partition(b"\r\n\r\n")
                name = re.search(rb'name="([^"]+)"', head)
                if name:
                    fields[name.group(1).decode()] = body[:-2] if body.endswith(b"\r\n") else body
            if fields.get("purpose") != b"batch" or "file" not in fields:
                return self._error(400, "purpose must be batch, with a file")
            file_id = owner._store(fields["file"].decode(), "batch")
            return self._json(200, {k: v for k, v in owner.files[file_id].items() if k != "content"})
        if self.path == "/v1/batches":
            fault = owner.fault("create")
            if fault == "500":
                return self._error(500, "create failed")
            if fault == "404":
                return self._error(404, "The model `test-model` does not support batches.")
            if fault == "hang-before":
                time.sleep(3600)
                return
            if fault and fault.startswith("slow:"):  # creates, and answers, after this many seconds
                time.sleep(float(fault.split(":", 1)[1]))
            body = json.loads(raw)
            if body.get("input_file_id") not in owner.files:
                return self._error(400, "no such file")
            batch = owner.create(body["input_file_id"], body["endpoint"], body.get("metadata") or {})
            if fault == "hang-after":
                time.sleep(3600)
                return
            if fault == "drop-after":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            return self._json(200, public(batch))
        m = re.match(r"^/v1/batches/([^/]+)/cancel$", self.path)
        if m:
            b = owner.batches.get(m.group(1))
            if b is None:
                return self._error(404, "no such batch")
            if b["status"] not in ENDED:
                b["status"] = "cancelling"
            return self._json(200, public(b))
        self._error(404, "not found")


BatchServer.handler = _Handler
