"""The skeleton the Batch API and background-mode stand-ins share: a threaded HTTP server on 127.0.0.1 whose
handler reaches its owner (the stand-in object with the state and the test hooks), and JSON answers."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JSONHandler(BaseHTTPRequestHandler):
    """A handler of one stand-in: ``server_owner`` is the stand-in; HTTP/1.1, quiet."""

    protocol_version = "HTTP/1.1"
    server_owner: StandIn

    def log_message(self, *args) -> None:
        pass

    def _json(self, status: int, payload) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _abort(self) -> None:
        """Close the connection with a reset, without an answer."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        self.connection.close()
        self.close_connection = True


class StandIn:
    """Serves ``handler`` (a ``JSONHandler``) on a free port of 127.0.0.1 from ``start()`` to ``stop()``."""

    handler: type[JSONHandler]
    _httpd: ThreadingHTTPServer | None = None

    def start(self) -> str:
        owner = self

        class Handler(self.handler):
            server_owner = owner

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
