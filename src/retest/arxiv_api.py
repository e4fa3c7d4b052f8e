"""Look identifiers up in the arXiv API, politely, with an archive-backed cache.

arXiv asks API clients for at most one request every three seconds; IDs go
100 to a request (``id_list``) and entries are matched by their ``<id>``, not
by position. ``RETEST_ARXIV_URL`` points elsewhere (a mirror, or a test
server); only then may ``RETEST_ARXIV_INTERVAL`` shorten the pause.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from . import arxiv
from .errors import RetestError

DEFAULT_URL = "https://export.arxiv.org/api/query"
BATCH = 100
INTERVAL = 3.0
NOT_FOUND_TTL = dt.timedelta(days=1)  # a paper may appear tomorrow; a found one stays found
_ATOM = "{http://www.w3.org/2005/Atom}"


class OfflineError(RetestError):
    exit_code = 1


class Client:
    """Paced requests to one API endpoint."""

    def __init__(self, url: str | None = None, interval: float | None = None, timeout: float = 30.0):
        self.url = url or os.environ.get("RETEST_ARXIV_URL") or DEFAULT_URL
        wanted = interval if interval is not None else float(os.environ.get("RETEST_ARXIV_INTERVAL") or INTERVAL)
        official = urllib.parse.urlsplit(self.url).hostname in ("export.arxiv.org", "arxiv.org")
        self.interval = max(INTERVAL, wanted) if official else wanted
        self.timeout = timeout
        self.requests = 0
        self._last = 0.0

    def _get(self, ids: list[str]) -> bytes:
        wait = self._last + self.interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        query = urllib.parse.urlencode({"id_list": ",".join(ids), "max_results": len(ids)})
        req = urllib.request.Request(f"{self.url}?{query}", headers={"User-Agent": "retest (citation check)"})
        self.requests += 1
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.read()
        finally:
            self._last = time.monotonic()

    def lookup(self, ids: list[str]) -> dict[str, dict | None]:
        """``{id: {title, first_author, published} | None}`` for every ID asked."""
        out: dict[str, dict | None] = {}
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            out.update(self._batch(batch))
        return out

    def _batch(self, batch: list[str]) -> dict[str, dict | None]:
        try:
            body = self._get(batch)
        except urllib.error.HTTPError as exc:
            if exc.code == 400 and len(batch) > 1:
                # one bad ID spoils the batch: ask one at a time
                out: dict[str, dict | None] = {}
                for ident in batch:
                    out.update(self._batch([ident]))
                return out
            if exc.code == 400:
                return {batch[0]: None}
            raise OfflineError(f"--online: the arXiv API at {self.url} answered {exc.code}") from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise OfflineError(f"--online: cannot reach the arXiv API at {self.url} ({reason})") from None
        found = parse_feed(body)
        return {ident: found.get(ident) for ident in batch}


def parse_feed(body: bytes) -> dict[str, dict]:
    """Atom feed → ``{canonical id: {title, first_author, published}}`` (error entries skipped)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise OfflineError("--online: the arXiv API sent something that is not an Atom feed") from None
    out = {}
    for entry in root.iter(f"{_ATOM}entry"):
        raw_id = (entry.findtext(f"{_ATOM}id") or "").strip()
        found = arxiv.find(raw_id)
        if not found or "/api/errors" in raw_id:
            continue
        title = " ".join((entry.findtext(f"{_ATOM}title") or "").split())
        if not title or title.lower() == "error":
            continue
        author = entry.find(f"{_ATOM}author/{_ATOM}name")
        published = (entry.findtext(f"{_ATOM}published") or "")[:10] or None
        out[found[0].id] = {
            "title": title,
            "first_author": author.text.strip() if author is not None and author.text else None,
            "published": published,
        }
    return out


def verify(ids: list[str], archive=None, client: Client | None = None) -> tuple[dict[str, dict | None], Client]:
    """Results for ``ids``, from the archive's cache where possible."""
    client = client or Client()
    results: dict[str, dict | None] = {}
    missing = list(ids)
    if archive is not None:
        cached = archive.cached_lookups(ids, NOT_FOUND_TTL)
        results.update(cached)
        missing = [i for i in ids if i not in cached]
    if missing:
        fresh = client.lookup(missing)
        results.update(fresh)
        if archive is not None:
            archive.cache_lookups(fresh)
    return results, client
