"""Find and read the documents named on the command line, one at a time.

Documents are yielded lazily so that ten thousand files are never held in
memory at once; each unreadable path becomes an ``InputError`` in the stream
rather than an exception, so one bad file never stops a batch.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

DOCUMENT_SUFFIXES = (".txt", ".md")
MAX_BYTES = 10 * 1024 * 1024  # inquiring lines are ~10 kB; anything this big is not one


@dataclass(frozen=True, slots=True)
class Input:
    source: str
    text: str


def decode(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM), or an InputError saying where it broke."""
    if not data.strip():
        raise InputError(source, "empty file")
    if b"\x00" in data[:8192]:
        raise InputError(source, "binary file (contains NUL bytes), not a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            source, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save it as UTF-8"
        ) from None


def read_path(path: Path, max_bytes: int = MAX_BYTES) -> Input:
    source = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                source, f"too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB)"
            )
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError(source, "no such file or directory") from None
    except IsADirectoryError:
        raise InputError(source, "is a directory") from None
    except PermissionError:
        raise InputError(source, "permission denied") from None
    except OSError as exc:
        raise InputError(source, exc.strerror or str(exc)) from None
    return Input(source, decode(data, source))


def read_stdin(max_bytes: int = MAX_BYTES) -> Input:
    data = sys.stdin.buffer.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError("<stdin>", f"too large (over {max_bytes / 1e6:.0f} MB)")
    return Input("<stdin>", decode(data, "<stdin>"))


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(DOCUMENT_SUFFIXES) and not name.startswith("."):
                yield Path(root, name)


def iter_inputs(paths: Iterable[str], max_bytes: int = MAX_BYTES) -> Iterator[Input | InputError]:
    """Each document under ``paths`` (files, folders, ``-``), or the error reading it."""
    for name in paths:
        if name == "-":
            try:
                yield read_stdin(max_bytes)
            except InputError as exc:
                yield exc
            continue
        path = Path(name)
        if path.is_dir():
            found = False
            for file in _walk(path):
                found = True
                try:
                    yield read_path(file, max_bytes)
                except InputError as exc:
                    yield exc
            if not found:
                yield InputError(name, f"no {' or '.join('*' + s for s in DOCUMENT_SUFFIXES)} documents in this folder")
        elif not path.exists():
            yield InputError(name, "no such file or directory")
        else:
            try:
                yield read_path(path, max_bytes)
            except InputError as exc:
                yield exc
