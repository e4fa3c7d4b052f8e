"""A local stand-in for export.arxiv.org/api/query: Atom feeds for id_list queries.

``papers`` maps canonical IDs to (title, first author, published); unknown IDs
simply have no entry, as on arXiv. An ID in ``reject`` makes the whole
request answer HTTP 400 with an Atom error entry naming it, as arXiv does for
an identifier it calls incorrect. ``mode`` breaks the server on purpose:
``html`` (an HTML error page with status 200), ``400`` (400 and a plain
body for everything), ``trickle`` (a valid feed, one byte every 0.2 s).
``redirect`` (a URL) answers requests to ``/api/query`` with a 301 there (the
query kept); any other path is served as ``/api/query`` would be.
``title_bytes`` pads every title to that many bytes (a huge answer).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


class ArxivServer:
    def __init__(self, papers: dict[str, tuple[str, str, str]], reject: set[str] = frozenset(), mode: str = "ok"):
        self.papers = papers
        self.reject = set(reject)
        self.mode = mode
        self.redirect: str | None = None
        self.title_bytes = 0
        self.requests: list[tuple[float, list[str]]] = []
        self._httpd = None

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                ids = [i for i in query.get("id_list", [""])[0].split(",") if i]
                owner.requests.append((time.monotonic(), ids))
                if owner.redirect and self.path.startswith("/api/query"):
                    self.send_response(301)
                    self.send_header("Location", owner.redirect + "?" + urllib.parse.urlsplit(self.path).query)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                bad = [i for i in ids if i in owner.reject]
                if owner.mode == "html":
                    body, status = b"<html><body><h1>Service Unavailable</h1></body></html>", 200
                elif owner.mode == "400":
                    body, status = b"Bad Request", 400
                elif bad:
                    body, status = owner.error_feed(bad[0]).encode(), 400
                else:
                    body, status = owner.feed(ids).encode(), 200
                self.send_response(status)
                self.send_header("Content-Type", "application/atom+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if owner.mode == "trickle":
                    for i in range(len(body)):
                        try:
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                        except OSError:
                            return
                        time.sleep(0.2)
                    return
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/api/query"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def error_feed(self, ident: str) -> str:
        return ("<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
                f"<title>arXiv Query</title><entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_{ident}</id>"
                f"<title>Error</title><summary>incorrect id format for {ident}</summary></entry></feed>")

    def feed(self, ids: list[str]) -> str:
        entries = []
        for ident in reversed(ids):  # not in request order: clients must match by <id>
            if ident not in self.papers:
                continue
            title, author, published = self.papers[ident]
            if self.title_bytes:
                title = (title + " ") * (self.title_bytes // (len(title) + 1) + 1)
            entries.append(
                f"<entry><id>http://arxiv.org/abs/{ident}v2</id><published>{published}T17:59:59Z</published>"
                f"<title>{escape(title)}</title><author><name>{escape(author)}</name></author>"
                f"<author><name>Second Author</name></author></entry>"
            )
        return ("<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
                f"<title>arXiv Query</title>{''.join(entries)}</feed>")
