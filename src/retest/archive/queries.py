"""Reading the archive back: one reply, the newest, a search, everything.

Every query is bounded by an index: ``list`` walks replies newest first,
``search`` asks each full-text index for its newest matches only (never
sorting every match), and ``iter_all`` streams rows rather than loading them.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator

from .connection import ArchiveError, now, sqlite_problem
from .costs import cost_record

_SELECT = (
    "SELECT r.*, p.text AS prompt, p.sha256 AS prompt_sha256, p.source, p.source_sha256, p.template,"
    " p.template_sha256, p.tokens AS prompt_tokens_counted, p.encoding, (SELECT json_group_array(source) FROM"
    " (SELECT d.source FROM prompt_documents d WHERE d.prompt_id = p.id GROUP BY d.source"
    " ORDER BY min(d.source != d.seen_as), d.source)) AS documents FROM replies r"  # the first one met first
    " JOIN prompts p ON p.id = r.prompt_id"
)
USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens", "reasoning_tokens", "cached_tokens")


def record(row: sqlite3.Row) -> dict:
    rec = dict(row)
    rec["params"] = json.loads(rec["params"]) if rec.get("params") else {}
    rec["usage"] = {k: rec.pop(k, None) for k in USAGE_KEYS}
    rec["usage"]["estimated"] = bool(rec.pop("usage_estimated", 0))
    rec["cost"] = cost_record(rec)
    # every document the prompt was made from (documents whose prompts came out the same share it)
    rec["documents"] = json.loads(rec.get("documents") or "[]") or ([rec["source"]] if rec.get("source") else [])
    rec.pop("owner", None)
    rec.pop("heartbeat_at", None)
    return rec


class Queries:
    """What the browsing commands and the report read."""

    def _read(self, sql: str, args=()) -> list[sqlite3.Row]:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{self.label} {self.path}: {sqlite_problem(exc)}") from None

    def document_title(self, source: str) -> str | None:
        """The question of the document at ``source`` as last archived with a prompt (None when never kept)."""
        rows = self._read("SELECT title FROM document_titles WHERE source = ?", (source,))
        return rows[0][0] if rows else None

    def prompt_documents(self, prompt_id: int) -> list[dict]:
        """The documents a prompt was made from, the first one met first: ``{source, claims}`` where ``claims``
        numbers the prompt's claims that came from it."""
        rows = self._read(
            "SELECT d.source, json_group_array(pc.idx) AS claims FROM (SELECT idx, source FROM prompt_claims"
            " WHERE prompt_id = ?1 ORDER BY idx) pc"
            " JOIN prompt_documents d ON d.prompt_id = ?1 AND d.seen_as = pc.source"
            " GROUP BY d.source ORDER BY min(d.source != d.seen_as), min(pc.idx), d.source", (prompt_id,))
        return [{"source": r["source"], "claims": json.loads(r["claims"])} for r in rows]

    def get(self, reply_id: int) -> dict | None:
        rows = self._read(f"{_SELECT} WHERE r.id = ?", (reply_id,))
        return record(rows[0]) if rows else None

    def newest_id(self, back: int = 1) -> int | None:
        """The ID of the newest reply (``back`` 1), the one before it (2), …; None past the oldest."""
        rows = self._read("SELECT id FROM replies ORDER BY id DESC LIMIT 1 OFFSET ?", (back - 1,))
        return rows[0][0] if rows else None

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
        return [record(r) for r in self._read(f"{_SELECT}{clause} ORDER BY r.id DESC LIMIT ?", (*args, n))]

    def search(self, text: str, n: int = 20) -> list[dict]:
        """Replies whose text, prompt, or a source's title or domain contains every word of ``text``; newest first.

        Each index is asked only for its newest ``n`` matches (FTS5 walks rowids
        backwards without sorting); prompt matches bring their replies.
        """
        query = " ".join('"' + word.replace('"', '""') + '"' for word in text.split())
        if not query:
            return []
        try:
            reply_ids = [r[0] for r in self.db.execute(
                "SELECT rowid FROM replies_fts WHERE replies_fts MATCH ? ORDER BY rowid DESC LIMIT ?", (query, n))]
            prompt_ids = [r[0] for r in self.db.execute(
                "SELECT rowid FROM prompts_fts WHERE prompts_fts MATCH ? ORDER BY rowid DESC LIMIT ?", (query, n))]
            reply_ids += self.replies_by_source(text, n)  # a source's title or domain
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise ArchiveError(f"{self.label} {self.path}: has no search index and cannot be repaired "
                                   "read-only; open it once where it can be written") from None
            raise ArchiveError(f"{self.label} {self.path}: {sqlite_problem(exc)}") from None
        if prompt_ids:
            marks = ",".join("?" * len(prompt_ids))
            reply_ids += [r[0] for r in self.db.execute(
                f"SELECT id FROM replies WHERE prompt_id IN ({marks}) ORDER BY id DESC LIMIT ?", (*prompt_ids, n))]
        ids = sorted(set(reply_ids), reverse=True)[:n]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return [record(r) for r in self._read(f"{_SELECT} WHERE r.id IN ({marks}) ORDER BY r.id DESC", ids)]

    def iter_all(self, status: str | None = "ok") -> Iterator[dict]:
        clause = " WHERE r.status = ?" if status else ""
        try:
            for row in self.db.execute(f"{_SELECT}{clause} ORDER BY r.id", (status,) if status else ()):
                yield record(row)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{self.label} {self.path}: {sqlite_problem(exc)}") from None

    def attempts(self, reply_id: int) -> list[dict]:
        return [dict(r) for r in self._read("SELECT * FROM attempts WHERE reply_id = ? ORDER BY n", (reply_id,))]

    def count(self) -> int:
        return self._read("SELECT count(*) FROM replies")[0][0]

    # -- citation checks -------------------------------------------------------
    def save_verdicts(self, reply_id: int, cited: list) -> None:
        """Replace the reply's citation verdicts with ``cited`` (``check.CitedId`` objects)."""
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
        return [dict(r) for r in self._read("SELECT * FROM verdicts WHERE reply_id = ? ORDER BY rowid", (reply_id,))]

    def cached_lookups(self, ids: list[str], not_found_ttl: dt.timedelta) -> dict[str, dict | None]:
        out: dict[str, dict | None] = {}
        limit = (dt.datetime.now(dt.timezone.utc) - not_found_ttl).isoformat(timespec="milliseconds")
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self._read(f"SELECT * FROM arxiv_cache WHERE arxiv_id IN ({','.join('?' * len(chunk))})", chunk)
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
