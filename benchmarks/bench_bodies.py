"""Oversized provider answers: the memory and time one bad reply can cost.

Targets (each printed beside its figure):
- one streamed chat chunk with a 300 MB ``url_citation`` title: the attempt fails (not retried) with
  `retest send` peaking under 150 MB and finishing within 5 s;
- a 200 MB non-streamed Responses body with 2.3 million annotations, for a reply of "Hi.": the same.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common import ROOT, peak_rss_kb, retest_cmd

SEED = next((ROOT / "seeds").glob("000_*.txt"))
TITLE_MB = 300
ANNOTATIONS = 2_300_000


def stream_body() -> bytes:
    chunk = {"id": "c1", "choices": [{"index": 0, "delta": {"content": "Hi.", "annotations": [
        {"type": "url_citation", "url_citation": {"url": "https://example.org/", "title": "T" * (TITLE_MB << 20),
                                                  "start_index": 0, "end_index": 3}}]}, "finish_reason": None}]}
    done = {"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in (chunk, done)) + b"data: [DONE]\n\n"


def responses_body() -> bytes:
    one = {"type": "url_citation", "url": "https://example.org/x", "title": "Example", "start_index": 0,
           "end_index": 3}
    text = {"type": "output_text", "text": "Hi.", "annotations": [one] * ANNOTATIONS}
    return json.dumps({"id": "r1", "object": "response", "status": "completed", "model": "m",
                       "output": [{"type": "message", "role": "assistant", "content": [text]}]}).encode()


def serve(bodies: dict[str, tuple[bytes, str]]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body, kind = bodies["responses" if self.path.endswith("/responses") else "chat"]
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                view = memoryview(body)
                for i in range(0, len(body), 1 << 20):
                    self.wfile.write(view[i : i + (1 << 20)])
            except OSError:
                pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/v1"


def main() -> None:
    bodies = {"chat": (stream_body(), "text/event-stream"), "responses": (responses_body(), "application/json")}
    print(f"stream line {len(bodies['chat'][0]) >> 20} MB; Responses body {len(bodies['responses'][0]) >> 20} MB")
    httpd, url = serve(bodies)
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in (("300 MB title in one stream chunk", ()),
                           ("200 MB Responses body, 2.3 M annotations", ("--api", "responses", "--no-stream"))):
            env = {**os.environ, "OPENAI_API_KEY": "k", "OPENAI_BASE_URL": url, "RETEST_MODEL": "m",
                   "RETEST_ARCHIVE": str(Path(tmp) / f"{len(name)}.db")}
            start = time.perf_counter()
            peak = peak_rss_kb(retest_cmd("send", str(SEED), "--backoff", "0.01", "--timeout", "120", *args), env=env)
            elapsed = time.perf_counter() - start
            print(f"{name}: peak {peak / 1024:.0f} MB (target < 150), {elapsed:.1f} s (target < 5)")
    httpd.shutdown()


if __name__ == "__main__":
    sys.exit(main())
