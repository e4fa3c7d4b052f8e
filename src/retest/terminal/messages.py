"""The lines retest says on stderr: one place that scrubs secrets and terminal controls from every message."""

from __future__ import annotations

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
