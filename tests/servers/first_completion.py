"""A stand-in model server for the readiness check: lists its model, then either streams a
completion or dies on it the way a llama.cpp build for another CPU does (SIGSEGV).

    python first_completion.py PORT crash|ok
"""

import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        sys.stderr.write("request: " + (args[0] % args[1:]) + "\n")

    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": "smollm2", "object": "model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if MODE == "crash":
            sys.stderr.write("ggml: decoding on a worker thread\n")
            sys.stderr.flush()
            import ctypes

            ctypes.string_at(0)  # a real segmentation fault, in this thread, at once: no reply is ever written
            os.kill(os.getpid(), signal.SIGSEGV)
            time.sleep(60)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for word in ("Hi", " there"):
            chunk = {"choices": [{"index": 0, "delta": {"content": word}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


if __name__ == "__main__":
    MODE = sys.argv[2]
    signal.signal(signal.SIGSEGV, signal.SIG_DFL)
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
