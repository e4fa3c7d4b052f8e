"""The lines retest says on stderr: one place that scrubs secrets and terminal controls from every message."""

from __future__ import annotations

import re
import sys

import click


def message(text: str) -> str:
    """A message as it may leave the process: no secrets, no terminal controls."""
    from ..util.display import neutral
    from ..util.redact import scrub

    return neutral(scrub(str(text)), one_line=True)


def say(line: str) -> None:
    """One message on stderr: one line to a pipe or file, wrapped at word boundaries on a terminal."""
    from .screen import wrapped

    click.echo(wrapped(line, sys.stderr), err=True)


def fail(text: str, code: int = 2) -> None:
    """One line on stderr, then exit."""
    say(f"retest: error: {message(text)}")
    sys.exit(code)


def error_line(exc: Exception) -> None:
    """An error that stops one input, not the command."""
    say(f"retest: error: {message(exc)}")


def warn(text: str) -> None:
    say(f"retest: {message(text)}")


_CODE = re.compile(r"\((\d{3})[:)]")
# (what the stored error says, the short phrase; "{code}" is its HTTP status): first match wins
_MEANINGS = (
    ("is not set", "key missing"), ("was rejected by", "key rejected ({code})"),
    ("may not use --model", "not allowed ({code})"), ("no quota left", "no quota ({code})"),
    ("not found at", "not found ({code})"), ("refused the form of the request", "refused ({code})"),
    ("rejected the request", "refused ({code})"), ("rate-limited", "rate limited ({code})"),
    ("did not finish the reply in time", "timed out"), ("cannot reach", "unreachable"),
    ("refuses connections now", "server went away"), ("broke", "connection broke"),
    ("redirects", "redirected ({code})"), ("was incomplete", "incomplete reply"),
    ("interrupted", "interrupted"), ("cancelled", "cancelled"),
)


def meaning(error: str, words: int = 5) -> str:
    """A stored error as a short phrase of what it means ("key missing", "timed out", "refused (400)"), for
    tables too narrow for the whole message; an error of no known kind gives its first few words."""
    text = message(error or "")
    low = text.lower()
    found = _CODE.search(text)
    for needle, phrase in _MEANINGS:
        if needle in low:
            code = found.group(1) if found else None
            return phrase.replace(" ({code})", f" ({code})" if code else "")
    if found and found.group(1).startswith("5"):
        return f"server error ({found.group(1)})"
    return " ".join(text.split()[:words])
