"""A word processor's text export (Google Docs, Word): footnotes, comments, typographic quotes.

Exported to text, a document keeps its footnote markers (``[1]``) with the notes
listed at the end, and its comments as ``[a]`` markers with their text at the end.
A footnote that names papers is resolved into the sentence it marks: its arXiv
IDs join the citation parenthesis just before the marker, or make one. Comments
are dropped, markers and text. Only a text whose end holds such notes (each
marker also used above) is read this way. In such a text, or one whose lines open
with a word processor's bullet (``●``), curly quotes (the processor's, not the
author's) read as straight ones; the bullets themselves are read by the parser.
"""

from __future__ import annotations

import re

from .. import arxiv

_DEFINITION = re.compile(r"^[ \t]*+\[(\d{1,3}|[a-z]{1,2})\][ \t]*+(\S.*+)$")
_MARKER = re.compile(r"\[(\d{1,3}|[a-z]{1,2})\]")
_RULE = re.compile(r"^[ \t]*+_{5,}[ \t]*+$")
_GLYPHS = ("●", "\uf0b7", "\uf0a7")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})


def _notes(lines: list[str]) -> tuple[int, dict[str, str]]:
    """Where the closing block of footnotes and comments starts, and each marker's text."""
    notes: dict[str, str] = {}
    start = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        m = _DEFINITION.match(line) if "[" in line else None
        if m:
            notes.setdefault(m.group(1), m.group(2).strip())
            start = i
        elif not line.strip() or _RULE.match(line):
            if notes:
                start = i
        else:
            break
    return start, notes


def _resolve(line: str, notes: dict[str, str]) -> str:
    out: list[str] = []
    at = 0
    for m in _MARKER.finditer(line):
        key = m.group(1)
        if key not in notes:
            continue
        before = line[at : m.start()]
        ids = [] if key.isalpha() else arxiv.find(notes[key])
        refs = ", ".join(dict.fromkeys(f"arXiv:{i.versioned}" for i in ids))
        if refs:
            stripped = before.rstrip()
            dot = stripped.endswith(").")
            if stripped.endswith(")") or dot:
                close = len(stripped) - (2 if dot else 1)
                before = stripped[:close] + ", " + refs + stripped[close:]
            else:
                before = stripped + " (" + refs + ")" + before[len(stripped) :]
        out.append(before)
        at = m.end()
    out.append(line[at:])
    return "".join(out)


def _glyph_bullets(text: str) -> bool:
    """Whether lines open with the bullets word processors write (``●``, Word's Symbol-font ````)."""
    return any(g in text for g in _GLYPHS) and any(l.lstrip()[:1] in _GLYPHS for l in text.split("\n"))


def convert(text: str) -> str:
    glyphs = _glyph_bullets(text)
    if "[" not in text:
        return text.translate(_QUOTES) if glyphs else text
    lines = text.split("\n")
    start, notes = _notes(lines)
    body = lines[:start]
    used = {m.group(1) for line in body if "[" in line for m in _MARKER.finditer(line)} if notes else set()
    notes = {k: v for k, v in notes.items() if k in used}
    if not notes:
        return text.translate(_QUOTES) if glyphs else text
    while body and (not body[-1].strip() or _RULE.match(body[-1])):
        body.pop()
    body = [_resolve(line, notes) if "[" in line else line for line in body]
    return "\n".join(body).translate(_QUOTES)
