"""The SQLite archive: every prompt, every attempt, every reply.

Design points:

- WAL mode, so readers never block the writer and several ``retest send``
  processes can share one file (writes take ``BEGIN IMMEDIATE`` and wait up to
  ``busy_timeout`` for each other).
- A reply row is *claimed* (status ``pending``, with an owner and heartbeat)
  before its prompt is sent. Another process skips a prompt whose claim is
  alive, and takes over one whose owner has died (even by ``kill -9``), so a
  re-run finishes the rest without sending anything twice.
- A reply becomes ``ok`` only when the whole answer has arrived; a stream that
  broke is recorded as a failed attempt, never as a reply.
- The schema is versioned with ``PRAGMA user_version`` and migrated forward.
- Only the endpoint's host is stored, never the API key.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import RetestError
from .schema import APPLICATION_ID, MIGRATIONS, statements

_OPEN_OWNERS: set[str] = set()  # claim owners of the archives open in this process
STALE_AFTER = dt.timedelta(minutes=10)

def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def default_path() -> Path:
    """``RETEST_ARCHIVE``, else ``archive.db`` in the platform's user data folder."""
    if os.environ.get("RETEST_ARCHIVE"):
        return Path(os.environ["RETEST_ARCHIVE"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("retest")) / "archive.db"


class ArchiveError(RetestError):
    """An archive file that cannot be used; the file is left as it was."""


def _check_file(path: Path, label: str) -> None:
    if path.is_dir():
        raise ArchiveError(f"{label} {path}: is a directory")
    if path.exists() and path.stat().st_size > 0:
        try:
            with path.open("rb") as fh:
                header = fh.read(16)
        except OSError as exc:
            raise ArchiveError(f"{label} {path}: cannot read it ({exc.strerror})") from None
        if header != b"SQLite format 3\x00":
            raise ArchiveError(f"{label} {path}: not a SQLite database; refusing to touch it")


class Archive:
    """One open archive file. Use as a context manager or call ``close()``."""

    def __init__(self, path: str | Path | None = None, *, create: bool = True, label: str = "--archive"):
        self.path = Path(path).expanduser() if path else default_path()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"
        _OPEN_OWNERS.add(self.owner)
        _check_file(self.path, label)
        if not self.path.exists():
            if not create:
                raise ArchiveError(f"{label} {self.path}: no archive there yet (nothing has been sent)")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ArchiveError(f"{label} {self.path}: cannot create its folder ({exc.strerror})") from None
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA busy_timeout = 30000")
            self._setup(create, label)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{label} {self.path}: {_sqlite_problem(exc)}") from None

    def _setup(self, create: bool, label: str) -> None:
        # Switching a new file to WAL, or migrating it, can meet another process
        # doing the same and fail at once with "locked": wait and try again.
        deadline = time.monotonic() + 30
        while True:
            try:
                mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                self.db.execute("PRAGMA synchronous = NORMAL")  # durable across process kills in WAL mode
                self.db.execute("PRAGMA foreign_keys = ON")
                if mode.lower() != "wal" and create:
                    raise ArchiveError(f"{label} {self.path}: could not switch to WAL mode ({mode})")
                self._migrate()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    # -- schema ----------------------------------------------------------------
    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        app = self.db.execute("PRAGMA application_id").fetchone()[0]
        tables = self.db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if (version or tables) and app != APPLICATION_ID:
            raise ArchiveError(f"--archive {self.path}: a SQLite database, but not a retest archive")
        if version > len(MIGRATIONS):
            raise ArchiveError(
                f"--archive {self.path}: written by a newer retest (schema {version}); upgrade retest"
            )
        if version == len(MIGRATIONS):
            return
        with self.transaction():  # migrations only add: readers may upgrade an older archive too
            version = self.db.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in statements(script):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def transaction(self):
        return _Transaction(self.db)

    def close(self) -> None:
        _OPEN_OWNERS.discard(self.owner)
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------
    def add_prompt(self, text: str, sha256: str, *, template: str | None = None, template_sha256: str | None = None,
                   source: str | None = None, source_sha256: str | None = None, tokens: int | None = None,
                   encoding: str | None = None) -> int:
        """The prompt's row id, inserting it the first time it is seen."""
        with self.transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO prompts (sha256, text, template, template_sha256, source, source_sha256,"
                " tokens, encoding, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sha256, text, template, template_sha256, source, source_sha256, tokens, encoding, now()),
            )
            return self.db.execute("SELECT id FROM prompts WHERE sha256 = ?", (sha256,)).fetchone()[0]

    def latest_reply(self, prompt_id: int, params_sha256: str) -> tuple[int, str] | None:
        """The newest complete reply to this prompt with these settings: ``(id, text)``."""
        row = self.db.execute(
            "SELECT id, reply FROM replies WHERE prompt_id = ? AND params_sha256 = ? AND status = 'ok'"
            " ORDER BY id DESC LIMIT 1",
            (prompt_id, params_sha256),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def answered(self, prompt_sha256: str, params_sha256: str) -> bool:
        """Whether this prompt text already has a complete reply with these settings."""
        row = self.db.execute("SELECT id FROM prompts WHERE sha256 = ?", (prompt_sha256,)).fetchone()
        return row is not None and self.done(row[0], params_sha256)

    def done(self, prompt_id: int, params_sha256: str) -> bool:
        return self.db.execute(
            "SELECT 1 FROM replies WHERE prompt_id = ? AND params_sha256 = ? AND status = 'ok' LIMIT 1",
            (prompt_id, params_sha256),
        ).fetchone() is not None

    def claim(self, prompt_id: int, *, model: str, endpoint: str, params: dict, params_sha256: str,
              force: bool = False) -> tuple[int | None, str]:
        """Reserve the job for this process: ``(reply_id, "claimed")``, or ``(None, "done"|"busy")``."""
        with self.transaction():
            if not force and self.done(prompt_id, params_sha256):
                return None, "done"
            pending = self.db.execute(
                "SELECT id, owner, heartbeat_at FROM replies WHERE prompt_id = ? AND params_sha256 = ?"
                " AND status = 'pending' ORDER BY id DESC LIMIT 1",
                (prompt_id, params_sha256),
            ).fetchone()
            if pending is not None and pending["owner"] != self.owner and _alive(pending["owner"], pending["heartbeat_at"]):
                return None, "busy"
            if pending is not None:
                self.db.execute("UPDATE replies SET owner = ?, heartbeat_at = ? WHERE id = ?",
                                (self.owner, now(), pending["id"]))
                return pending["id"], "claimed"
            cur = self.db.execute(
                "INSERT INTO replies (prompt_id, model, endpoint, params, params_sha256, status, owner,"
                " heartbeat_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
                (prompt_id, model, endpoint, json.dumps(params, sort_keys=True), params_sha256, self.owner, now(), now()),
            )
            return cur.lastrowid, "claimed"

    def heartbeat(self) -> None:
        with self.transaction():
            self.db.execute("UPDATE replies SET heartbeat_at = ? WHERE owner = ? AND status = 'pending'",
                            (now(), self.owner))

    def attempt(self, reply_id: int, n: int, *, started_at: str, latency_ms: int | None, outcome: str,
                status_code: int | None = None, error: str | None = None) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO attempts (reply_id, n, started_at, latency_ms, outcome, status_code, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (reply_id, n, started_at, latency_ms, outcome, status_code, error),
            )
            self.db.execute("UPDATE replies SET attempts = attempts + 1, heartbeat_at = ? WHERE id = ?",
                            (now(), reply_id))

    def complete(self, reply_id: int, *, reply: str, finish_reason: str | None, usage: dict | None,
                 latency_ms: int) -> None:
        usage = usage or {}
        with self.transaction():
            self.db.execute(
                "UPDATE replies SET status = 'ok', reply = ?, finish_reason = ?, prompt_tokens = ?,"
                " completion_tokens = ?, total_tokens = ?, latency_ms = ?, error = NULL, owner = NULL,"
                " finished_at = ? WHERE id = ? AND status = 'pending'",
                (reply, finish_reason, usage.get("prompt_tokens"), usage.get("completion_tokens"),
                 usage.get("total_tokens"), latency_ms, now(), reply_id),
            )

    def fail(self, reply_id: int, error: str) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE replies SET status = 'failed', error = ?, owner = NULL, finished_at = ?"
                " WHERE id = ? AND status = 'pending'",
                (error, now(), reply_id),
            )

    def release(self, reply_id: int) -> None:
        """Give a claim back untouched (an interrupted run): the next run takes it over at once."""
        with self.transaction():
            self.db.execute("UPDATE replies SET owner = NULL WHERE id = ? AND status = 'pending'", (reply_id,))

    # -- reading ---------------------------------------------------------------
    _SELECT = (
        "SELECT r.*, p.text AS prompt, p.sha256 AS prompt_sha256, p.source, p.source_sha256, p.template,"
        " p.template_sha256, p.tokens AS prompt_tokens_counted, p.encoding FROM replies r"
        " JOIN prompts p ON p.id = r.prompt_id"
    )

    def get(self, reply_id: int) -> dict | None:
        row = self.db.execute(f"{self._SELECT} WHERE r.id = ?", (reply_id,)).fetchone()
        return _record(row) if row else None

    def list(self, n: int = 20, model: str | None = None, since: str | None = None,
             status: str | None = None) -> list[dict]:
        where, args = [], []
        if model:
            where.append("r.model = ?")
            args.append(model)
        if since:
            where.append("r.created_at >= ?")
            args.append(since)
        if status:
            where.append("r.status = ?")
            args.append(status)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.execute(f"{self._SELECT}{clause} ORDER BY r.id DESC LIMIT ?", (*args, n)).fetchall()
        return [_record(r) for r in rows]

    def search(self, text: str, n: int = 20) -> list[dict]:
        """Replies whose text, or whose prompt, contains every word of ``text``."""
        query = " ".join('"' + word.replace('"', '""') + '"' for word in text.split())
        if not query:
            return []
        # Two ordered, limited look-ups (one per index) merged: an OR across
        # both would make SQLite scan every reply.
        ids = [row[0] for row in self.db.execute(
            "SELECT id FROM (SELECT rowid AS id FROM replies_fts WHERE replies_fts MATCH ?1"
            " ORDER BY rowid DESC LIMIT ?2)"
            " UNION SELECT id FROM (SELECT r.id AS id FROM replies r WHERE r.prompt_id IN"
            " (SELECT rowid FROM prompts_fts WHERE prompts_fts MATCH ?1) ORDER BY r.id DESC LIMIT ?2)"
            " ORDER BY id DESC LIMIT ?2",
            (query, n),
        )]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(f"{self._SELECT} WHERE r.id IN ({marks}) ORDER BY r.id DESC", ids).fetchall()
        return [_record(r) for r in rows]

    def iter_all(self, status: str | None = "ok") -> Iterator[dict]:
        clause = " WHERE r.status = ?" if status else ""
        for row in self.db.execute(f"{self._SELECT}{clause} ORDER BY r.id", (status,) if status else ()):
            yield _record(row)

    def attempts(self, reply_id: int) -> list[dict]:
        rows = self.db.execute("SELECT * FROM attempts WHERE reply_id = ? ORDER BY n", (reply_id,)).fetchall()
        return [dict(r) for r in rows]

    # -- citation checks ---------------------------------------------------------
    def save_verdicts(self, reply_id: int, cited: list) -> None:
        """Replace the reply's verdicts with ``cited`` (``check.CitedId`` objects)."""
        stamp = now()
        with self.transaction():
            self.db.execute("DELETE FROM verdicts WHERE reply_id = ?", (reply_id,))
            self.db.executemany(
                "INSERT INTO verdicts (reply_id, arxiv_id, written, verdict, relation, implied_date, stated_date,"
                " detail, online, title, first_author, published, checked_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(reply_id, c.id, c.written, c.verdict, c.relation, c.implied_date, c.stated_date, c.detail,
                  c.online, c.title, c.first_author, c.published, stamp) for c in cited],
            )

    def verdicts(self, reply_id: int) -> list[dict]:
        rows = self.db.execute("SELECT * FROM verdicts WHERE reply_id = ? ORDER BY rowid", (reply_id,)).fetchall()
        return [dict(r) for r in rows]

    def cached_lookups(self, ids: list[str], not_found_ttl: dt.timedelta) -> dict[str, dict | None]:
        out: dict[str, dict | None] = {}
        limit = (dt.datetime.now(dt.timezone.utc) - not_found_ttl).isoformat(timespec="milliseconds")
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self.db.execute(
                f"SELECT * FROM arxiv_cache WHERE arxiv_id IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            for r in rows:
                if r["found"]:
                    out[r["arxiv_id"]] = {"title": r["title"], "first_author": r["first_author"],
                                          "published": r["published"]}
                elif r["fetched_at"] >= limit:
                    out[r["arxiv_id"]] = None
        return out

    def cache_lookups(self, results: dict[str, dict | None]) -> None:
        stamp = now()
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO arxiv_cache (arxiv_id, found, title, first_author, published, fetched_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(i, r is not None, (r or {}).get("title"), (r or {}).get("first_author"),
                  (r or {}).get("published"), stamp) for i, r in results.items()],
            )


def _record(row: sqlite3.Row) -> dict:
    rec = dict(row)
    rec["params"] = json.loads(rec["params"]) if rec.get("params") else {}
    rec["usage"] = {k: rec.pop(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")}
    rec.pop("owner", None)
    rec.pop("heartbeat_at", None)
    return rec


def _alive(owner: str | None, heartbeat_at: str | None) -> bool:
    """Whether the process that claimed a job may still be working on it."""
    if not owner or not heartbeat_at:
        return False
    host, pid, _ = (owner.split(":") + ["", ""])[:3]
    fresh = dt.datetime.now(dt.timezone.utc) - dt.datetime.fromisoformat(heartbeat_at) < STALE_AFTER
    if host == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return owner in _OPEN_OWNERS  # else an earlier run that had our pid, now gone
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
    return fresh


def _sqlite_problem(exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "not a database" in text or "file is encrypted" in text:
        return "not a SQLite database; refusing to touch it"
    if "readonly" in text or "unable to open" in text or "disk I/O" in text:
        return f"cannot write there ({text})"
    return text


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
        else:
            self.db.execute("ROLLBACK")
