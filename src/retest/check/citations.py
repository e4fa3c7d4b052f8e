"""Verdicts on the arXiv IDs a reply cites.

Offline citation verdicts need nothing but the text: an ID can be malformed
(not an identifier at all), impossible (dated after the reply), implausible (a
sequence number far above what arXiv issued that month), or cited with a
date that disagrees with the one it implies. Otherwise it is known (it was in
the prompt) or new (the reply surfaced it). ``--online`` adds found/not-found
from the arXiv API (see ``arxiv_api``).

A date written beside an ID belongs to that ID only: the date in its own
parenthesis (or ``;`` part of one), else in a parenthesis right after it,
else the nearest date in the same clause that no other ID is nearer to.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass

from ..extract import arxiv, dates

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
SUSPECT = ("malformed", "impossible", "implausible", "not-found", "date-mismatch", "title-mismatch", "retracted")
_ABBREVIATIONS = frozenset(
    "al e.g i.e cf vs etc fig figs no vol approx ca eq ref refs dr mr ms prof sec ch jan feb mar apr jun jul aug "
    "sep sept oct nov dec".split())


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
    relation: str  # known | new | supplied (a newer paper the prompt gave it: --related)
    implied_date: str | None = None
    stated_date: str | None = None
    detail: str | None = None
    online: str | None = None  # found | not-found | None (not checked)
    title: str | None = None
    first_author: str | None = None
    published: str | None = None
    claimed_title: str | None = None  # the title the reply or its provider gave it (see ``titles``)
    source: str | None = None  # the URL of the reply's source it came from, when not from the text

    @property
    def suspect(self) -> bool:
        return self.verdict in SUSPECT or self.online == "not-found"


# -- which date belongs to which ID ------------------------------------------------

def _groups(text: str) -> list[tuple[int, int]]:
    """Top-level ``( … )`` spans, matched; an unclosed ``(`` is no group."""
    out, stack = [], []
    for m in _GROUP_CHARS.finditer(text):
        i, c = m.start(), m.group(0)
        if c == "(":
            stack.append(i)
        elif c == ")" and stack:
            start = stack.pop()
            if not stack:
                out.append((start, i + 1))
        elif c == "\n":
            stack.clear()  # a parenthesis does not run across lines
    return out


_BREAK = re.compile(r"[;\n]|[.!?](?=\s)")
_GROUP_CHARS = re.compile(r"[()\n]")


def _clause_breaks(text: str) -> list[int]:
    """Where clauses end: sentence ends (not after abbreviations such as "et al."), ``;`` and line ends."""
    breaks = []
    for m in _BREAK.finditer(text):
        i = m.start()
        if text[i] in ".!?":
            j = i
            while j > 0 and (text[j - 1].isalpha() or text[j - 1] == "."):
                j -= 1
            word = text[j:i].lower()
            if word in _ABBREVIATIONS:
                continue
        breaks.append(i)
    return breaks


def _nearest(ids: list[arxiv.ArxivId], ks: list[int], d: dates.Found) -> int | None:
    """Of the IDs ``ks`` (in text order), the one nearest to the date ``d``: a bisection, not a scan."""
    if not ks:
        return None
    at = bisect.bisect_left([ids[k].start for k in ks] if len(ks) < 8 else _Starts(ids, ks), d.pos)
    best, gap = None, None
    for k in ks[max(at - 1, 0) : at + 1]:
        ident = ids[k]
        distance = d.pos - ident.end if d.pos >= ident.end else ident.start - d.stop
        if gap is None or distance < gap:
            best, gap = k, distance
    return best


class _Starts:
    """The start positions of some IDs, indexable for ``bisect`` without building a list."""

    def __init__(self, ids, ks):
        self.ids, self.ks = ids, ks

    def __len__(self) -> int:
        return len(self.ks)

    def __getitem__(self, i: int) -> int:
        return self.ids[self.ks[i]].start


def stated_dates(text: str, ids: list[arxiv.ArxivId]) -> dict[int, str]:
    """``{id's start: YYYY-MM}`` for the IDs that have a date written beside them."""
    found = dates.find_dates(text)
    if not ids or not found:
        return {}
    groups = _groups(text)
    starts = [g[0] for g in groups]
    semis = [m.start() for m in re.finditer(";", text)]

    def group_of(pos: int) -> int | None:
        k = bisect.bisect_right(starts, pos) - 1
        return k if k >= 0 and groups[k][0] <= pos < groups[k][1] else None

    def part_of(g: int, pos: int) -> tuple[int, int]:
        return g, bisect.bisect_left(semis, pos) - bisect.bisect_left(semis, groups[g][0])

    id_group = [group_of(i.start) for i in ids]
    date_group = [group_of(d.pos) for d in found]
    groups_with_ids = {g for g in id_group if g is not None}
    dates_in: dict[int, list[int]] = {}
    for j, g in enumerate(date_group):
        if g is not None:
            dates_in.setdefault(g, []).append(j)
    out: dict[int, str] = {}
    used: set[int] = set()

    # 1. inside a parenthesis with IDs: per ";" part, each date to its nearest ID there
    parts: dict[tuple[int, int], list[int]] = {}
    for k, g in enumerate(id_group):
        if g is not None:
            parts.setdefault(part_of(g, ids[k].start), []).append(k)
    for j, g in enumerate(date_group):
        if g in groups_with_ids:
            used.add(j)
            k = _nearest(ids, parts.get(part_of(g, found[j].pos), []), found[j])
            if k is not None and ids[k].start not in out:
                out[ids[k].start] = found[j].start
    # 2. a parenthesis of dates right after an ID (``arXiv:… (Apr 2025)``)
    for ident in ids:
        if ident.start in out:
            continue
        after = _skip_space(text, ident.end)
        g = group_of(after)
        if g is None or g in groups_with_ids or groups[g][0] != after or not dates_in.get(g):
            continue
        out[ident.start] = found[dates_in[g][0]].start
        used.update(dates_in[g])
    # 3. the same clause: each remaining date to the nearest ID, if that ID has none yet
    breaks = _clause_breaks(text)
    by_clause: dict[int, list[int]] = {}
    for k, ident in enumerate(ids):
        by_clause.setdefault(bisect.bisect_left(breaks, ident.start), []).append(k)
    for j, d in enumerate(found):
        if j in used:
            continue
        k = _nearest(ids, by_clause.get(bisect.bisect_left(breaks, d.pos), []), d)
        if k is not None and ids[k].start not in out:
            out[ids[k].start] = d.start
    return out


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def _months_apart(a: str, b: str) -> int:
    ya, ma = (int(x) for x in a.split("-"))
    yb, mb = (int(x) for x in b.split("-"))
    return abs((ya * 12 + ma) - (yb * 12 + mb))


def verdicts(reply: str, known: set[str], as_of: dt.date) -> list[CitedId]:
    """One verdict per distinct ID the reply cites, weighing every mention of it: a date written beside any
    one of them that disagrees with the ID is a mismatch, wherever that mention stands."""
    limit = dates.of(as_of)
    found = arxiv.find_all(reply)
    stated_at = stated_dates(reply, found)
    mentions: dict[str, list] = {}
    for ident in found:
        mentions.setdefault(ident.id, []).append(ident)
    out: list[CitedId] = []
    for same in mentions.values():  # every mention weighed: a wrong date beside any of them counts
        ident = same[0]
        implied = ident.date if 1 <= ident.month <= 12 else None
        stated_all = [stated_at[m.start] for m in same if m.start in stated_at]
        wrong = [d for d in stated_all if implied and _months_apart(d, implied) > 1]
        stated = wrong[0] if wrong else (stated_all[0] if stated_all else None)
        cited = judge(ident, reply[ident.start : ident.end], known, limit, stated)
        if cited.verdict == "date-mismatch" and len(same) > 1:
            cited.detail += f" (mention {1 + [stated_at.get(m.start) for m in same].index(stated)} of {len(same)})"
        out.append(cited)
    return out


def judge(ident: arxiv.ArxivId, written: str, known: set[str], limit: str, stated: str | None = None) -> CitedId:
    """The offline verdict on one ID, however the reply gave it (its text, or a source's URL)."""
    relation = "known" if ident.id in known else "new"
    implied = ident.date if 1 <= ident.month <= 12 else None
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
    return CitedId(ident.id, written, verdict, relation, implied, stated, detail)


