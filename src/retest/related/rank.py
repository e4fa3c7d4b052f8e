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
import heapq
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


def standing(work: Work, today: dt.date) -> float:
    """The part of a score that does not depend on the claim: citations and recency."""
    cites = min(1.0, math.log1p(work.cited_by_count or 0) / math.log1p(1000))
    recency = 0.0
    if work.date:
        try:
            year, month = int(work.date[:4]), int(work.date[5:7] or 1) if len(work.date) >= 7 else 1
            age = max(0.0, (today.year - year) + (today.month - month) / 12)
            recency = 0.5 ** age
        except ValueError:
            recency = 0.0
    return 0.4 * cites + 0.3 * recency


class Scorer:
    """Ranking for one run: each work's words and standing computed once, each citer list prepared once, each
    related paper made once however many claims it is given to, and each ranking made once for the claims
    that cannot tell its candidates apart (the same lists, the same share of words in common with them)."""

    def __init__(self, today: dt.date):
        self.today = today
        self._known: dict[str, tuple[float, frozenset[str]]] = {}
        self._lists: dict[int, tuple] = {}
        self._papers: dict[tuple, RelatedPaper] = {}
        self._rankings: dict[tuple, list[RelatedPaper]] = {}

    def _facts(self, work: Work) -> tuple[float, frozenset[str]]:
        known = self._known.get(work.key)
        if known is None:
            known = self._known[work.key] = (standing(work, self.today),
                                             frozenset(words(f"{work.title} {work.abstract or ''}")))
        return known

    def score(self, work: Work, claim_words: set[str]) -> float:
        base, its_words = self._facts(work)
        return base + (0.3 * len(claim_words & its_words) / len(claim_words) if claim_words else 0.0)

    def _by_standing(self, paper: str, works: list[Work]) -> tuple[list, frozenset[str]]:
        """``[(standing, words, ident, work)]``, best standing first, the paper itself left out; and every word
        of those works."""
        key = id(works)
        if key not in self._lists:
            rows, vocabulary = [], set()
            for w in works:
                if w.arxiv_id == paper:
                    continue
                base, its_words = self._facts(w)
                vocabulary |= its_words
                rows.append((base, its_words, w.doi or (f"arxiv:{w.arxiv_id}" if w.arxiv_id else w.key), w))
            rows.sort(key=lambda r: -r[0])
            self._lists[key] = (works, rows, frozenset(vocabulary))  # the list is kept alive with its id
        return self._lists[key][1:]

    def ranked(self, found: dict[str, list[Work]], claim_text: str, source: str, limit: int) -> list[RelatedPaper]:
        claim_words = words(claim_text)
        prepared = [(paper, works, *self._by_standing(paper, works)) for paper, works in found.items()]
        # a claim's words matter only through those its candidates have, and through how many it has
        vocabulary = prepared[0][3] if len(prepared) == 1 else frozenset().union(*(p[3] for p in prepared))
        shared = vocabulary & claim_words
        memo = (tuple((paper, id(works)) for paper, works, *_ in prepared), shared, len(claim_words), source, limit)
        known = self._rankings.get(memo)
        if known is None:
            known = self._rankings[memo] = self._rank(prepared, shared, len(claim_words), source, limit)
        return list(known)

    def _rank(self, prepared: list, shared: frozenset[str], how_many: int, source: str,
              limit: int) -> list[RelatedPaper]:
        if len(prepared) == 1:  # the common case: one paper, its citers already sorted and unique
            (paper, _, rows, _), = prepared
            cites = {}
            single = [paper]
        else:
            merged: dict[str, tuple] = {}
            cites = {}
            for paper, _, rows, _ in prepared:
                for row in rows:
                    merged.setdefault(row[2], row)
                    if paper not in cites.setdefault(row[2], []):
                        cites[row[2]].append(paper)
            rows, single = list(merged.values()), None
        weight = 0.3 / how_many if how_many else 0.0
        scored = [(-(base + weight * len(shared & its_words)), w.date or "", w.key, ident, w)
                  for base, its_words, ident, w in rows]
        out = []
        for _, _, _, ident, w in heapq.nsmallest(limit, scored):
            named = single or cites[ident]
            key = (ident, tuple(named), source)
            if key not in self._papers:
                self._papers[key] = RelatedPaper(
                    title=w.title, date=w.date, arxiv_id=w.arxiv_id, doi=w.doi, cited_by_count=w.cited_by_count,
                    retracted=w.retracted, cites=list(named), source=source)
            out.append(self._papers[key])
        return out


def ranked(found: dict[str, list[Work]], claim_text: str, today: dt.date, source: str, limit: int,
           scorer: Scorer | None = None) -> list[RelatedPaper]:
    """``{claim's paper: its citers}`` → the claim's best ``limit`` related papers."""
    return (scorer or Scorer(today)).ranked(found, claim_text, source, limit)
