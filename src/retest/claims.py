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

_TRAILING_GROUP = re.compile(r"\s*\(([^()]*)\)\s*\.?\s*$")
# What may remain of a citation group once its dates and IDs are removed.
_GROUP_RESIDUE = re.compile(r"^(?:[\s,;:&/]|and|see|arxiv|https?|www|org|abs|pdf|e\.g\.)*$", re.I)
_LABEL_SEP = re.compile(r"^[\s)\]]*(?:\([^()]*\))?\s*(?:—|–|-|:)?\s*")
_LEAD_SEP = re.compile(r"[\s(\[—–:-]+$")


def _pair(segment: str, offset: int, ids: list[arxiv.ArxivId], found: list[dates.Found]) -> list[dict]:
    """Give each ID in ``segment`` the nearest written date before it (else any in the segment)."""
    seg_ids = [i for i in ids if offset <= i.start < offset + len(segment)]
    seg_dates = [d for d in found if offset <= d.pos < offset + len(segment)]
    out = []
    for ident in seg_ids:
        before = [d for d in seg_dates if d.pos < ident.start]
        written = (before[-1] if before else seg_dates[0]) if seg_dates else None
        out.append({
            "arxiv_id": ident.id,
            "version": ident.version,
            "date": written.start if written else ident.date,
            "date_source": "written" if written else "arxiv",
        })
    return out


def citations(text: str) -> tuple[list[dict], list[str]]:
    """The (paper, date) pairs in ``text`` and every written date, in order."""
    ids = arxiv.find(text)
    found = dates.find_dates(text)
    cites: list[dict] = []
    offset = 0
    for segment in text.split(";"):
        cites += _pair(segment, offset, ids, found)
        offset += len(segment) + 1
    unique: dict[str, dict] = {}
    for c in cites:
        unique.setdefault(c["arxiv_id"], c)
    return list(unique.values()), [d.start for d in found]


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


def claim_from_bullet(text: str) -> dict:
    """A research-prompt bullet → claim, with its trailing citation group lifted off."""
    cites, written = citations(text)
    body = text
    m = _TRAILING_GROUP.search(text)
    if m and (cites or written):
        residue = m.group(1)
        for ident in reversed(arxiv.find_all(residue)):
            residue = residue[: ident.start] + residue[ident.end :]
        residue = dates.DATE.sub("", residue)
        if _GROUP_RESIDUE.match(residue):
            body = text[: m.start()].rstrip()
    return _claim(body, cites, written, "prompt", None)


def claim_from_note(note: dict) -> dict:
    """A note → claim: its summary, with any papers and dates the summary names."""
    cites, written = citations(note["summary"])
    return _claim(note["summary"], cites, written, "note", note["title"])


def anchors_from_bullet(text: str) -> list[dict]:
    """``arXiv:2504.07912 (2025-04) — Echo Chamber thesis`` → anchor(s)."""
    ids = arxiv.find(text)
    if not ids:
        return []
    found = dates.find_dates(text)
    label_at = max([ids[-1].end] + [d.stop for d in found if d.pos >= ids[0].start and d.pos < ids[-1].end + 20])
    rest = text[label_at:]
    m = _LABEL_SEP.match(rest)
    label = rest[m.end() :].strip() or _LEAD_SEP.sub("", text[: ids[0].start]).strip() or None
    written = found[0].start if found else None
    return [
        {"arxiv_id": i.id, "version": i.version, "date": written if len(ids) == 1 and written else i.date,
         "label": label}
        for i in ids
    ]
