"""Files the user names for output (``-o``) or input: never the archive, never a wait on a pipe.

Every output goes through ``output``: it refuses the archive and its
``-wal``/``-shm``/``-journal`` (also through a symbolic link or another name for
the same file), refuses a FIFO (its open would wait for a reader), a socket or
a folder, writes a character device (``/dev/null``, a terminal) directly, and
writes a regular file through a temporary file beside it — named to fit the
file system's name limit — renamed over it only when complete. Every input goes through ``open_input``:
the open never waits (``O_NONBLOCK``), and only regular files are read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from pathlib import Path

from ..errors import RetestError

ARCHIVE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _same(a, b) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        try:
            return os.path.realpath(a) == os.path.realpath(b)
        except (OSError, ValueError):
            return False


def refuse_archive(path, archive, label: str) -> None:
    """One line when ``path`` is (or resolves to) the archive or one of its companion files."""
    if archive is None:
        return
    for suffix in ARCHIVE_SUFFIXES:
        if _same(path, f"{archive}{suffix}"):
            what = f" ({suffix[1:]} file)" if suffix else ""
            raise RetestError(f"{label} {path}: that is the archive's own file{what}; choose another file")


def partial_name(target: Path) -> Path:
    """``NAME.PID.partial`` beside ``target``, or a hashed short name when that would pass NAME_MAX."""
    name = f"{target.name}.{os.getpid()}.partial"
    try:
        limit = os.pathconf(target.parent if str(target.parent) else ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(name)) > limit:
        digest = hashlib.sha256(os.fsencode(target.name)).hexdigest()[:16]
        name = f".retest-{digest}.{os.getpid()}.partial"
    return target.with_name(name)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


class _Stdout:
    """stdout as an output file: written and flushed, never closed (the command still prints after it)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text) -> int:
        return self.stream.write(text)

    def close(self) -> None:
        self.stream.flush()

    flush = close


@contextlib.contextmanager
def output(path, label: str = "-o", *, archive=None, binary: bool = False):
    """A file handle whose content replaces ``path`` only when the block ends without an error; ``-`` is stdout."""
    if str(path) == "-":
        import sys

        out = _Stdout(sys.stdout.buffer if binary else sys.stdout)
        try:
            yield out
            out.flush()
        except OSError as exc:
            raise RetestError(f"{label} -: cannot write to stdout ({exc.strerror or exc})") from None
        return
    shown = path
    path = Path(path)
    refuse_archive(path, archive, label)
    try:
        target = Path(os.path.realpath(path))  # through a symbolic link: the file it names is replaced
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise RetestError(f"{label} {shown}: cannot write it ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise RetestError(f"{label} {shown}: not a usable file name ({exc})") from None
    if info is not None and stat.S_ISCHR(info.st_mode):  # /dev/null, a terminal: written as it is
        try:
            with open(target, "ab" if binary else "a", **({} if binary else {"encoding": "utf-8"})) as fh:
                yield fh
        except OSError as exc:
            raise RetestError(f"{label} {shown}: cannot write it ({exc.strerror or exc})") from None
        return
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise RetestError(f"{label} {shown}: is {_kind(info.st_mode)}, not a regular file; choose a file")
    tmp = partial_name(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, 0o666 if info is None else stat.S_IMODE(info.st_mode))
    except OSError as exc:
        raise RetestError(f"{label} {shown}: cannot write it ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as fh:
            yield fh
        os.replace(tmp, target)
    except OSError as exc:
        _drop(tmp)
        raise RetestError(f"{label} {shown}: cannot write it ({exc.strerror or exc})") from None
    except BaseException:
        _drop(tmp)
        raise


def _drop(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def write_text(path, text: str, label: str = "-o", *, archive=None) -> None:
    with output(path, label, archive=archive) as fh:
        fh.write(text)


def open_input(path, label: str = "", *, binary: bool = False):
    """``path`` opened for reading without ever blocking on the open; a non-regular file is one line."""
    shown = f"{label} {path}".strip()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise RetestError(f"{shown}: cannot read it ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise RetestError(f"{shown}: not a usable file name ({exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RetestError(f"{shown}: is {_kind(info.st_mode)}, not a regular file; save it to a file first")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb" if binary else "r", **({} if binary else {"encoding": "utf-8"}))
    except BaseException:
        os.close(fd)
        raise


def cache_write(path: Path, data: bytes) -> None:
    """Write a cache file whole or not at all; a cache that cannot be written only makes the next run slower."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
