"""Best first: which newer papers a claim is given, and in what order.

A citing paper scores on three things, each between 0 and 1:

- standing — its citations, on a log scale (1,000 citations count as full);
- recency — halved for every year between its date and today: a re-test asks for what is new;
- overlap — the share of the claim's distinctive words found in its title and abstract: among the
  many papers citing a famous paper, those about this claim's finding.

Weighted 0.4 / 0.3 / 0.3. Papers citing several of the claim's papers are merged (``cites`` lists them).
"""

from __future__ import annotations

import datetime as dt
import math
import re

from ..models import RelatedPaper
from .models import Work

_WORD = re.compile(r"[a-z][a-z0-9-]{3,}")
_COMMON = frozenset("""
this that with from have been were their there these those which while about into than then them they
when where what also more most such over only other some many much very each both between after before
under above across within without among model models paper papers results result show shows shown study
finding findings using used based large small high higher lower less data task tasks method methods work
""".split())


def words(text: str | None) -> set[str]:
    return {w for w in _WORD.findall((text or "").lower()[:5000]) if w not in _COMMON}


def score(work: Work, claim_words: set[str], today: dt.date) -> float:
    cites = min(1.0, math.log1p(work.cited_by_count or 0) / math.log1p(1000))
    recency = 0.0
    if work.date:
        try:
            year, month = int(work.date[:4]), int(work.date[5:7] or 1) if len(work.date) >= 7 else 1
            age = max(0.0, (today.year - year) + (today.month - month) / 12)
            recency = 0.5 ** age
        except ValueError:
            recency = 0.0
    overlap = 0.0
    if claim_words:
        overlap = len(claim_words & words(f"{work.title} {work.abstract or ''}")) / len(claim_words)
    return 0.4 * cites + 0.3 * recency + 0.3 * overlap


def ranked(found: dict[str, list[Work]], claim_text: str, today: dt.date, source: str, limit: int) -> list[RelatedPaper]:
    """``{claim's paper: its citers}`` → the claim's best ``limit`` related papers."""
    merged: dict[str, tuple[Work, list[str]]] = {}
    for paper, works in found.items():
        for w in works:
            ident = w.doi or (f"arxiv:{w.arxiv_id}" if w.arxiv_id else w.key)
            if w.arxiv_id == paper:
                continue
            entry = merged.setdefault(ident, (w, []))
            if paper not in entry[1]:
                entry[1].append(paper)
    claim_words = words(claim_text)
    order = sorted(merged.values(), key=lambda e: (-score(e[0], claim_words, today), e[0].date or "", e[0].key))
    return [RelatedPaper(title=w.title, date=w.date, arxiv_id=w.arxiv_id, doi=w.doi, cited_by_count=w.cited_by_count,
                         retracted=w.retracted, cites=cites, source=source)
            for w, cites in order[:limit]]
