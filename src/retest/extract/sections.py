"""Sections read when the usual shape is missing or written otherwise.

A "Sources" list that is only paper links (a chat model's rewrite) gives the
anchors; a document whose sections are in words retest does not read still gives
its dated, cited lines as claims; ``Findings span …`` is read past abbreviated
months; a line ending in an emoji is a sign-off, not a cut.
"""

from __future__ import annotations

import re

from . import claims as _claims
from .layouts import decoration, headings

_FOREIGN_SOURCES = re.compile(r"^[^\W\d_]{3,20}+[ \t]++\(?\d{1,4}+[ \t]++[^\W\d_]{3,12}+\)?$")
_SPAN_LINE = re.compile(r"findings span\s++", re.I)
_IDENTIFIED = "a curated library identified"
_LIST_ITEM_MAX = 200


def link_list(lines: list[str], bullet: re.Pattern) -> list[dict] | None:
    """The anchors of a section that is only short lines each naming papers (no sentence among them), else None."""
    if not lines or len(lines) > 50:
        return None
    found: list[dict] = []
    for line in lines:
        if len(line) > _LIST_ITEM_MAX or line[-1] in ".?!" or not _claims.arxiv.find(line):
            return None
        m = bullet.match(line)
        found += _claims.anchors_from_bullet(line[m.end() :] if m else line)
    return found


def dated_claims(lines: list[str], bullet_mark: re.Pattern) -> list[dict]:
    """The lines that are claims on their own: a written date and an arXiv ID."""
    claims = []
    for line in lines:
        bullet = bullet_mark.match(line)
        text = line[bullet.end() :] if bullet else line
        if "arxiv" not in text.lower() and "." not in text:
            continue
        claim = _claims.claim_from_bullet(text)
        if claim["arxiv_ids"] and any(c["date_source"] == "written" for c in claim["citations"]):
            claims.append(claim)
    return claims


def foreign_heading(lines: list[str]) -> list[str]:
    heading = next((l for l in lines if _FOREIGN_SOURCES.match(l)), None)
    if not heading:
        return []
    return [f"'{heading}' looks like a 'Sources N notes' heading in a language retest does not read "
            f"(it reads {_known_languages()})"]  # the layout's shape, in words no table holds


def _known_languages() -> str:
    names = list(headings.NAMES.values())
    return ", ".join(names[:-1]) + " and " + names[-1]


def span_text(line: str) -> str | None:
    """What ``Findings span …`` says, up to "A curated library identified" (abbreviated months keep their dots)."""
    m = _SPAN_LINE.search(line)
    if not m:
        return None
    rest = line[m.end() :]
    cut = rest.lower().find(_IDENTIFIED)
    rest = rest[:cut] if cut != -1 else rest
    return rest.strip().rstrip(".").strip() or None


def signed_off(line: str) -> bool:
    """A line that ends in an emoji or emoticon (a sign-off) was not cut."""
    end = line.rstrip()[-1]
    return decoration.is_symbol(end) or line.rstrip().endswith((":)", ":-)", ";)", ":D"))


