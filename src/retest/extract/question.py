"""The question of a document: never a header line, timestamp, breadcrumb or sender.

The line after ``INQUIRING LINE`` when there is one, else the front matter's
title when it is a question, else the first question-shaped line before the
framing, else the front matter's title, else the first line that is not page
residue.
"""

from __future__ import annotations

import re

_OPENING = re.compile(r"^this (?:reads|explores|asks|looks|takes|interprets|treats|examines)\b", re.I)
_FRAMING = re.compile(r"^this (?:reads|interprets|takes) the question\b", re.I)


def is_question(line: str) -> bool:
    line = line.rstrip("*_\"'”»")
    return len(line) < 300 and (line.endswith("?") or line.startswith("¿"))


_JUNK = re.compile(r"\d{1,2}:\d\d|^[\w-]{1,30}:[ \t]|[›»]| > |^(?:https?://|www\.)\S*+$|\[\d{1,5}\]", re.I)


def question(head: list[str], front_title: str | None, has_header: bool) -> tuple[str | None, list[str]]:
    """The question and what follows it: never a header, timestamp, breadcrumb or sender line."""
    if has_header and head and not _OPENING.match(head[0]) and len(head[0]) < 300:
        return head[0], head[1:]
    if front_title and head and head[0].strip("*_# ").casefold() == front_title.casefold():
        head = head[1:]
    if front_title and is_question(front_title):
        return front_title, head
    stop = next((i for i, l in enumerate(head) if _OPENING.match(l) or _FRAMING.match(l)), len(head))
    for i in range(min(stop, 8)):
        if is_question(head[i]):
            return head[i], head[i + 1 :]
    if front_title:
        return front_title, head
    if head and not _OPENING.match(head[0]) and len(head[0]) < 300 and not _JUNK.search(head[0]):
        return head[0], head[1:]
    return None, [l for l in head[:stop] if not _JUNK.search(l)] + head[stop:]
