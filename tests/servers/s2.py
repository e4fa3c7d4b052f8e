"""A local stand-in for Semantic Scholar's Graph API (api.semanticscholar.org/graph/v1), as documented.

``POST /graph/v1/paper/batch?fields=…`` with ``{"ids": ["ARXIV:…", …]}`` (at most 500) → a list in the
order asked, ``null`` for an unknown ID; ``GET /graph/v1/paper/ARXIV:{id}/citations?fields=&offset=&limit=``
(limit at most 1000) → ``{offset, next, data: [{citingPaper: {paperId, externalIds, title, publicationDate,
citationCount}}]}`` (``next`` only when more remain), 404 ``{"error": …}`` for an unknown paper.

``key``: the ``x-api-key`` it wants (403 without or with a wrong one). ``throttle`` answers the next N requests
429; ``mode`` = ``garbage`` answers HTML.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def paper(pid: str, title: str, date: str, *, arxiv: str | None = None, doi: str | None = None,
          citations: int = 0, abstract: str | None = None) -> dict:
    ext = {"CorpusId": abs(hash(pid)) % 10**8}
    if arxiv:
        ext["ArXiv"] = arxiv
    if doi:
        ext["DOI"] = doi
    return {"paperId": pid, "externalIds": ext, "title": title, "publicationDate": date,
            "year": int(date[:4]), "citationCount": citations, "abstract": abstract}


class S2Server:
    def __init__(self, papers: list[dict] | None = None, cites: dict[str, list[str]] | None = None, *,
                 key: str | None = None, mode: str = "ok"):
        self.papers = {p["paperId"]: p for p in papers or []}
        self.cites = cites or {}  # paperId cited → paperIds citing it
        self.key = key
        self.mode = mode
        self.throttle = 0
        self.requests: list[tuple[float, str, str, dict, object]] = []
        self._lock = threading.Lock()
        self._httpd = None

    def by_arxiv(self, arxiv_id: str) -> dict | None:
        return next((p for p in self.papers.values() if p["externalIds"].get("ArXiv") == arxiv_id), None)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, status: int, body, headers: dict | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def gate(self, method: str, split, body) -> bool:
                query = {k: v[0] for k, v in urllib.parse.parse_qs(split.query).items()}
                with owner._lock:
                    owner.requests.append((time.monotonic(), method, split.path, query, body))
                    throttled = owner.throttle > 0
                    if throttled:
                        owner.throttle -= 1
                if owner.key is not None and self.headers.get("x-api-key") != owner.key:
                    self.reply(403, {"message": "Forbidden"})
                    return False
                if throttled:
                    self.reply(429, {"message": "Too Many Requests"}, {"Retry-After": "1"})
                    return False
                if owner.mode == "garbage":
                    self.reply(200, b"<html>oops</html>")
                    return False
                return True

            def do_POST(self):
                split = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"null")
                except ValueError:
                    body = None
                if not self.gate("POST", split, body):
                    return
                if split.path != "/graph/v1/paper/batch" or not isinstance(body, dict):
                    return self.reply(400, {"error": "Bad request"})
                ids = body.get("ids") or []
                if len(ids) > 500:
                    return self.reply(400, {"error": "Too many ids"})
                out = []
                for ident in ids:
                    found = owner.by_arxiv(ident[6:]) if ident.upper().startswith("ARXIV:") else owner.papers.get(ident)
                    out.append(found)
                self.reply(200, out)

            def do_GET(self):
                split = urllib.parse.urlsplit(self.path)
                if not self.gate("GET", split, None):
                    return
                query = {k: v[0] for k, v in urllib.parse.parse_qs(split.query).items()}
                path = urllib.parse.unquote(split.path)
                prefix, suffix = "/graph/v1/paper/", "/citations"
                if not (path.startswith(prefix) and path.endswith(suffix)):
                    return self.reply(404, {"error": "Not found"})
                ident = path[len(prefix) : -len(suffix)]
                found = owner.by_arxiv(ident[6:]) if ident.upper().startswith("ARXIV:") else owner.papers.get(ident)
                if found is None:
                    return self.reply(404, {"error": f"Paper with id {ident} not found"})
                offset, limit = int(query.get("offset", "0")), min(int(query.get("limit", "100")), 1000)
                citing = [owner.papers[c] for c in owner.cites.get(found["paperId"], [])]
                page = citing[offset : offset + limit]
                out = {"offset": offset, "data": [{"citingPaper": p} for p in page]}
                if offset + limit < len(citing):
                    out["next"] = offset + limit
                self.reply(200, out)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
