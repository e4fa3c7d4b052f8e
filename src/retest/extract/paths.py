"""Paths → Documents, streamed: the library behind ``retest extract``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import InputError, NotAnInquiringLine, Skipped
from .inputs import MAX_BYTES, iter_inputs, read_path
from .parser import parse, parse_raw


def extract_paths(paths: Iterable[str], max_bytes: int = MAX_BYTES, raw: bool = False, stdin=None) -> Iterator:
    """One Document per readable inquiring line, or the InputError that stopped it.

    With ``raw=True`` documents come as plain dicts of the same shape (no
    pydantic on the path: what ``retest extract`` prints). ``stdin``: what ``-``
    held, when it was read earlier (see ``inputs.stdin_now``).
    """
    return documents_of(iter_inputs(paths, max_bytes, stdin), raw)


def documents_of(inputs: Iterable, raw: bool = False) -> Iterator:
    """Read inputs (``inputs.iter_inputs``) → Documents, or the InputError that stopped each."""
    build = parse_raw if raw else parse
    for item in inputs:
        if isinstance(item, InputError):
            yield item
            continue
        try:
            yield build(item.text, item.source)
        except NotAnInquiringLine as exc:
            yield (Skipped if item.walked else InputError)(item.source, str(exc))


def load(path: str | Path):
    """Read and parse one file; raises InputError with a one-line reason."""
    item = read_path(Path(path))
    try:
        return parse(item.text, item.source)
    except NotAnInquiringLine as exc:
        raise InputError(item.source, str(exc)) from None
