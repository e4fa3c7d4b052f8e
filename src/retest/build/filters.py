"""Jinja filters that write claims, papers and dates in the house style.

The house style is that of the research prompts the library exports:
``• claim text (2025-04, arXiv:2504.07912).`` and
``• arXiv:2504.07912 (2025-04) — label``.
"""

from __future__ import annotations

import re

from ..extract import dates

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'“*])")


def arxiv_ref(item) -> str:
    """``arXiv:ID`` with the version when one was written."""
    version = getattr(item, "version", None)
    return f"arXiv:{item.arxiv_id}" + (f"v{version}" if version else "")


def citation_group(claim) -> str:
    """The parenthesis that dates a claim: papers with dates, a bare date, or 'undated'."""
    text = claim.text
    inline = claim.arxiv_ids and all(i in text for i in claim.arxiv_ids)
    if claim.citations and not inline:
        return "; ".join(f"{c.date}, {arxiv_ref(c)}" if c.date else arxiv_ref(c) for c in claim.citations)
    if claim.date and claim.date not in text:
        return claim.date
    if not claim.date and "undated" not in text.lower():
        return "undated"
    return ""


def claim_line(claim) -> str:
    """``text (2025-04, arXiv:2504.07912).`` — the text with its dating parenthesis."""
    group = citation_group(claim)
    text = claim.text.rstrip()
    if not group:
        return text
    return f"{text.rstrip('.')} ({group})."


def month(ym: str | None, style: str = "short") -> str:
    """``2024-09`` → ``Sept 2024`` (``style="long"``: ``September 2024``)."""
    if not ym:
        return "an unknown date"
    return dates.month_name(ym, short=style == "short")


def first_sentence(text: str) -> str:
    parts = _SENTENCE_END.split(text.strip(), maxsplit=1)
    return parts[0]


def quoted(text: str | None) -> str:
    """In curly quotes; a document without a question (one extracted from no known layout) is named plainly."""
    if not text:
        return "these findings"
    return f"“{text}”"


def paper_line(p) -> str:
    """A newer paper (``--related``) as the prompt lists it: ``2025-09-01, arXiv:2509.00001: “Title”``."""
    ident = f"arXiv:{p.arxiv_id}" if p.arxiv_id else f"doi:{p.doi}" if p.doi else "no ID"
    return f"{p.date or 'undated'}, {ident}: “{p.title}”" + (" — RETRACTED" if p.retracted else "")


FILTERS = {
    "paper_line": paper_line,
    "arxiv": arxiv_ref,
    "citation_group": citation_group,
    "claim_line": claim_line,
    "month": month,
    "first_sentence": first_sentence,
    "quoted": quoted,
}
