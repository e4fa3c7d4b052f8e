"""What a template sees, and how it is cut down to fit a token budget.

``Material`` is the trimmable part of the context: claims, anchors, notes
and body paragraphs, merged (and de-duplicated) across documents for corpus
templates. ``trim_steps`` removes the least important material first, in
this stated order:

1. note detail — note summaries cut to their first sentence;
2. claim detail — note-derived claims cut to their first sentence;
3. body paragraphs, last first;
4. undated claims, last first;
5. dated claims, oldest first;
6. anchor papers, oldest first.

What is left after every step is the bare prompt: role, headings, tasks and
closing instruction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import dates
from .filters import first_sentence
from .models import Anchor, Claim, Document, Note

# Figures worth re-testing: percentages and ranges, multipliers, "depth 16".
# Each attempt starts where a number starts, and possessive quantifiers never
# give digits back, so scanning is linear even over a line of digits.
_FIGURE = re.compile(
    r"(?<![\d.])(?:"
    r"~?\d++(?:\.\d++)?+(?:\s*+[–-]\s*+\d++(?:\.\d++)?+)?+\s?%"
    r"|\d++(?:\.\d++)?+(?:[–-]\d++(?:\.\d++)?+)?+×"
    r"|(?<!\w)\d++(?:\.\d++)?+[KMB]\b(?:[–-]\d++[KMB])?+"
    r")"
    r"|\bdepth \d++"
)


def _key(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass
class Material:
    docs: list[Document]
    claims: list[Claim]
    anchors: list[Anchor]
    notes: list[Note]
    body: list[str]
    shared_notes: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, docs: list[Document]) -> Material:
        """Everything in ``docs``, each claim, anchor and note once (first mention kept)."""
        note_key = lambda n: _key(n.title or n.summary)  # noqa: E731
        all_notes = [n for d in docs for n in d.notes]
        counts: dict[str, int] = {}
        for d in docs:
            for k in {note_key(n) for n in d.notes}:
                counts[k] = counts.get(k, 0) + 1
        notes = _unique(all_notes, note_key)
        return cls(
            docs=docs,
            claims=_unique([c for d in docs for c in d.claims], lambda c: _key(c.text)),
            anchors=_unique([a for d in docs for a in d.anchors], lambda a: a.arxiv_id),
            notes=notes,
            body=[p for d in docs for p in d.body],
            shared_notes=[n.title or n.summary for n in notes if counts[note_key(n)] > 1],
        )


def _unique(items: list, key) -> list:
    seen: dict = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


def figures(claims: list[Claim]) -> list[str]:
    """Distinctive numbers in the claims, in order, once each."""
    return list(dict.fromkeys(m.group(0).strip() for c in claims for m in _FIGURE.finditer(c.text)))


def trim_steps(m: Material) -> Iterator[str]:
    """Cut ``m`` one step at a time (least important first); yield what each step removed."""
    long_notes = [n for n in m.notes if first_sentence(n.summary) != n.summary]
    if long_notes:
        m.notes = [n.model_copy(update={"summary": first_sentence(n.summary)}) for n in m.notes]
        yield f"note detail: {len(long_notes)} note summaries cut to their first sentence"
    long_claims = [c for c in m.claims if c.origin == "note" and first_sentence(c.text) != c.text]
    if long_claims:
        m.claims = [
            c.model_copy(update={"text": first_sentence(c.text)}) if c.origin == "note" else c for c in m.claims
        ]
        yield f"claim detail: {len(long_claims)} note-derived claims cut to their first sentence"
    while m.body:
        m.body = m.body[:-1]
        yield f"body paragraph {len(m.body) + 1}"
    for claim in [c for c in reversed(m.claims) if c.date is None]:
        m.claims = [c for c in m.claims if c is not claim]
        yield f"undated claim “{_short(claim.text)}”"
    for claim in sorted((c for c in m.claims if c.date), key=lambda c: c.date):
        m.claims = [c for c in m.claims if c is not claim]
        yield f"claim ({claim.date}) “{_short(claim.text)}”"
    for anchor in sorted(m.anchors, key=lambda a: a.date or ""):
        m.anchors = [a for a in m.anchors if a is not anchor]
        yield f"anchor arXiv:{anchor.arxiv_id}"


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def context(m: Material, today: dt.date, variables: dict[str, str]) -> dict:
    """The names a template can use (documented in ``retest templates --help``)."""
    doc = m.docs[0]
    prompt = doc.prompt
    known = [x for c in m.claims for x in [c.date, *(ci.date for ci in c.citations)] if x]
    starts = [d.span.start for d in m.docs if d.span.start] + known
    ends = [d.span.end for d in m.docs if d.span.end] + known
    span_text = doc.span.text if len(m.docs) == 1 else None
    ctx = {
        "doc": doc,
        "docs": m.docs,
        "title": doc.title,
        "role": prompt.role if prompt else None,
        "topic": prompt.topic if prompt else None,
        "tasks": list(prompt.tasks) if prompt else [],
        "closing": prompt.closing if prompt else None,
        "claims": m.claims,
        "dated": [c for c in m.claims if c.date],
        "undated": [c for c in m.claims if not c.date],
        "anchors": m.anchors,
        "notes": m.notes,
        "body": m.body,
        "shared_notes": m.shared_notes,
        "span_text": span_text,
        "span_start": min(starts) if starts else None,
        "span_end": max(ends) if ends else None,
        "figures": figures(m.claims),
        "themes": [c.note_title for c in m.claims if c.note_title][:3],
        "today": today.isoformat(),
        "this_month": dates.month_name(dates.of(today)),
        "window": lambda months=6: dates.window(today, int(months)),
        "vars": dict(variables),
    }
    clash = sorted(set(variables) & set(ctx))
    if clash:
        from .errors import RetestError

        raise RetestError(f"--var {clash[0]}: that name is already given to templates; choose another")
    ctx.update(variables)
    return ctx
