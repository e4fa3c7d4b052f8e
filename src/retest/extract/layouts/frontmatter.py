"""YAML front matter (note apps, web clippers): its ``title:`` may be the question.

The block is dropped whole, so the dates it holds (``published:``, ``created:``)
never become claim dates. Only ``key: value`` lines and their indented or
``- item`` continuations count as front matter; anything else is left alone.
"""

from __future__ import annotations

import re

_KEY = re.compile(r"^[A-Za-z_][\w -]{0,40}:(?:[ \t]|$)")
_MAX_LINES = 300


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
        if value and '\\"' in value:
            value = value.replace('\\"', '"')
        value = value.replace("''", "'")
    return value.strip()


def strip(text: str) -> tuple[str, str | None]:
    """``text`` without its front matter, and the front matter's title (or None)."""
    if not text.startswith("---\n"):
        return text, None
    lines = text.split("\n", _MAX_LINES + 2)
    title = None
    for i in range(1, min(len(lines), _MAX_LINES + 1)):
        line = lines[i]
        if line.rstrip() in ("---", "..."):
            rest = lines[i + 1 :]
            return "\n".join(rest), title
        if _KEY.match(line):
            key, _, value = line.partition(":")
            if key.strip().lower() == "title" and value.strip():
                title = _unquote(value) or None
        elif line.strip() and not line[0] in " \t-#":
            return text, None
    return text, None
