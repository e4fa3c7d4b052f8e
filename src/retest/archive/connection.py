"""Opening an archive: where it is, what it must be, and how it is upgraded.

- WAL mode, so readers never block the writer and several processes can share
  one file (writes take ``BEGIN IMMEDIATE`` and wait for each other).
- A file that is not SQLite, or SQLite but not a retest archive, is refused
  and left untouched. A newer schema is refused; an older one is migrated in
  place (migrations only add). A missing search index is rebuilt.
- Readers open a read-only copy of the connection when the file or its folder
  cannot be written, so a read-only archive can still be browsed.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

from ..errors import RetestError
from .schema import APPLICATION_ID, FTS_TABLES, MIGRATIONS, statements


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class ArchiveError(RetestError):
    """An archive file that cannot be used; the file is left as it was."""


class StorageError(ArchiveError):
    """The archive stopped accepting writes (disk full, read-only, I/O error)."""


def locate(path: str | os.PathLike | None = None) -> tuple[Path, str]:
    """The archive's path and how the user named it (for messages)."""
    if path:
        return Path(path).expanduser(), "--archive"
    if os.environ.get("RETEST_ARCHIVE"):
        return Path(os.environ["RETEST_ARCHIVE"]).expanduser(), "RETEST_ARCHIVE"
    from platformdirs import user_data_dir

    return Path(user_data_dir("retest")) / "archive.db", "the archive"


def default_path() -> Path:
    """``RETEST_ARCHIVE``, else ``archive.db`` in the platform's user data folder."""
    return locate()[0]


def _check_file(path: Path, label: str) -> None:
    if path.is_dir():
        raise ArchiveError(f"{label} {path}: is a folder, not an archive file")
    if path.exists() and path.stat().st_size > 0:
        try:
            with path.open("rb") as fh:
                header = fh.read(16)
        except OSError as exc:
            raise ArchiveError(f"{label} {path}: cannot read it ({exc.strerror})") from None
        if header != b"SQLite format 3\x00":
            raise ArchiveError(f"{label} {path}: not a SQLite database; refusing to touch it")


def sqlite_problem(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "not a database" in text or "file is encrypted" in text:
        return "not a SQLite database; refusing to touch it"
    if "malformed" in text:
        return f"the file is damaged ({text}); `sqlite3 FILE .recover` may save what is in it"
    if "readonly" in text or "unable to open" in text or "disk I/O" in text:
        return f"cannot write there ({text})"
    if "full" in text:
        return f"the disk is full ({text})"
    return text


def is_storage_failure(exc: BaseException) -> bool:
    """Errors after which no further write can succeed: stop, do not retry."""
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return any(k in text for k in ("full", "readonly", "read-only", "disk i/o", "unable to open"))
    return isinstance(exc, sqlite3.DatabaseError) and "malformed" in str(exc)


class Connection:
    """One open archive file. Use as a context manager or call ``close()``."""

    def __init__(self, path: str | os.PathLike | None = None, *, create: bool = True, label: str | None = None,
                 readonly: bool = False):
        self.path, default_label = locate(path)
        self.label = label or default_label
        self.readonly = readonly
        _check_file(self.path, self.label)
        if not self.path.exists():
            if not create:
                raise ArchiveError(f"no replies yet — `retest send` fills the archive at {self.path}")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ArchiveError(f"{self.label} {self.path}: cannot create its folder ({exc.strerror})") from None
        try:
            self.db = self._connect(create)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{self.label} {self.path}: {sqlite_problem(exc)}") from None
        self._opened()

    def _opened(self) -> None:
        """Hook for the parts that keep per-connection state."""

    def _connect(self, create: bool) -> sqlite3.Connection:
        if not self.readonly:
            try:
                db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                db.row_factory = sqlite3.Row
                db.execute("PRAGMA busy_timeout = 30000")
                self._setup(db, create)
                return db
            except sqlite3.OperationalError as exc:
                if create or not _read_only_problem(exc):
                    raise
        # a reader on a file or folder it may not write: read-only, then immutable (no -shm needed)
        return self._connect_read_only()

    def _connect_read_only(self) -> sqlite3.Connection:
        uri = "file:" + quote(str(self.path.resolve())) + "?mode=ro"
        last: sqlite3.Error | None = None
        for suffix in ("", "&immutable=1"):
            try:
                db = sqlite3.connect(uri + suffix, uri=True, timeout=30, isolation_level=None,
                                     check_same_thread=False)
                db.row_factory = sqlite3.Row
                self._check_schema(db, migrate=False)
                self.readonly = True
                return db
            except sqlite3.OperationalError as exc:
                last = exc
        raise last  # type: ignore[misc]

    def _setup(self, db: sqlite3.Connection, create: bool) -> None:
        # Switching a new file to WAL, or migrating it, can meet another process
        # doing the same and fail at once with "locked": wait and try again.
        deadline = time.monotonic() + 30
        while True:
            try:
                mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                db.execute("PRAGMA synchronous = NORMAL")  # durable across process kills in WAL mode
                db.execute("PRAGMA foreign_keys = ON")
                if mode.lower() != "wal" and create:
                    raise ArchiveError(f"{self.label} {self.path}: could not switch to WAL mode ({mode})")
                self._check_schema(db, migrate=True)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _check_schema(self, db: sqlite3.Connection, migrate: bool) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        app = db.execute("PRAGMA application_id").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if (version or tables) and app != APPLICATION_ID:
            raise ArchiveError(f"{self.label} {self.path}: a SQLite database, but not a retest archive")
        if version > len(MIGRATIONS):
            raise ArchiveError(
                f"{self.label} {self.path}: written by a newer retest (schema {version}); upgrade retest"
            )
        if version < len(MIGRATIONS):
            if not migrate:
                raise ArchiveError(f"{self.label} {self.path}: read-only, and written by an older retest; "
                                   "open it once where it can be written, to upgrade it")
            with _Transaction(db):  # migrations only add: readers may upgrade an older archive too
                version = db.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
                for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                    for statement in statements(script):
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {number}")
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if migrate:
            self._repair_search(db)

    def _repair_search(self, db: sqlite3.Connection) -> None:
        present = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
        missing = [name for name in FTS_TABLES if name not in present]
        if not missing:
            return
        with _Transaction(db):
            for name in missing:
                table, trigger = FTS_TABLES[name]
                trigger_name = trigger.split()[2]
                db.execute(f"DROP TRIGGER IF EXISTS {trigger_name}")
                db.execute(table)
                db.execute(trigger)
                db.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def transaction(self):
        return _Transaction(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_only_problem(exc: sqlite3.Error) -> bool:
    """A file a reader can still read though it cannot write (a full disk included)."""
    text = str(exc).lower()
    return any(k in text for k in ("readonly", "unable to open", "read-only", "disk i/o", "full"))


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (re-entrant: inner blocks join the outer one)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.outer = False

    def __enter__(self):
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
            self.outer = True
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.outer:
            return
        if exc_type is None:
            self.db.execute("COMMIT")
        elif self.db.in_transaction:
            self.db.execute("ROLLBACK")
