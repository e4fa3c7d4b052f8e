"""Look identifiers up in the arXiv API, politely, with an archive-backed cache.

arXiv asks API clients for at most one request every three seconds; IDs go
100 to a request (``id_list``) and entries are matched by their ``<id>``, not
by position. ``RETEST_ARXIV_URL`` points elsewhere (a mirror, or a test
server); only then may ``RETEST_ARXIV_INTERVAL`` shorten the pause.
A redirect is followed only on the configured host and port, and never off
its scheme (https, or http for a local server configured so): what another
host says is not arXiv's answer.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from ..errors import RetestError
from ..extract import arxiv
from ..util.deadline import Deadline

DEFAULT_URL = "https://export.arxiv.org/api/query"
BATCH = 100
INTERVAL = 3.0
DEADLINE = 30.0  # seconds for one request, start to last byte, however slowly bytes arrive
MAX_BODY = 20 * 1024 * 1024
MAX_TITLE = 1000  # characters of a title kept: arXiv's longest are a few hundred
NOT_FOUND_TTL = dt.timedelta(days=1)  # a paper may appear tomorrow; a found one stays found
_ATOM = "{http://www.w3.org/2005/Atom}"


class OfflineError(RetestError):
    exit_code = 1


class Redirected(OfflineError):
    """The API sent the request elsewhere than the configured host or scheme: not followed."""


class _SameHost(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the configured scheme, host and port."""

    def __init__(self, url: str):
        self.url = url
        base = urllib.parse.urlsplit(url)
        self.allowed = (base.scheme.lower(), base.hostname, base.port)

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        try:
            to = urllib.parse.urlsplit(newurl)
            where = (to.scheme.lower(), to.hostname, to.port)
        except ValueError:
            where = None
        if where != self.allowed:
            from ..util.display import neutral

            raise Redirected(f"--online: the arXiv API at {self.url} redirected to "
                             f"{neutral(newurl[:200], one_line=True)}, off its host or scheme; not followed")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class NotAFeed(OfflineError):
    """The API answered, but not with an Atom feed: nothing can be concluded from it."""


def interval_setting() -> float:
    from ..util.settings import env_number

    return env_number("RETEST_ARXIV_INTERVAL", INTERVAL, lambda v: 0 <= v < 3600,
                      "give the seconds between requests (0 to 3600)")


class Client:
    """Paced requests to one API endpoint, each bounded by a deadline."""

    def __init__(self, url: str | None = None, interval: float | None = None, timeout: float = DEADLINE):
        self.url = url or os.environ.get("RETEST_ARXIV_URL") or DEFAULT_URL
        wanted = interval if interval is not None else interval_setting()
        official = urllib.parse.urlsplit(self.url).hostname in ("export.arxiv.org", "arxiv.org")
        self.interval = max(INTERVAL, wanted) if official else wanted
        self.timeout = timeout
        self.requests = 0
        self.problems: list[str] = []  # IDs that could not be looked up, and why
        self._last = 0.0
        self._opener = urllib.request.build_opener(_SameHost(self.url))

    def _get(self, ids: list[str]) -> tuple[int, bytes]:
        """``(status, body)``, read within ``timeout`` seconds from start to last byte."""
        wait = self._last + self.interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        query = urllib.parse.urlencode({"id_list": ",".join(ids), "max_results": len(ids)})
        req = urllib.request.Request(f"{self.url}?{query}", headers={"User-Agent": "retest (citation check)"})
        self.requests += 1
        deadline = Deadline(self.timeout)
        try:
            try:
                resp = self._opener.open(req, timeout=self.timeout)
            except urllib.error.HTTPError as exc:
                resp = exc
            with resp:
                status = resp.status if hasattr(resp, "status") else resp.code
                chunks, size = [], 0
                while True:
                    left = deadline.left()
                    if left <= 0:
                        raise TimeoutError(f"no complete answer within {self.timeout:g} s")
                    _set_timeout(resp, left)
                    chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > MAX_BODY:
                        raise OfflineError(f"--online: the arXiv API at {self.url} sent more than "
                                           f"{MAX_BODY // 1024 // 1024} MB")
                return status, b"".join(chunks)
        finally:
            self._last = time.monotonic()

    def lookup(self, ids: list[str]) -> dict[str, dict | None]:
        """``{id: {title, first_author, published} | None}`` for the IDs the API answered about.

        An ID is ``None`` (not found) only when a well-formed Atom feed lacks it or
        names it as an incorrect identifier; IDs the API would not answer about
        are left out and listed in ``problems``.
        """
        out: dict[str, dict | None] = {}
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            out.update(self._batch(batch))
        return out

    def _batch(self, batch: list[str]) -> dict[str, dict | None]:
        try:
            status, body = self._get(batch)
        except OfflineError:
            raise
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise OfflineError(f"--online: cannot reach the arXiv API at {self.url} ({reason})") from None
        if status == 200:
            found, _ = parse_feed(body)
            return {ident: found.get(ident) for ident in batch}
        if status == 400:
            try:
                _, rejected = parse_feed(body)
            except NotAFeed:
                rejected = set()
            if len(batch) > 1:  # one bad ID spoils the batch: ask one at a time
                out: dict[str, dict | None] = {}
                for ident in batch:
                    out.update(self._batch([ident]))
                return out
            if batch[0] in rejected:
                return {batch[0]: None}
            self.problems.append(f"{batch[0]}: the arXiv API refused to look it up (400)")
            return {}
        raise OfflineError(f"--online: the arXiv API at {self.url} answered {status}")


def _set_timeout(resp, seconds: float) -> None:
    """Bound the next read by what is left of the deadline."""
    try:
        resp.fp.raw._sock.settimeout(max(seconds, 0.01))
    except AttributeError:
        pass


def parse_feed(body: bytes) -> tuple[dict[str, dict], set[str]]:
    """Atom feed → ``{canonical id: {title, first_author, published}}`` and the IDs it calls incorrect."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise NotAFeed("--online: the arXiv API sent something that is not an Atom feed") from None
    if root.tag != f"{_ATOM}feed":
        raise NotAFeed("--online: the arXiv API sent something that is not an Atom feed")
    rejected: set[str] = set()
    out = {}
    for entry in root.iter(f"{_ATOM}entry"):
        raw_id = (entry.findtext(f"{_ATOM}id") or "").strip()
        if "/api/errors" in raw_id:
            marker = "incorrect_id_format_for_"
            if marker in raw_id:
                named = arxiv.find(raw_id[raw_id.index(marker) + len(marker):])
                rejected.update(i.id for i in named)
            continue
        found = arxiv.find(raw_id)
        if not found:
            continue
        title = " ".join((entry.findtext(f"{_ATOM}title") or "")[: MAX_TITLE * 4].split())[:MAX_TITLE]
        if not title or title.lower() == "error":
            continue
        author = entry.find(f"{_ATOM}author/{_ATOM}name")
        published = (entry.findtext(f"{_ATOM}published") or "")[:10] or None
        out[found[0].id] = {
            "title": title,
            "first_author": " ".join(author.text[:800].split())[:200] if author is not None and author.text else None,
            "published": published,
        }
    return out, rejected


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
