"""Text from documents and replies, made safe and short for a terminal.

Document and reply text is data: on a terminal, its control characters (an
escape sequence can retitle the window, clear the screen or hide text) and
bidirectional overrides are shown as visible symbols instead of being obeyed.
Output to a file or pipe keeps the data exact.
"""

from __future__ import annotations

import os
import re
import sys

# C0 controls but tab and newline, DEL, C1 controls, and the bidi controls.
_CONTROL = {c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A)}
_CONTROL[0x7F] = 0x2421
_CONTROL.update({c: 0xFFFD for c in range(0x80, 0xA0)})
_CONTROL.update({c: 0xFFFD for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)})
_ONE_LINE = {**_CONTROL, 0x09: " ", 0x0A: " "}
# in JSON text these can only stand inside strings, where \uXXXX means the same character
_JSON = {c: f"\\u{c:04x}" for c in _CONTROL if c >= 0x7F}
# str.translate looks every character up in a dict: a scan in C first, so that clean text (nearly all) costs
# next to nothing
_ANY_CONTROL = re.compile("[" + "".join(f"\\u{c:04x}" for c in _CONTROL) + "]")
_ANY_JSON = re.compile("[" + "".join(f"\\u{c:04x}" for c in _JSON) + "]")
_BIDI_UTF8 = re.compile(rb"\xe2(?:\x80[\x8e\x8f\xaa-\xae]|\x81[\xa6-\xa9])")  # U+200E/F, U+202A-E, U+2066-9


def neutral(text: str, *, one_line: bool = False, markup: bool = False) -> str:
    """``text`` with terminal controls replaced by visible symbols (``␛`` for ESC).

    ``markup``: also escape rich's ``[style]`` markup, for text a rich widget renders.
    """
    if _ANY_CONTROL.search(text) or (one_line and ("\t" in text or "\n" in text)):
        text = text.translate(_ONE_LINE if one_line else _CONTROL)
    if markup:
        from rich.markup import escape

        text = escape(text)
    return text


def safe_json(text: str) -> str:
    """JSON text with DEL, C1 and bidi controls written as ``\\uXXXX``: the same data, inert on any terminal."""
    return text.translate(_JSON) if _ANY_JSON.search(text) else text


def safe_json_utf8(text: str, errors: str = "strict") -> bytes:
    """``safe_json(text)`` encoded as UTF-8, the check made on the bytes it is written as anyway.

    Byte scans are much faster than a character class over the text: DEL, the C1 controls (0xC2 0x80-0x9F) and
    U+061C (0xD8 0x9C) each need a byte that is rare in prose; the other bidi controls (0xE2 0x80/0x81 …) are
    found by one pattern anchored on the literal 0xE2. Any of them seen: the exact rewrite of ``safe_json``.
    """
    data = text.encode("utf-8", errors)
    if b"\x7f" in data or b"\xc2" in data or b"\xd8" in data or _BIDI_UTF8.search(data):
        return safe_json(text).encode("utf-8", errors)
    return data


def for_stream(text: str, stream=None) -> str:
    """Neutralised when ``stream`` (default stdout) is a terminal; exact otherwise."""
    stream = stream if stream is not None else sys.stdout
    try:
        tty = stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):
        tty = False
    return neutral(text) if tty else text


def shorten_middle(text: str, width: int) -> str:
    """``a/very/long/path.txt`` → ``a/ver…th.txt``: both ends stay readable."""
    if width <= 1 or len(text) <= width:
        return text[:max(width, 0)] if width <= 1 else text
    keep = width - 1
    head = keep // 2
    return text[:head] + "…" + text[len(text) - (keep - head):]


def relative(path: str) -> str:
    """A path relative to the current folder when it lies under it."""
    if not path or path.startswith("<"):
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path


def terminal_width(default: int = 80) -> int:
    """``COLUMNS`` if set, else the terminal's width, else ``default``."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
        if columns > 0:
            return columns
    except ValueError:
        pass
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return default


def first_line(text: str | None, width: int) -> str:
    """The first non-heading line of ``text``, one line, at most ``width`` characters."""
    if not text:
        return ""
    lines = [l.strip() for l in text.strip().splitlines() if l.strip()]
    body = [l for l in lines if not l.startswith("#")] or lines
    line = neutral(" ".join(body[0].split()) if body else "", one_line=True)
    return line if len(line) <= width else line[: max(width - 1, 0)].rstrip() + "…"
