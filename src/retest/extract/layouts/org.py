"""Org-mode (Emacs): ``#+TITLE:`` and other keywords, ``*`` headlines, blocks, drawers, links.

The title keyword may be the question; other keywords, property drawers and
planning lines (``SCHEDULED:``, ``CLOSED:``) are page data and are dropped so
their dates date nothing. A headline becomes a plain line (its stars, TODO
keyword, priority and tags off); a headline under a TODO keyword is an item
(a task). ``#+begin_…``/``#+end_…`` lines go, their contents stay; links read as
their description, with the paper a link points to when the description does
not name it. Only a text with Org's keywords is read this way.
"""

from __future__ import annotations

import re

from .. import arxiv

_KEYWORD = re.compile(r"^[ \t]*+#\+([a-z_]++)(?:\[[^\]\n]*+\])?:[ \t]*+(.*+)$", re.I)
_BLOCK = re.compile(r"^[ \t]*+#\+(?:begin|end)_\w++", re.I)
_HEADLINE = re.compile(r"^(\*++)[ \t]++(?:(TODO|DONE|NEXT|WAITING|HOLD|CANCELLED|CANCELED)[ \t]++)?"
                       r"(?:\[#[A-Z0-9]\][ \t]++)?(.*+)$")
_PLANNING = re.compile(r"^[ \t]*+(?:(?:SCHEDULED|DEADLINE|CLOSED):[ \t]*+[<\[][^\n]*+)$")
_DRAWER = re.compile(r"^[ \t]*+:([A-Za-z_-]++):[ \t]*+$")
_CHECKBOX = re.compile(r"^([ \t]*+(?:[-+]|\d{1,3}[.)])[ \t]++)\[[ Xx-]\][ \t]++")
_LINK = re.compile(r"\[\[([^\[\]\n]{1,500})\](?:\[([^\[\]\n]{0,500})\])?\]")
_VERBATIM = re.compile(r"(?<!\w)([=~])([^\s=~][^=~\n]{0,200}?)\1(?!\w)")
_GENERIC = frozenset("arxiv pdf abs paper link here html preprint".split())


def is_org(text: str) -> bool:
    """Org's marks: a ``#+KEYWORD:`` line, or a ``#+begin_`` block with ``*`` headlines."""
    head = text[:3000]
    return any(_KEYWORD.match(l) for l in head.split("\n", 40)[:40]) or (
        "\n#+begin_" in text.lower() and text.startswith("* ") or "\n* " in text and "\n#+begin_" in text.lower())


def _link(m: re.Match) -> str:
    target, text = m.group(1).strip(), (m.group(2) or "").strip()
    ids = arxiv.find(target)
    if not text:
        return f"arXiv:{ids[0].versioned}" if ids else target
    if ids and ids[0].id not in arxiv.unique_ids(text):
        ref = f"arXiv:{ids[0].versioned}"
        return ref if text.lower().strip(".:") in _GENERIC else f"{text} ({ref})"
    return text


def convert(text: str) -> tuple[str, str | None]:
    """The plain layout of an Org file, and its ``#+TITLE``."""
    if "#+" not in text and "\n* " not in text:
        return text, None
    if not is_org(text):
        return text, None
    title = None
    out: list[str] = []
    drawer = False
    lines = text.split("\n")
    last_end = max((i for i, l in enumerate(lines) if l.strip().upper() == ":END:"), default=-1)
    for i, line in enumerate(lines):
        if drawer:
            drawer = line.strip().upper() != ":END:"
            continue
        m = _KEYWORD.match(line)
        if m:
            if m.group(1).lower() == "title" and m.group(2).strip():
                title = title or m.group(2).strip()
            continue
        if _BLOCK.match(line) or _PLANNING.match(line) or line.startswith("# ") or line.rstrip() == "#":
            continue
        if i < last_end and _DRAWER.match(line) and line.strip().upper() != ":END:":  # a drawer, where one ends
            drawer = True
            continue
        h = _HEADLINE.match(line) if line[:1] == "*" else None
        if h and h.group(3):
            words = h.group(3).strip()
            last = words.rsplit(None, 1)
            if len(last) == 2 and last[1][:1] == last[1][-1:] == ":" and len(last[1]) > 2:
                words = last[0]  # the headline's :tags:
            out += ["", f"• {words}" if h.group(2) else words, ""]
            continue
        if "[[" in line:
            line = _LINK.sub(_link, line)
        if "[" in line:
            line = _CHECKBOX.sub(r"\1", line)
        if "=" in line or "~" in line:
            line = _VERBATIM.sub(r"\2", line)
        out.append(line)
    return "\n".join(out), title
