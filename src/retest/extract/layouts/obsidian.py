"""Obsidian: callouts (``> [!note]- Title``) and wikilinks (``[[Page]]``, ``[[Page|alias]]``).

A callout's title line becomes a plain quoted line (the Markdown stage then
drops the quote marks); a wikilink becomes its target when that is a note
title (a question), else the text shown.
"""

from __future__ import annotations

import re

_CALLOUT = re.compile(r"^((?:[ \t]*+>[ \t]?)++)\[![^\]\n]{1,40}\][+-]?[ \t]*+")
_WIKILINK = re.compile(r"!?\[\[([^\[\]|\n]{1,300})(?:\|([^\[\]\n]{0,300}))?\]\]")


def _wikilink(m: re.Match) -> str:
    target, alias = m.group(1).strip(), (m.group(2) or "").strip()
    page, _, heading = target.partition("#")
    if page.endswith("?") or not alias:
        return page.strip() or heading.strip()
    return alias


def convert(text: str) -> str:
    if "[" not in text:
        return text
    if "[!" in text:
        text = "\n".join(_CALLOUT.sub(r"\1", line) if "[!" in line else line for line in text.split("\n"))
    if "[[" in text:
        text = _WIKILINK.sub(_wikilink, text)
    return text
