"""reStructuredText: section adornments, docinfo fields, directives, comments and links.

Over- and underlined titles become plain heading lines; the docinfo fields at the
top (``:Date:``, ``:Author:``) are page data and go, so their dates date nothing;
a directive keeps its title and its indented body; comments and link targets go;
```text <url>`_`` reads as its text, with the paper it points to when the text
does not name it; inline literals and roles keep their text. Only a text with
reStructuredText's own marks (directives, link syntax, docinfo, adornments that
Markdown has not) is read this way.
"""

from __future__ import annotations

import re

from .. import arxiv

_ADORNMENT = re.compile(r"^([=\-~^\"'`*+#:.])\1{2,}+[ \t]*+$")
_DIRECTIVE = re.compile(r"^\.\.[ \t]++([\w-]++)::(?:[ \t]++(.*+))?$")
_TARGET = re.compile(r"^\.\.[ \t]++_([^:\n]{1,200}):[ \t]*+(\S*+)[ \t]*+$")
_FIELD = re.compile(r"^:([\w ]{1,30}):(?:[ \t]++.*+)?$")
_LINK = re.compile(r"`([^`<\n]{0,300}?)[ \t]*+<([^<>`\n]{1,500})>`__?")
_REF = re.compile(r"`([^`\n]{1,300})`_(?!_)")
_ROLE = re.compile(r":[\w-]{1,30}:`([^`\n]{1,300})`")
_LITERAL = re.compile(r"``([^`\n]{1,300})``")
_GENERIC = frozenset("arxiv pdf abs paper link here html preprint".split())
_MARKDOWN_RULES = frozenset("=-")


def is_rst(text: str) -> bool:
    lines = text.split("\n", 400)[:400]
    for i, line in enumerate(lines):
        if line.startswith(".. ") and (_DIRECTIVE.match(line) or _TARGET.match(line)):
            return True
        if "`_" in line and (_LINK.search(line) or _REF.search(line)):
            return True
        m = _ADORNMENT.match(line) if line[:1] in "=-~^\"'`*+#:." else None
        if m and m.group(1) not in _MARKDOWN_RULES and i and lines[i - 1].strip() and (
                len(line.rstrip()) >= len(lines[i - 1].rstrip()) and not lines[i - 1].lstrip().startswith(("```", "~~~"))):
            return True  # an underline as long as its title, in a character Markdown does not underline with
    return False


def _link(text: str, target: str) -> str:
    ids = arxiv.find(target)
    if not ids or ids[0].id in arxiv.unique_ids(text):
        return text or target
    ref = f"arXiv:{ids[0].versioned}"
    return ref if not text.strip() or text.lower().strip(".: ") in _GENERIC else f"{text} ({ref})"


def _inline(line: str, targets: dict[str, str]) -> str:
    if "`" in line:
        line = _LINK.sub(lambda m: _link(m.group(1).strip(), m.group(2).strip()), line)
        line = _ROLE.sub(r"\1", line)
        line = _LITERAL.sub(r"\1", line)
        line = _REF.sub(lambda m: _link(m.group(1), targets.get(m.group(1).lower(), "")), line)
    if "**" in line:
        line = line.replace("**", "")
    return line


def convert(text: str) -> str:
    """The plain layout of a reStructuredText document."""
    if not is_rst(text):
        return text
    lines = text.split("\n")
    targets = {}
    for line in lines:
        m = _TARGET.match(line) if line.startswith(".. _") else None
        if m:
            targets[m.group(1).strip().lower()] = m.group(2)
    out: list[str] = []
    number = 0  # of an auto-enumerated list (``#.``)
    at_top = True
    skip_indented = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if skip_indented:
            if not stripped or line[:1] in " \t":
                continue
            skip_indented = False
        if not stripped:
            out.append("")
            continue
        if at_top and _FIELD.match(line):
            continue  # docinfo
        at_top = at_top and bool(_ADORNMENT.match(line) or stripped == (out[-1].strip() if out else None)
                                 or (i + 1 < len(lines) and _ADORNMENT.match(lines[i + 1])))
        if _ADORNMENT.match(line) and line[:1] == stripped[:1]:
            out.append("")
            continue
        if line.startswith(".."):
            m = _DIRECTIVE.match(line)
            if m:
                title = (m.group(2) or "").strip()
                if title and m.group(1) not in ("image", "figure", "include", "raw", "meta", "contents"):
                    out += ["", _inline(title, targets)]
                elif m.group(1) in ("image", "figure", "include", "raw", "meta", "contents"):
                    skip_indented = True
                continue
            skip_indented = True  # a comment or a link target, with any indented lines under it
            continue
        if stripped.startswith("#. "):
            number += 1
            stripped = f"{number}. {stripped[3:]}"
        else:
            number = 0 if not stripped[:1].isdigit() else number
        out.append(_inline(stripped, targets))
    return "\n".join(out)
