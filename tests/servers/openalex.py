"""A local stand-in for api.openalex.org's works API, shaped as OpenAlex documents it.

``GET /works`` with ``filter=doi:A|B|…`` (look-ups) or ``filter=cites:W…,from_publication_date:D``
(citers), ``sort=cited_by_count:desc|publication_date:desc``, ``per-page`` (max 200), ``page``,
``select=`` — answering ``{meta: {count, page, per_page}, results: [work…]}``; ``GET /works/W…`` a single
work or 404. Works carry ``id``, ``doi``, ``display_name``, ``title``, ``publication_date``,
``cited_by_count``, ``is_retracted``, ``locations`` and ``abstract_inverted_index``.

``key``: the ``api_key`` it wants (401 without one, 403 for a wrong one). Faults on purpose: ``throttle`` (the
next N requests answer 429 with ``Retry-After``), ``mode`` = ``garbage`` (200 and HTML), ``types`` (results
is a string), ``huge`` (a 20 MB body), ``500`` (every answer 500); ``latency`` seconds before each answer.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


OA_KEY = "oa-test-key-4f9d2c7e1b"


def work(n: int, title: str, date: str, *, arxiv: str | None = None, doi: str | None = None, cited_by: int = 0,
         retracted: bool = False, abstract: str | None = None) -> dict:
    """One OpenAlex work object."""
    if arxiv and not doi:
        doi = f"10.48550/arxiv.{arxiv}"
    locations = [{"landing_page_url": f"https://arxiv.org/abs/{arxiv}", "pdf_url": f"https://arxiv.org/pdf/{arxiv}",
                  "source": {"display_name": "arXiv (Cornell University)"}}] if arxiv else []
    index = None
    if abstract:
        index = {}
        for i, w in enumerate(abstract.split()):
            index.setdefault(w, []).append(i)
    return {"id": f"https://openalex.org/W{n}", "doi": f"https://doi.org/{doi}" if doi else None,
            "title": title, "display_name": title, "publication_date": date, "publication_year": int(date[:4]),
            "cited_by_count": cited_by, "is_retracted": retracted, "locations": locations,
            "ids": {"openalex": f"https://openalex.org/W{n}", **({"doi": f"https://doi.org/{doi}"} if doi else {})},
            "abstract_inverted_index": index}


class OpenAlexServer:
    def __init__(self, works: list[dict] | None = None, cites: dict[str, list[str]] | None = None, *,
                 key: str | None = None, mode: str = "ok", latency: float = 0.0):
        self.works = {w["id"].rsplit("/", 1)[-1]: w for w in works or []}
        self.cites = cites or {}  # W of the cited work → W of each work citing it
        self.key = key
        self.mode = mode
        self.latency = latency
        self.throttle = 0
        self.retry_after = "1"
        self.requests: list[tuple[float, str, dict]] = []
        self._lock = threading.Lock()
        self._httpd = None

    def add(self, w: dict, cites: list[str] = ()) -> str:
        wid = w["id"].rsplit("/", 1)[-1]
        self.works[wid] = w
        for target in cites:
            self.cites.setdefault(target, []).append(wid)
        return wid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def list_calls(self) -> list[dict]:
        return [q for _, path, q in self.requests if path == "/works"]

    def start(self) -> str:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def do_GET(self):
                split = urllib.parse.urlsplit(self.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(split.query).items()}
                with owner._lock:
                    owner.requests.append((time.monotonic(), split.path, query))
                    throttled = owner.throttle > 0
                    if throttled:
                        owner.throttle -= 1
                if owner.latency:
                    time.sleep(owner.latency)
                if owner.key is not None and query.get("api_key") != owner.key:
                    status = 401 if "api_key" not in query else 403
                    return self.reply(status, json.dumps({"error": "API key required" if status == 401
                                                          else "Invalid API key"}).encode())
                if throttled:
                    return self.reply(429, b'{"error": "Rate limit exceeded"}', {"Retry-After": owner.retry_after})
                if owner.mode == "500":
                    return self.reply(500, b'{"error": "Internal"}')
                if owner.mode == "garbage":
                    return self.reply(200, b"<html><body>Service Unavailable</body></html>")
                if owner.mode == "types":
                    return self.reply(200, b'{"meta": {"count": 1}, "results": "nope"}')
                if owner.mode == "huge":
                    return self.reply(200, b'{"results": [' + b" " * (20 * 1024 * 1024) + b"]}")
                if split.path.startswith("/works/W"):
                    w = owner.works.get(split.path.rsplit("/", 1)[-1])
                    return self.reply(200, json.dumps(w).encode()) if w else self.reply(404, b'{"error": "Not found"}')
                if split.path != "/works":
                    return self.reply(404, b'{"error": "Not found"}')
                status, body = owner.listing(query)
                self.reply(status, json.dumps(body).encode())

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self.base_url

    def listing(self, query: dict) -> tuple[int, dict]:
        filters = {}
        for part in query.get("filter", "").split(","):
            name, _, value = part.partition(":")
            filters[name] = value
        works = list(self.works.values())
        if "doi" in filters:
            wanted = {d.lower() for d in filters["doi"].split("|")}
            if len(wanted) > 100:
                return 400, {"error": "Too many values in OR filter"}
            works = [w for w in works if w["doi"] and w["doi"].removeprefix("https://doi.org/").lower() in wanted]
        if "cites" in filters:
            citers = set(self.cites.get(filters["cites"], []))
            works = [w for w in works if w["id"].rsplit("/", 1)[-1] in citers]
        if "from_publication_date" in filters:
            works = [w for w in works if w["publication_date"] >= filters["from_publication_date"]]
        sort = query.get("sort", "")
        if sort.startswith("cited_by_count"):
            works.sort(key=lambda w: -w["cited_by_count"])
        elif sort.startswith("publication_date"):
            works.sort(key=lambda w: w["publication_date"], reverse=True)
        per_page = min(int(query.get("per-page", query.get("per_page", "25"))), 200)
        page = int(query.get("page", "1"))
        chosen = works[(page - 1) * per_page : page * per_page]
        if "select" in query:
            keep = query["select"].split(",")
            chosen = [{k: w.get(k) for k in keep} for w in chosen]
        return 200, {"meta": {"count": len(works), "page": page, "per_page": per_page, "db_response_time_ms": 1},
                     "results": chosen, "group_by": []}

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()


def corpus(server: "OpenAlexServer") -> None:
    """The seed's first two papers, known to the service, with citers old and new; the rest unknown."""
    a = server.add(work(1, "Echo Chamber: RL post-training amplifies behaviors", "2025-04-10", arxiv="2504.07912",
                        cited_by=300))
    b = server.add(work(2, "Sparse subnetworks in RL fine-tuning", "2025-05-20", arxiv="2505.11711", cited_by=50,
                        retracted=True))
    server.add(work(10, "Base models and RL post-training deployment revisited", "2025-09-01", arxiv="2509.00001",
                    cited_by=40, abstract="we revisit post-training deployment of latent reasoning in base models"),
               cites=[a])
    server.add(work(11, "A journal paper with only a DOI", "2025-11-03", doi="10.1000/xyz.1", cited_by=5),
               cites=[a, b])
    server.add(work(12, "An older citer from before the claim", "2025-03-15", arxiv="2503.00002", cited_by=900),
               cites=[a])
    server.add(work(13, "Retracted follow-up \x1b[31m<b>bold</b>", "2026-01-04", arxiv="2601.00003", cited_by=1,
                    retracted=True), cites=[b])
