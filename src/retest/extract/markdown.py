"""Markdown exports of inquiring lines → the plain layout the parser reads.

People save inquiring lines from note apps, "copy as Markdown" buttons and
LLMs that reformat them. The structure is the same; only the marks differ.
Whether a text is Markdown is decided from the text (headings, fences,
setext underlines, links, bold title lines, block quotes), never from the
file name. The conversion is line by line and linear:

- ATX (``#``…``######``) and setext (``===``/``---``) headings become plain
  lines, their emphasis removed; so do title lines in bold;
- fenced blocks (backticks or tildes, any language) and ``>`` quotes lose
  their marks, keeping what is inside;
- in the sources, notes written as list items (``- **Title?** summary``,
  ``1. Title? — summary``) become a title line and a summary line;
- links ``[text](url)`` keep their text, and their target when only the
  target names the paper; HTML residue (``<br>``, ``&nbsp;``, ``&amp;``) is
  decoded; horizontal rules vanish.

Emphasis inside claim text is kept as written, as in the plain layout.
"""

from __future__ import annotations

import html
import re

from . import arxiv, dates

_ATX = re.compile(r"^ {0,3}(#{1,6})(?=[ \t]|$)")
_SETEXT = re.compile(r"^ {0,3}(?:=++|-++)[ \t]*+$")
_RULE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*+){3,}|(?:-[ \t]*+){3,}|(?:_[ \t]*+){3,})$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_QUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)++")
_LINK = re.compile(r"(!?)\[([^\[\]\n]*+)\]\(\s*+<?([^()\s<>]*+(?:\([^()\s]*+\)[^()\s<>]*+)*+)>?(?:\s++\"[^\"\n]*+\")?\s*+\)")
_AUTOLINK = re.compile(r"<(https?://[^<>\s]++)>")
_BR = re.compile(r"<br\s*+/?>", re.I)
_TAG = re.compile(r"</?(?:p|div|span|em|strong|b|i|u|sup|sub|code|small|mark)\b[^<>]*+>", re.I)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_BOLD_LINE = re.compile(r"^(\*\*|__)(.+?)\1[:.]?$")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+•]|\d{1,3}[.)])[ \t]++(.*)$")
_BOLD_LEAD = re.compile(r"^(\*\*|__)(.+?)\1[ \t]*+[:—–-]?[ \t]*+(.*)$")
_QUESTION_SPLIT = re.compile(r"^(.{8,249}?\?)[ \t]*+(?:—|–|-|:)?[ \t]++(.+)$")
_SOURCES = re.compile(r"^sources\b", re.I)
_PROMPT_MARK = re.compile(r"^research prompt for your llm\b", re.I)
_EMPHASIS = str.maketrans("", "", "*_`")
# Emphasis touching a figure or an "arXiv": the only places a date or an ID can be wrapped in it.
_EMPHASIS_NEAR_FIGURE = re.compile(r"[*_](?=\d|arxiv|[a-z]{3,9}\.?[ \t]\d)|\d[*_]", re.I)


def _heading(line: str) -> str | None:
    """The text of an ATX heading line (``## Title ##`` → ``Title``), else None."""
    m = _ATX.match(line)
    if not m:
        return None
    rest = line[m.end():].strip()
    if rest.endswith("#"):
        body = rest.rstrip("#")
        if not body or body[-1] in " \t":
            rest = body.rstrip()
    return rest


# A line that may open with one of the marks below (searched in "\n" + text: a pattern that starts with
# a literal is searched far faster than one that starts with "^").
_MAYBE = re.compile(r"\n {0,3}(?:[#`~>]|=++[ \t]*+$|-++[ \t]*+$)", re.M)


def looks_like_markdown(text: str) -> bool:
    """Whether ``text`` carries Markdown's marks (the plain layout has none of these)."""
    # one-character tests first: far faster than a two-character one on text beyond Latin-1
    if not ("]" in text and "](" in text) and not ("*" in text and "**" in text) and not (
            "_" in text and "__" in text) and not _MAYBE.search("\n" + text):
        return False
    previous = ""
    for line in text.split("\n"):
        stripped = line.strip()
        if _heading(line) is not None:
            return True
        if _FENCE.match(line) or _QUOTE.match(line) or _BOLD_LINE.match(stripped):
            return True
        if previous.strip() and _SETEXT.match(line) and len(stripped) >= 3:
            return True
        if "](" in line and _LINK.search(line):
            return True
        previous = line
    return False


def _without_comments(line: str) -> str:
    """``a <!-- note --> b`` → ``a  b`` (found with ``str.find``: linear, however many openers)."""
    out, at = [], 0
    while True:
        start = line.find("<!--", at)
        if start == -1:
            break
        end = line.find("-->", start + 4)
        if end == -1:
            break
        out.append(line[at:start])
        at = end + 3
    out.append(line[at:])
    return "".join(out)


def _plain_title(text: str) -> str:
    """A heading or bold title without its emphasis marks."""
    return " ".join(text.translate(_EMPHASIS).split())


def _link(m: re.Match) -> str:
    if m.group(1):  # an image: its alt text at most
        return m.group(2)
    text, target = m.group(2).strip(), m.group(3)
    target_ids = arxiv.unique_ids(target)
    if target_ids and not (set(target_ids) & set(arxiv.unique_ids(text))):
        return f"{text} ({target})" if text else target
    return text or target


def _emphasis_off_citations(line: str) -> str:
    """``(**Feb 2024**, *arXiv:2402.13178*)`` → ``(Feb 2024, arXiv:2402.13178)``: emphasis around a date or ID."""
    spans = [(d.pos, d.stop) for d in dates.find_dates(line)] + [(i.start, i.end) for i in arxiv.find_all(line)]
    drop: set[int] = set()
    for start, stop in spans:
        before = after = 0
        while before < 3 and start - before > 0 and line[start - before - 1] in "*_":
            before += 1
        while after < 3 and stop + after < len(line) and line[stop + after] in "*_":
            after += 1
        n = min(before, after)
        drop.update(range(start - n, start))
        drop.update(range(stop, stop + n))
    return "".join(c for i, c in enumerate(line) if i not in drop) if drop else line


def inline(line: str) -> str:
    """Links, autolinks, HTML residue, backslash escapes and emphasis around citations of one line."""
    if "](" in line:
        line = _LINK.sub(_link, line)
    if "<" in line:
        line = _without_comments(line)
        line = _AUTOLINK.sub(r"\1", line)
        line = _BR.sub(" ", line)
        line = _TAG.sub("", line)
    if "&" in line:
        line = html.unescape(line).replace("\xa0", " ")
    if "\\" in line:
        line = _ESCAPE.sub(r"\1", line)
    if ("*" in line or "_" in line) and _EMPHASIS_NEAR_FIGURE.search(line):
        line = _emphasis_off_citations(line)
    return line


def _note_item(item: str) -> list[str]:
    """A note written as one list item → its title line and summary line (or just the summary)."""
    m = _BOLD_LEAD.match(item)
    if m and m.group(3):
        return [_plain_title(m.group(2)), m.group(3)]
    if m:
        return [_plain_title(m.group(2))]
    m = _QUESTION_SPLIT.match(item)
    if m and "?" not in m.group(1)[:-1]:
        return [_plain_title(m.group(1)), m.group(2)]
    return [item]


def to_plain(text: str) -> str:
    """The plain layout of a Markdown export (text already normalised to ``\\n`` line ends)."""
    lines = text.split("\n")
    out: list[str] = []
    fence: str | None = None
    section = "head"
    for i, raw in enumerate(lines):
        line = raw
        if fence is None:
            line = _QUOTE.sub("", line)
        m = _FENCE.match(line)
        if m and (fence is None or (m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)
                                    and not line.strip()[len(m.group(1)):].strip())):
            fence = m.group(1) if fence is None else None
            out.append("")
            continue
        if fence is not None:
            out.append(inline(line))
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        stripped = line.strip()
        if _SETEXT.match(nxt) and stripped and not _RULE.match(line) and not _LIST_ITEM.match(line):
            title = _plain_title(inline(stripped))  # a setext heading: its underline comes next
            out += ["", title]
            section = _section(title, section)
            continue
        if _SETEXT.match(line) and out and out[-1].strip():
            continue  # the underline itself
        if _RULE.match(line):
            out.append("")
            continue
        heading = _heading(line)
        if heading is not None:
            title = _plain_title(inline(heading))
            if title:
                out += ["", title, ""]
            section = _section(title, section)
            continue
        bold = _BOLD_LINE.match(stripped)
        if bold:
            title = _plain_title(inline(bold.group(2)))
            out += ["", title, ""]
            section = _section(title, section)
            continue
        line = inline(line)
        section = _section(line.strip(), section)
        item = _LIST_ITEM.match(line)
        if item and section == "sources":
            out += [""] + _note_item(item.group(1).strip()) + [""]
            continue
        out.append(line)
    return "\n".join(out)


def _section(line: str, section: str) -> str:
    if _SOURCES.match(line):
        return "sources"
    if _PROMPT_MARK.match(line):
        return "prompt"
    return section
