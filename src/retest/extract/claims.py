"""Turn claim bullets and note summaries into dated claims.

A bullet ends, in the house style, with a citation group such as
``(2025-04, arXiv:2504.07912)`` or ``(2019-05, arXiv:1905.09749; 2025-05,
arXiv:2505.15917)``. The group is lifted off the text so that templates can
write it back in one consistent form; every (date, paper) pair is kept, and the
claim's date is the earliest of them. A date written beside a paper wins over
the date its identifier implies.

Functions here return plain dicts shaped exactly like the models in
``models.py`` (``Claim``, ``Citation``, ``Anchor``): the parser's output is
validated into a ``Document`` in one step, or written out as JSON directly.
"""

from __future__ import annotations

import re

from . import arxiv, dates

# What may remain of a citation group once its dates and IDs are removed.
_GROUP_RESIDUE = re.compile(
    r"^(?:[\s,;:&/*_\u200b\u200c\u200d\u2060\ufeff]|and|see|cf\.?|via|arxiv|preprint|https?|www|org|abs|pdf|e\.g\.)*+$",
    re.I)
_LABEL_SEP = re.compile(r"^[\s)\]*_]*+(?:\([^()]*+\))?\s*+(?:—{1,2}|–|-{1,2}|:)?\s*+")
_LEAD_SEP = " \t\n\r\f\v([—–:-"
_LEAD_DATE_SEP = re.compile(r"[ \t]*+[)\]]?[ \t]*+(?:—|–|-|:)[ \t]++")


def trailing_group(text: str) -> tuple[int, str] | None:
    """The final ``(…)`` or ``[…]`` of ``text`` (an optional full stop after it): ``(start, inside)``."""
    end = len(text.rstrip())
    if end and text[end - 1] == ".":
        end = len(text[: end - 1].rstrip())
    if not end or text[end - 1] not in ")]":
        return None
    opener = "(" if text[end - 1] == ")" else "["
    start = text.rfind(opener, 0, end - 1)
    if start == -1 or text[end - 1] in text[start + 1 : end - 1]:
        return None
    return len(text[:start].rstrip()), text[start + 1 : end - 1]


def _segments(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each ``;``-separated part of ``text``."""
    out, start = [], 0
    while True:
        stop = text.find(";", start)
        if stop == -1:
            out.append((start, len(text)))
            return out
        out.append((start, stop))
        start = stop + 1


def citations(text: str) -> tuple[list[dict], list[str]]:
    """The (paper, date) pairs in ``text`` and every written date, in order.

    Each paper gets the nearest date written before it in its own
    ``;``-separated part, else the first date after it there, else the date
    its identifier implies. One pass over IDs and dates (both in order).
    """
    ids = arxiv.find(text)
    found = dates.find_dates(text)
    grouped = _grouped(text, ids, found)
    cites: list[dict] = []
    i = d = 0
    for start, end in _segments(text):
        while d < len(found) and found[d].pos < start:
            d += 1
        while i < len(ids) and ids[i].start < start:
            i += 1
        before = None
        while i < len(ids) and ids[i].start < end:
            ident = ids[i]
            while d < len(found) and found[d].pos < ident.start:
                before = found[d]
                d += 1
            after = found[d] if d < len(found) and found[d].pos < end else None
            written = grouped.get(i) or before or after
            cites.append({
                "arxiv_id": ident.id,
                "version": ident.version,
                "date": written.start if written else ident.date,
                "date_source": "written" if written else "arxiv",
            })
            i += 1
    unique: dict[str, dict] = {}
    for c in cites:
        unique.setdefault(c["arxiv_id"], c)
    return list(unique.values()), [d.start for d in found]


def _grouped(text: str, ids: list, found: list) -> dict:
    """Papers whose dates are written as a group in one parenthesis, paired by position.

    ``(2023-01; 2024-05, arXiv:A, arXiv:B)``: A is 2023-01 and B 2024-05 — the
    dates all before the papers (or all after), as many of each.
    """
    out: dict = {}
    if len(ids) < 2 or len(found) < 2:
        return out
    i = d = 0
    at = text.find("(")
    while at != -1:
        close = text.find(")", at)
        if close == -1:
            break
        while i < len(ids) and ids[i].start < at:
            i += 1
        while d < len(found) and found[d].pos < at:
            d += 1
        i_end, d_end = i, d
        while i_end < len(ids) and ids[i_end].end <= close:
            i_end += 1
        while d_end < len(found) and found[d_end].stop <= close:
            d_end += 1
        n = i_end - i
        if n > 1 and d_end - d == n and (found[d_end - 1].pos < ids[i].start or ids[i_end - 1].end <= found[d].pos):
            out.update({i + k: found[d + k] for k in range(n)})
        at = text.find("(", close)
    return out


def _earliest(cites: list[dict], written: list[str]) -> str | None:
    known = [c["date"] for c in cites if c["date"]] or written
    return min(known) if known else None


def _claim(text: str, cites: list[dict], written: list[str], origin: str, note_title: str | None) -> dict:
    return {
        "text": text,
        "date": _earliest(cites, written),
        "arxiv_ids": [c["arxiv_id"] for c in cites],
        "origin": origin,
        "citations": cites,
        "note_title": note_title,
    }


def claim_from_bullet(text: str, origin: str = "prompt", note_title: str | None = None) -> dict:
    """A research-prompt bullet → claim, with its trailing citation group lifted off."""
    cites, written = citations(text)
    body = text
    group = trailing_group(text)
    if group and (cites or written):
        cut, residue = group
        residue = "".join(residue[a:b] for a, b in _gaps(residue, arxiv.find_all(residue)))
        residue = dates.without_dates(residue)
        if _GROUP_RESIDUE.match(residue):
            body = text[:cut].rstrip()
    if written and body[:1].isalnum():
        body = _lead_date_off(body)
    return _claim(body, cites, written, origin, note_title)


def _lead_date_off(body: str) -> str:
    """``Feb 2023 — Drafts are accepted…`` → ``Drafts are accepted…``: a date written in front, as rewrites do."""
    m = dates.pattern(body).match(body)
    if not m:
        return body
    rest = _LEAD_DATE_SEP.match(body, m.end())
    return body[rest.end() :] if rest and rest.end() < len(body) else body


def _gaps(text: str, found: list) -> list[tuple[int, int]]:
    """The stretches of ``text`` between the identifiers in ``found``."""
    out, at = [], 0
    for ident in found:
        out.append((at, ident.start))
        at = max(at, ident.end)
    out.append((at, len(text)))
    return out


def claim_from_note(note: dict) -> dict:
    """A note → claim: its summary, with any papers and dates it names; a trailing citation is lifted off once."""
    return claim_from_bullet(note["summary"], "note", note["title"])


def anchors_from_bullet(text: str) -> list[dict]:
    """``arXiv:2504.07912 (2025-04) — Echo Chamber thesis`` → anchor(s)."""
    ids = arxiv.find(text)
    if not ids:
        return []
    found = dates.find_dates(text)
    label_at = max([ids[-1].end] + [d.stop for d in found if d.pos >= ids[0].start and d.pos < ids[-1].end + 20])
    rest = text[label_at:]
    m = _LABEL_SEP.match(rest)
    label = rest[m.end() :].strip() or text[: ids[0].start].rstrip(_LEAD_SEP).strip() or None
    written = found[0].start if found else None
    first: dict = {}
    for i in ids:
        first.setdefault(i.id, i)  # a paper written twice (a link's text and its target) is one anchor
    ids = list(first.values())
    return [
        {"arxiv_id": i.id, "version": i.version, "date": written if len(ids) == 1 and written else i.date,
         "label": label}
        for i in ids
    ]
