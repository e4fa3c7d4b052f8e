"""Find and read the documents named on the command line, one at a time.

Documents are yielded lazily so that ten thousand files are never held in
memory at once; each unreadable path becomes an ``InputError`` in the stream
rather than an exception, so one bad file never stops a batch. Only regular
files are opened (a FIFO named ``x.txt`` would block forever), each file is
read once however many times it is named, and prompts that ``retest build
--out-dir`` wrote (``*.prompt.txt``) are not taken for documents.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

DOCUMENT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".org", ".tex", ".rst")
BUILT_SUFFIXES = (".prompt.txt", ".prompt.json")  # what `build --out-dir` writes
MAX_BYTES = 10 * 1024 * 1024  # inquiring lines are ~10 kB; anything this big is not one
MAX_SIZE_MB = 4096  # the most --max-size accepts


@dataclass(frozen=True, slots=True)
class Input:
    source: str
    text: str
    walked: bool = False  # found by walking a folder, not named: passed over (``Skipped``) if not an inquiring line


def display_name(path: str | os.PathLike) -> str:
    """A path as text that can always be printed and stored (undecodable bytes shown as �)."""
    name = os.fspath(path)
    if isinstance(name, bytes):
        return name.decode("utf-8", "replace")
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _utf16(data: bytes) -> str | None:
    """UTF-16 text, with a byte-order mark or recognisably without one."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    if data.find(b"\x00", 0, 4096) == -1:  # UTF-16 of Latin text is half NUL bytes; nearly every file has none
        return None
    sample = data[:4096]
    if len(sample) >= 8 and len(sample) % 2 == 0:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) == 0:
            return data.decode("utf-16-le")
        if even.count(0) > 0.9 * len(even) and odd.count(0) == 0:
            return data.decode("utf-16-be")
    return None


def decode(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16, or an InputError saying where it broke."""
    if not data or data.isspace():
        raise InputError(source, "empty file")
    try:
        text = _utf16(data)
    except UnicodeDecodeError:
        raise InputError(source, "looks like UTF-16 but does not decode; re-save it as UTF-8") from None
    if text is not None:
        return text
    if data.find(b"\x00", 0, 8192) != -1:
        raise InputError(source, "binary file (contains NUL bytes), not a text document")
    try:
        # what the "utf-8-sig" codec does (the same text, the same error offsets), without its Python-level wrapper
        return data[3:].decode("utf-8") if data.startswith(codecs.BOM_UTF8) else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            source, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save it as UTF-8"
        ) from None


def _os_problem(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if exc.errno == errno.ELOOP:
        return "a loop of symbolic links"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is not a folder"
    if exc.errno == errno.ENAMETOOLONG:
        return "file name too long"
    return exc.strerror or str(exc)


def _too_large(size: float, max_bytes: int) -> str:
    return (f"too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB, "
            "raise it with --max-size MB)")


def _read_at_most(fh, size: int, limit: int) -> bytes:
    """The first ``limit`` bytes of the raw file ``fh`` (all of it if shorter), ``size`` being its size when opened.

    Asked for as the file's own size plus one (its end seen at once), not as ``limit``: a read buffer of the
    10 MB limit, allocated for every 10 kB file, cost more than the reading. A file that grew (or one whose
    size says nothing, as in /proc) is read on in growing steps.
    """
    parts: list[bytes] = []
    total = 0
    want = min(size, limit - 1) + 1
    while total < limit:
        chunk = fh.read(min(want, limit - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
        want = max(total, 1 << 16)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_path(path: str | Path, max_bytes: int = MAX_BYTES) -> Input:
    source = display_name(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise InputError(source, "is a folder") from None
        raise InputError(source, _os_problem(exc)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(source, "is a folder")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(source, "not a regular file (a pipe, socket or device); save the text to a file")
        if info.st_size > max_bytes:
            raise InputError(source, _too_large(info.st_size, max_bytes))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", buffering=0, closefd=True) as fh:
            fd = -1
            data = _read_at_most(fh, info.st_size, max_bytes + 1)
    except OSError as exc:
        raise InputError(source, _os_problem(exc)) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > max_bytes:
        raise InputError(source, _too_large(len(data), max_bytes))
    return Input(source, decode(data, source))


def read_stdin(max_bytes: int = MAX_BYTES) -> Input:
    try:
        if sys.stdin is None:
            raise OSError(errno.EBADF, "stdin is closed")
        data = sys.stdin.buffer.read(max_bytes + 1)
    except (OSError, ValueError) as exc:
        raise InputError("<stdin>", getattr(exc, "strerror", None) or "stdin is closed") from None
    if len(data) > max_bytes:
        raise InputError("<stdin>", f"too large (over {max_bytes / 1e6:.0f} MB; raise it with --max-size MB)")
    return Input("<stdin>", decode(data, "<stdin>"))


def stdin_now(paths: Iterable[str], max_bytes: int = MAX_BYTES) -> Input | InputError | None:
    """What ``-`` among ``paths`` holds, read here and now (or the error reading it); None without ``-``."""
    if "-" not in paths:
        return None
    try:
        return read_stdin(max_bytes)
    except InputError as exc:
        return exc


def is_document_name(name: str) -> bool:
    lower = name.lower()
    return (lower.endswith(DOCUMENT_SUFFIXES) and not lower.endswith(BUILT_SUFFIXES)
            and not name.startswith("."))


def _walk(folder: Path) -> Iterator[str | InputError]:
    """Documents under ``folder`` in a stable order, each path as ``str(Path(root, name))``; unreadable folders as
    errors."""
    problems: list[OSError] = []
    for root, dirs, files in os.walk(folder, onerror=problems.append, followlinks=False):
        while problems:
            exc = problems.pop(0)
            yield InputError(display_name(exc.filename or root), f"cannot list this folder ({_os_problem(exc)})")
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = os.fspath(Path(root))  # the folder spelt as a Path spells it ("./a//b" → "a/b"), once a folder
        for name in sorted(files):
            if is_document_name(name):
                yield os.path.join(base, name) if base != "." else name
    for exc in problems:
        yield InputError(display_name(exc.filename or folder), f"cannot list this folder ({_os_problem(exc)})")


def _identity(path: str | Path) -> tuple | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def iter_inputs(paths: Iterable[str], max_bytes: int = MAX_BYTES,
                stdin: Input | InputError | None = None) -> Iterator[Input | InputError]:
    """Each document under ``paths`` (files, folders, ``-``), or the error reading it.

    ``stdin``: what ``-`` held, read earlier (a child process that builds prompts has no stdin of its own).
    """
    seen: set[tuple] = set()
    stdin_read = False

    def once(path: str | Path) -> bool:
        ident = _identity(path)
        if ident is None:
            return True
        if ident in seen:
            return False
        seen.add(ident)
        return True

    for name in paths:
        if name == "-":
            if not stdin_read:
                stdin_read = True
                if stdin is not None:
                    yield stdin
                    continue
                try:
                    yield read_stdin(max_bytes)
                except InputError as exc:
                    yield exc
            continue
        path = Path(name)
        try:
            info = os.stat(path)
        except OSError as exc:
            yield InputError(display_name(name), _os_problem(exc))
            continue
        if stat.S_ISDIR(info.st_mode):
            found = False
            for file in _walk(path):
                if isinstance(file, InputError):
                    yield file
                    continue
                found = True
                if not once(file):
                    continue
                try:
                    item = read_path(file, max_bytes)
                    yield Input(item.source, item.text, walked=True)
                except InputError as exc:
                    yield exc
            if not found:
                wanted = ", ".join("*" + s for s in DOCUMENT_SUFFIXES[:-1]) + " or *" + DOCUMENT_SUFFIXES[-1]
                yield InputError(display_name(name), f"no {wanted} documents in this folder")
        elif once(path):
            try:
                yield read_path(path, max_bytes)
            except InputError as exc:
                yield exc
