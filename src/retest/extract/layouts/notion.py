"""Notion's Markdown export: page properties under the title, ``<aside>`` callouts.

Properties (``Created: June 5, 2023 2:14 PM``, ``Tags: …``) are page data, not
findings: they are dropped so their dates never date a claim. An ``<aside>``
keeps its text, without the tags and the icon in front.
"""

from __future__ import annotations

import re

_PROPERTY = re.compile(r"^([A-Z][\w.()/-]*+(?: [\w.()/-]++){0,2}):[ \t]++\S")
_KNOWN_WORDS = frozenset("""created time by last edited tags status url type date author source category published
    updated owner assignee area project related rating""".split())


def _is_property(line: str, run: int) -> bool:
    m = _PROPERTY.match(line)
    if not m:
        return False
    key = m.group(1).lower()
    return all(w in _KNOWN_WORDS for w in key.split()) or (run > 0 and len(key) <= 20 and " " not in key)


def _without_properties(lines: list[str]) -> list[str]:
    first = next((i for i, l in enumerate(lines) if l.strip()), None)
    if first is None or not lines[first].startswith("# "):
        return lines
    i = first + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    start, run = i, 0
    while i < len(lines) and _is_property(lines[i], run):
        i, run = i + 1, run + 1
    if run and (i == len(lines) or not lines[i].strip()):
        return lines[:start] + lines[i:]
    return lines


def _icon_off(line: str) -> str:
    stripped = line.lstrip()
    k = 0
    while k < len(stripped) and not stripped[k].isalnum() and not stripped[k].isspace() and ord(stripped[k]) > 0x2000:
        k += 1
    return stripped[k:].lstrip() if k else line


def convert(text: str) -> str:
    if not text.lstrip()[:2] == "# " and ("<" not in text or "<aside" not in text):
        return text
    lines = _without_properties(text.split("\n"))
    if "<aside" in text:
        out: list[str] = []
        fresh = False
        for line in lines:
            low = line.strip().lower()
            if low.startswith("<aside"):
                rest = line.strip()[line.strip().find(">") + 1 :] if ">" in line else ""
                out.append("")
                fresh = True
                if rest.strip():
                    out.append(_icon_off(rest))
                    fresh = False
                continue
            if low == "</aside>":
                out.append("")
                continue
            if fresh and line.strip():
                line, fresh = _icon_off(line), False
            out.append(line)
        lines = out
    return "\n".join(lines)
