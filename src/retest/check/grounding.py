"""A grounded reply's sources, checked: the papers behind them, their titles, and verdicts' evidence URLs.

The arXiv IDs behind a reply's source URLs count as cited by the reply (the
same verdicts as IDs in its text). A title the reply or its provider gave an
ID is compared with arXiv's once it is known (``--online``): a real ID given
another paper's title is ``title-mismatch``. A verdict's evidence may be a
URL: it stands when it is one of the reply's sources (or a real paper).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from ..extract import dates
from ..extract.paper_urls import paper_of
from . import titles
from .citations import CitedId, judge


def from_sources(sources: list[dict], cited: list[CitedId], known: set[str], as_of: dt.date) -> list[CitedId]:
    """Verdicts on the IDs the sources point to that the text itself does not cite."""
    have = {c.id for c in cited}
    limit = dates.of(as_of)
    out = []
    for s in sources:
        found = paper_of(s.get("url"))
        if not found or found.id in have:
            continue
        have.add(found.id)
        c = judge(found, s["url"], known, limit)
        c.source = s["url"]
        out.append(c)
    return out


def give_titles(cited: list[CitedId], reply: str, sources: list[dict]) -> None:
    claimed = titles.claimed(reply, sources)
    for c in cited:
        c.claimed_title = claimed.get(c.id)


def compare_titles(cited: list[CitedId]) -> None:
    """A found paper whose claimed title is another paper's: ``title-mismatch``, with both titles."""
    for c in cited:
        if c.online != "found" or not c.claimed_title or not c.title or c.verdict == "title-mismatch":
            continue
        if not titles.same(c.claimed_title, c.title):
            before = f"; {c.detail}" if c.detail else ""
            c.verdict = "title-mismatch"
            c.detail = f"given as “{c.claimed_title}”, but arXiv:{c.id} is “{' '.join(c.title.split())}”{before}"


def _key(url: str) -> str:
    try:
        p = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    host = (p.hostname or "").lower().removeprefix("www.")
    return f"{host}{p.path.rstrip('/')}" + (f"?{p.query}" if p.query else "")


def find_source(item: str, sources: list[dict]) -> dict | None:
    """The reply's source an evidence item names by its URL, if any."""
    url = item.strip().strip("<>()[]")
    if not url.lower().startswith(("http://", "https://", "www.")):
        return None
    key = _key(url if "//" in url else "https://" + url)
    for s in sources:
        if _key(s.get("url") or "") == key:
            return s
    return None


def label(source: dict) -> str:
    title = " ".join((source.get("title") or "").split())
    if title:
        return title[:120]
    try:
        return urlsplit(source.get("url") or "").hostname or "?"
    except ValueError:
        return "?"


def is_url(item: str) -> bool:
    return item.strip().strip("<>()[]").lower().startswith(("http://", "https://", "www."))
