"""A chat paste (Slack, Discord, Teams): message furniture off, the document's messages joined.

Copied from a channel, a document comes with the names and times between
messages (``Dana Ruiz  9:18 AM``, a bare ``9:18``, ``Dana — Today at 9:18 AM``,
``[9:18 AM] Dana Ruiz``), ``(edited)`` marks, reactions, day dividers, link
previews, and the talk around it. The document is the run of messages by the
person who posted it, from the message where its layout starts; their own short
remarks around it (a line or two, no section word, date, paper or task in them)
and other people's messages are talk about the document, not part of it. Only a
text with at least two message headers is read this way.
"""

from __future__ import annotations

import re

from .. import arxiv, dates
from . import headings

_TIME = r"\d{1,2}:\d\d(?::\d\d)?(?:[ \t]*+[AaPp]\.?[Mm]\.?)?"
_DAY = r"(?:(?:today|yesterday)[ \t]++at[ \t]++|\d{1,2}/\d{1,2}(?:/\d{2,4})?,?[ \t]++)"
_NAMED = re.compile(rf"^([^\W\d_][\w .'’()/@-]{{0,40}}?)[ \t]*+(?:[—–,-][ \t]*+)?{_DAY}?{_TIME}$", re.I)
_BRACKET = re.compile(rf"^\[(?:\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?,?[ \t]++)?{_TIME}\][ \t]*+([^\W\d_][^\n]{{0,40}})$")
_BARE = re.compile(rf"^{_TIME}$")
_REACTION = re.compile(r"^(?::[\w+-]{1,40}:|[^\w\s]{1,4})[ \t]*+\d{1,4}$")
_DIVIDER = re.compile(r"^(?:today|yesterday|new|new messages|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
                      r"(?:,[ \t]++[a-z]++[ \t]++\d{1,2}(?:st|nd|rd|th)?)?|\d{1,4} repl(?:y|ies)(?:[ \t]++.*+)?|"
                      r"last reply .*+|view thread|replied to a thread:.*+|.{1,40} joined #[\w-]++\.?|"
                      r"[a-z]++ \d{1,2}(?:st|nd|rd|th)?(?:, \d{4})?)$", re.I)
_UNFURL_SITES = frozenset("arxiv.org arxiv github youtube google docs notion hugging face huggingface.co semantic "
                          "scholar openreview.net openreview medium wikipedia".split(" ")) | {
    "google docs", "hugging face", "semantic scholar"}
_EDITED = " (edited)"
_TASK = re.compile(r"^\(?\d{1,2}[.)][ \t]")
_MARKS = ("inquiring line", "sources", "research prompt for your llm", "this reads the question", "this explores",
          "what a curated library found", "findings span", "a curated library identified", "anchor papers", "your task")
_MAX_HEADER = 80


def _header(line: str) -> tuple[str | None, bool] | None:
    """``(author, named)`` when ``line`` is a message header (author None for a bare time), else None."""
    s = line.strip()
    if not s or len(s) > _MAX_HEADER or ":" not in s:
        return None
    if _BARE.match(s):
        return None, False
    m = _BRACKET.match(s) if s[0] == "[" else _NAMED.match(s)
    if m:
        name = m.group(1).strip(" —–-,")
        return (name, True) if name else None
    return None


def is_chat(text: str) -> bool:
    if ":" not in text:
        return False
    named = bare = 0
    for line in text.split("\n"):
        h = _header(line) if len(line) <= _MAX_HEADER else None
        if h is not None:
            named += h[1]
            bare += not h[1]
        elif _BARE.match(line.strip()):
            bare += 1
        if named >= 2 or (named and bare):
            return True
    return False


def _has_mark(line: str) -> bool:
    english = headings.translate(line)[0].strip().lower()
    return english.startswith(_MARKS)


def _substance(lines: list[str]) -> bool:
    """Whether a message holds some of the document: a section word, a date, a paper, a task, or length."""
    text = [l for l in lines if l.strip()]
    if len(text) > 2 or sum(map(len, text)) > 200:
        return True  # a remark is short; a part of the document pasted alone need not be
    for line in lines:
        if _has_mark(line) or _TASK.match(line.strip()) or arxiv.find(line) or dates.find_dates(line):
            return True
        if line.strip().lower().startswith("cite arxiv"):
            return True
    return False


def _messages(lines: list[str]) -> list[tuple[str | None, list[str]]]:
    messages: list[tuple[str | None, list[str]]] = [(None, [])]
    author = None
    unfurl = 0
    for line in lines:
        s = line.strip()
        h = _header(line)
        if h is not None or _BARE.match(s):
            author = h[0] if h is not None and h[1] else author
            messages.append((author, []))
            unfurl = 0
            continue
        if not s:
            unfurl = 0
            messages[-1][1].append("")
            continue
        if unfurl:
            unfurl -= 1
            continue
        if s.lower() in _UNFURL_SITES:
            unfurl = 2  # a link preview: the site, then the page's title and its description
            continue
        if _REACTION.match(s) or _DIVIDER.match(s):
            continue
        if s.endswith(_EDITED):
            line = line.rstrip()[: -len(_EDITED)]
        messages[-1][1].append(line)
    return messages


def convert(text: str) -> str:
    if not is_chat(text):
        return text
    messages = _messages(text.split("\n"))
    start = next((k for k, (_, lines) in enumerate(messages) if any(_has_mark(l) for l in lines)), None)
    if start is None:
        return "\n".join(l for _, lines in messages for l in lines)
    author = messages[start][0]
    first = messages[start][1]
    header = next((i for i, l in enumerate(first) if headings.translate(l)[0].strip().lower() == "inquiring line"), None)
    if header is not None:
        first = first[header:]
    else:
        first = [l for l in first if not l.rstrip().endswith(":") or _has_mark(l) or "?" in l]
    out = list(first)
    for who, lines in messages[start + 1 :]:
        if who == author and _substance(lines):
            out.append("")
            out += _remark_off(lines)
    return "\n".join(out)


def _remark_off(lines: list[str]) -> list[str]:
    """A message without a short remark in front of the section it continues with (``yes``, ``part 2:``)."""
    mark = next((i for i, l in enumerate(lines) if _has_mark(l)), None)
    if not mark:
        return lines
    lead = [l for l in lines[:mark] if l.strip()]
    if len(lead) <= 2 and all(len(l) < 60 and not l.rstrip().endswith("?") for l in lead) and not _substance(lead):
        return lines[mark:]
    return lines
