"""What the literature services give back, before it is ranked for a claim.

``Work`` is one paper as a service describes it, reduced to what retest uses
and bounded in size: remote text is data, so titles and abstracts are cut,
stripped of control characters and never trusted as markup.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

from ..extract import arxiv

TITLE_MAX = 300
ABSTRACT_MAX = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|\d{4}")


def clean(text, limit: int) -> str | None:
    """Remote text made inert and short: control and bidi characters out, whitespace collapsed."""
    if not isinstance(text, str):
        return None
    text = " ".join(_CONTROL.sub(" ", text[: limit * 4]).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None


def clean_date(value) -> str | None:
    if not isinstance(value, str):
        return None
    m = _DATE.fullmatch(value.strip()[:10])
    return m.group(0) if m else None


def clean_count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def arxiv_of_doi(doi: str | None) -> str | None:
    """``10.48550/arXiv.2307.03172`` → ``2307.03172``: arXiv's own DOIs name the paper."""
    if doi and doi.lower().startswith("10.48550/arxiv."):
        found = arxiv.find("arXiv:" + doi[len("10.48550/arxiv."):])
        return found[0].id if found else None
    return None


def arxiv_of_url(url) -> str | None:
    if isinstance(url, str) and "arxiv.org/" in url[:200]:
        found = arxiv.find(url[:200])
        return found[0].id if found else None
    return None


def bare_doi(value) -> str | None:
    """``https://doi.org/10.1/X`` → ``10.1/x`` (DOIs compare without case)."""
    if not isinstance(value, str):
        return None
    value = value.strip()[:300]
    for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
        if value.lower().startswith(prefix):
            value = value[len(prefix):]
    return value.lower() if value.startswith("10.") and not _CONTROL.search(value) else None


@dataclass
class Work:
    """One paper: its identifiers at the service and elsewhere, its date, standing and words."""

    key: str  # the service's own ID (OpenAlex W…, Semantic Scholar paperId)
    title: str
    date: str | None = None  # YYYY-MM-DD (or shorter, as given)
    arxiv_id: str | None = None
    doi: str | None = None
    cited_by_count: int | None = None
    retracted: bool | None = None
    abstract: str | None = None

    def dump(self) -> dict:
        return asdict(self)

    @classmethod
    def load(cls, data: dict) -> Work:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


@dataclass
class Citing:
    """The newer papers citing one paper from a date on: what one look-up (one cache row) holds."""

    works: list[Work] = field(default_factory=list)
    total: int | None = None  # how many the service counts (more than it sent, for a much-cited paper)


def month_start(ym: str) -> str:
    return f"{ym}-01" if len(ym) == 7 else ym


def since_for(claim_date: str | None, paper: str, since: dt.date | None) -> str:
    """From when a claim's paper's citers count as newer: the claim's month, else the month its ID implies;
    ``--since`` narrows (the later of the two)."""
    own = claim_date
    if not own:
        found = arxiv.find("arXiv:" + paper)
        own = found[0].date if found else "1990-01"
    start = month_start(own)
    if since is not None and since.isoformat() > start:
        start = since.isoformat()
    return start
