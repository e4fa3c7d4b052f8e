"""Text browsers (``lynx -dump``, ``w3m``): ``[n]`` link numbers and the References list.

A page saved this way marks each link with ``[n]`` and lists the URLs at the
bottom. Markers that point at a paper become ``arXiv:ID``; other markers are
dropped, as are the list itself and navigation lines made only of links.
"""

from __future__ import annotations

import re

from .. import arxiv

_REFERENCES = re.compile(r"^[ \t]*+(?:references|visible links:?|hidden links:?)[ \t]*+$", re.I)
_LIST_HEAD = re.compile(r"^[ \t]*+(?:references|visible links|hidden links)", re.I | re.M)
_ITEM = re.compile(r"^[ \t]*+(\d{1,5})\.[ \t]++(\S++)[ \t]*+$")
_MARKER = re.compile(r"\[(\d{1,5})\]([^\W_]*+)")
_WIDGET = re.compile(r"\[(?:INLINE|IMG|IMAGE|LINK|BUTTON|hidden)\]|\((?:BUTTON|submit)\)", re.I)
_GENERIC = frozenset("arxiv pdf abs paper link here html preprint source".split())
_CRUMB_SEPARATORS = "›»>/|·"


def _references(lines: list[str]) -> tuple[int, dict[str, str]] | None:
    at = next((i for i in range(len(lines) - 1, -1, -1) if _REFERENCES.match(lines[i])), None)
    if at is None:
        return None
    urls = {}
    for line in lines[at + 1 :]:
        m = _ITEM.match(line)
        if m:
            urls[m.group(1)] = m.group(2)
        elif line.strip() and not _REFERENCES.match(line):
            return None
    return (at, urls) if urls else None


def _is_breadcrumb(line: str) -> bool:
    if line.count("[") < 2:
        return False
    rest = _MARKER.sub(r"\2", line)
    if not any(c in rest for c in _CRUMB_SEPARATORS):
        return False
    parts = [p for p in re.split(r"[›»>/|·]", rest) if p.strip()]
    return bool(parts) and all(len(p.split()) <= 4 and not p.strip().endswith("?") for p in parts)


def convert(text: str) -> str:
    if "[" not in text or not _LIST_HEAD.search(text):
        return text
    lines = text.split("\n")
    found = _references(lines)
    if found is None:
        return text
    at, urls = found

    def marker(m: re.Match) -> str:
        url, word = urls.get(m.group(1), ""), m.group(2)
        ids = [i for i in arxiv.find(url) if i.valid]
        if not ids:
            return word
        if ids[0].id in arxiv.unique_ids(m.string[m.start(2) : m.end() + 40]):
            return word  # the link's text names the paper already: it is written once
        ref = f"arXiv:{ids[0].versioned}"
        if word.lower() in _GENERIC or not word:
            return ref
        return f"{ref} {word}"

    out = []
    for line in lines[:at]:
        if "[" in line:
            if _is_breadcrumb(line):
                continue
            line = _WIDGET.sub("", line)
            line = _MARKER.sub(marker, line)
        out.append(line)
    return "\n".join(out)
