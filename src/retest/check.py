"""Verdicts on the arXiv IDs a reply cites, and which sent claims it re-tested.

Offline verdicts need nothing but the text: an ID can be malformed (not an
identifier at all), impossible (dated after the reply), implausible (a
sequence number far above what arXiv issued that month), or cited with a
date that disagrees with the one it implies. Otherwise it is known (it was in
the prompt) or new (the reply surfaced it). ``--online`` adds found/not-found
from the arXiv API (see ``arxiv_api``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from . import arxiv, dates

# Roughly the highest sequence number arXiv issued in a month of each year
# (new-style IDs; monthly submissions have grown every year). The bound is
# soft: a number is "implausible" only when it exceeds the year's figure by
# IMPLAUSIBLE_MARGIN. Years past the table grow by GROWTH a year.
MONTHLY_PEAK = {
    2007: 6_000, 2008: 6_500, 2009: 7_000, 2010: 7_500, 2011: 8_000, 2012: 8_500, 2013: 9_000,
    2014: 9_999, 2015: 10_000, 2016: 11_000, 2017: 12_500, 2018: 14_000, 2019: 15_500,
    2020: 17_500, 2021: 18_000, 2022: 19_000, 2023: 21_000, 2024: 25_000, 2025: 29_000, 2026: 34_000,
}
IMPLAUSIBLE_MARGIN = 1.25
GROWTH = 1.15
SUSPECT = ("malformed", "impossible", "implausible", "not-found", "date-mismatch")
_FIGURE_NORMAL = str.maketrans({"–": "-", "—": "-", "~": None, " ": None, "×": "x"})


def sequence_bound(year: int) -> int:
    """The highest sequence number that is still plausible for a month of ``year``."""
    last = max(MONTHLY_PEAK)
    if year in MONTHLY_PEAK:
        peak = MONTHLY_PEAK[year]
    elif year > last:
        peak = MONTHLY_PEAK[last] * GROWTH ** (year - last)
    else:
        peak = MONTHLY_PEAK[min(MONTHLY_PEAK)]
    cap = 9_999 if year <= 2014 else 99_999
    return min(cap, int(peak * IMPLAUSIBLE_MARGIN))


@dataclass
class CitedId:
    """One arXiv ID as a reply cites it, with its verdict."""

    id: str
    written: str
    verdict: str
    relation: str  # known | new
    implied_date: str | None = None
    stated_date: str | None = None
    detail: str | None = None
    online: str | None = None  # found | not-found | None (not checked)
    title: str | None = None
    first_author: str | None = None
    published: str | None = None

    @property
    def suspect(self) -> bool:
        return self.verdict in SUSPECT


@dataclass
class ClaimCoverage:
    index: int
    text: str
    addressed: bool
    via: list[str] = field(default_factory=list)


@dataclass
class Report:
    as_of: str
    cited: list[CitedId]
    claims: list[ClaimCoverage]

    @property
    def suspect_count(self) -> int:
        return sum(c.suspect for c in self.cited)

    def to_dict(self) -> dict:
        return {
            "as_of": self.as_of,
            "cited": [asdict(c) | {"suspect": c.suspect} for c in self.cited],
            "claims": [asdict(c) for c in self.claims],
            "suspect": self.suspect_count,
        }


def _stated_date(text: str, ident: arxiv.ArxivId) -> str | None:
    """A month written right beside the ID: inside its parenthesis, or within 40 characters."""
    left = text.rfind("(", 0, ident.start)
    right = text.find(")", ident.end)
    if left != -1 and right != -1 and text.find(")", left, ident.start) == -1 and right - left < 200:
        lo, hi = left, right
    else:
        lo, hi = max(0, ident.start - 40), min(len(text), ident.end + 40)
    found = dates.find_dates(text[lo:hi])
    if not found:
        return None
    here = ident.start - lo
    return min(found, key=lambda d: abs(d.pos - here)).start


def _months_apart(a: str, b: str) -> int:
    ya, ma = (int(x) for x in a.split("-"))
    yb, mb = (int(x) for x in b.split("-"))
    return abs((ya * 12 + ma) - (yb * 12 + mb))


def verdicts(reply: str, known: set[str], as_of: dt.date) -> list[CitedId]:
    """One verdict per distinct ID the reply cites (first mention kept)."""
    limit = dates.of(as_of)
    out: dict[str, CitedId] = {}
    for ident in arxiv.find_all(reply):
        if ident.id in out:
            continue
        written = reply[ident.start : ident.end]
        relation = "known" if ident.id in known else "new"
        implied = ident.date if 1 <= ident.month <= 12 else None
        stated = _stated_date(reply, ident)
        if ident.problem:
            verdict, detail = "malformed", ident.problem
        elif implied > limit:
            verdict, detail = "impossible", f"dated {implied}, after the reply ({limit})"
        elif "/" not in ident.id and ident.sequence > sequence_bound(ident.year):
            verdict = "implausible"
            detail = (f"number {ident.sequence:,} is far above what arXiv issued in a month of {ident.year} "
                      f"(plausible up to ~{sequence_bound(ident.year):,})")
        elif stated and _months_apart(stated, implied) > 1:
            verdict, detail = "date-mismatch", f"the reply says {stated}; the ID implies {implied}"
        else:
            verdict, detail = relation, None
        out[ident.id] = CitedId(ident.id, written, verdict, relation, implied, stated, detail)
    return list(out.values())


def _normal_figure(text: str) -> str:
    return text.translate(_FIGURE_NORMAL).lower()


def coverage(claims: list, reply: str, cited: list[CitedId]) -> list[ClaimCoverage]:
    """Which sent claims the reply speaks to: by their papers or their distinctive figures."""
    from .context import figures

    cited_ids = {c.id for c in cited}
    flat = _normal_figure(reply)
    out = []
    for i, claim in enumerate(claims, start=1):
        via = [f"arXiv:{x}" for x in claim.arxiv_ids if x in cited_ids]
        via += [f for f in figures([claim]) if _normal_figure(f) in flat]
        title = getattr(claim, "note_title", None)
        if title and title.lower().rstrip("?") in reply.lower():
            via.append("its question")
        out.append(ClaimCoverage(i, claim.text, bool(via), via))
    return out


def prompt_context(prompt: str | None) -> tuple[set[str], list]:
    """The IDs a prompt (or document) names, and the claims it sent, when it has any."""
    if not prompt:
        return set(), []
    from .errors import NotAnInquiringLine
    from .parser import parse

    known = {i.id for i in arxiv.find(prompt)}
    try:
        doc = parse(prompt)
    except NotAnInquiringLine:
        return known, []
    known |= set(doc.cited_ids()) | {x for n in doc.notes for x in n.arxiv_ids}
    return known, doc.claims


def check(reply: str, *, prompt: str | None = None, as_of: dt.date | None = None) -> Report:
    """Offline check of one reply against the prompt it answered."""
    as_of = as_of or dt.date.today()
    known, claims = prompt_context(prompt)
    cited = verdicts(reply, known, as_of)
    return Report(as_of.isoformat(), cited, coverage(claims, reply, cited))


def apply_online(report: Report, results: dict[str, dict | None]) -> None:
    """Fold arXiv API results (``None`` = not found) into the report's verdicts."""
    for c in report.cited:
        if c.id not in results:
            continue
        found = results[c.id]
        if found is None:
            c.online = "not-found"
            if not c.suspect:
                c.verdict, c.detail = "not-found", "arXiv has no paper with this identifier"
        else:
            c.online = "found"
            c.title, c.first_author, c.published = found.get("title"), found.get("first_author"), found.get("published")

