"""Job claims: how several runs share an archive without sending anything twice.

A reply row is *claimed* (status ``pending``, with an owner and a heartbeat)
before its prompt is sent. Another process skips a prompt whose claim is
alive, and takes over one whose owner has died (even by ``kill -9``), so a
re-run finishes the rest. Within one process a claim it holds is busy too, so
the same document named twice is sent once. A prompt placed in a provider's
batch is claimed by the batch (owner ``batch:ID``) until the batch is collected.

A reply becomes ``ok`` only when the whole answer has arrived; its text is
stored exactly, except that UTF-16 surrogates (an emoji split across stream
chunks) are joined and lone ones replaced, with a note saying so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket

from .connection import now

STALE_AFTER = dt.timedelta(minutes=10)
_OPEN_OWNERS: set[str] = set()  # claim owners of the archives open in this process


def valid_text(text: str | None) -> tuple[str | None, str | None]:
    """Text that can be stored as UTF-8, and a note when anything had to change."""
    if text is None:
        return None, None
    try:
        text.encode("utf-8")
        return text, None
    except UnicodeEncodeError:
        pass
    fixed = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    lone = fixed.count("\ufffd") - text.count("\ufffd")
    note = (f"{lone} lone UTF-16 surrogate(s) in the reply were replaced by U+FFFD"
            if lone else "UTF-16 surrogate pairs in the reply were joined into characters")
    return fixed, note


def claim_key(text: str) -> str:
    """What makes two claims the same claim: their words, case and spacing aside."""
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()


class Jobs:
    """Prompts, claims on them, attempts and replies."""

    def _opened(self) -> None:
        super()._opened()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"
        _OPEN_OWNERS.add(self.owner)

    def close(self) -> None:
        _OPEN_OWNERS.discard(getattr(self, "owner", None))
        super().close()

    # -- prompts ---------------------------------------------------------------
    def add_prompt(self, text: str, sha256: str, *, template: str | None = None, template_sha256: str | None = None,
                   source: str | None = None, source_sha256: str | None = None, tokens: int | None = None,
                   encoding: str | None = None, claims: list | None = None, titles: dict | None = None) -> int:
        """The prompt's row id, inserting it (and the claims it carries) the first time it is seen; ``titles``
        (each document's question, by path) are kept for the report."""
        with self.transaction():
            cur = self.db.execute(
                "INSERT OR IGNORE INTO prompts (sha256, text, template, template_sha256, source, source_sha256,"
                " tokens, encoding, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sha256, text, template, template_sha256, source, source_sha256, tokens, encoding, now()),
            )
            prompt_id = self.db.execute("SELECT id FROM prompts WHERE sha256 = ?", (sha256,)).fetchone()[0]
            if cur.rowcount and claims:
                self._add_claims(prompt_id, claims)
            if claims:
                self.add_documents([(prompt_id, claims)])
            if titles:
                self.add_titles(titles)
            return prompt_id

    def add_titles(self, titles: dict) -> None:
        """Each document's question by path (the newest kept), so that the report never reads documents again."""
        rows = [(source, title, now()) for source, title in titles.items() if source and title]
        with self.transaction():
            self.db.executemany("INSERT INTO document_titles (source, title, seen_at) VALUES (?, ?, ?)"
                                " ON CONFLICT (source) DO UPDATE SET title = excluded.title, seen_at = excluded.seen_at"
                                " WHERE document_titles.title != excluded.title", rows)

    def add_documents(self, met: list[tuple[int, list]]) -> None:
        """The documents each prompt was made from, as ``(prompt_id, claims)`` pairs (each claim names its
        document): a document whose prompt came out the same as another's, archived first, keeps its claims
        under its own path (``seen_as`` maps it to the path the prompt's claims were archived under)."""
        rows: dict[tuple[int, str], int] = {}
        for prompt_id, claims in met:
            for c in claims:
                if c.source:
                    rows.setdefault((prompt_id, c.source), c.index)
        self.db.executemany(
            "INSERT OR IGNORE INTO prompt_documents (prompt_id, seen_as, source) SELECT prompt_id, source, ?2"
            " FROM prompt_claims WHERE prompt_id = ?1 AND idx = ?3 AND source IS NOT NULL",
            [(prompt_id, source, idx) for (prompt_id, source), idx in rows.items()])

    def _add_claims(self, prompt_id: int, claims: list) -> None:
        stamp = now()
        for c in claims:
            key = claim_key(c.text)
            self.db.execute(
                "INSERT OR IGNORE INTO claims (key, text, date, arxiv_ids, note_title, source, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, c.text, c.date, json.dumps(list(c.arxiv_ids)), c.note_title, c.source, stamp),
            )
            claim_id = self.db.execute("SELECT id FROM claims WHERE key = ?", (key,)).fetchone()[0]
            self.db.execute("INSERT OR IGNORE INTO prompt_claims (prompt_id, idx, claim_id, source) VALUES (?, ?, ?, ?)",
                            (prompt_id, c.index, claim_id, c.source))
        self._add_related([(prompt_id, c) for c in claims])

    def _add_related(self, claims: list) -> None:
        """Which newer papers each prompt supplied under which claim (--related): ``(prompt_id, claim)`` pairs."""
        rows = [(prompt_id, c.index, rank, json.dumps(p.model_dump(), ensure_ascii=False), p.arxiv_id, p.doi)
                for prompt_id, c in claims for rank, p in enumerate(getattr(c, "related", None) or [], start=1)]
        if rows:
            self.db.executemany("INSERT OR IGNORE INTO prompt_related (prompt_id, idx, rank, paper, arxiv_id, doi)"
                                " VALUES (?, ?, ?, ?, ?, ?)", rows)

    def prompt_related(self, prompt_id: int) -> list[dict]:
        """The related papers a prompt supplied: ``{claim, title, date, arxiv_id, doi, cited_by_count, retracted,
        cites, source}``, claim by claim, best first."""
        rows = self.db.execute("SELECT idx, paper FROM prompt_related WHERE prompt_id = ? ORDER BY idx, rank",
                               (prompt_id,)).fetchall()
        return [{"claim": idx, **json.loads(paper)} for idx, paper in rows]

    def find_prompt(self, ref: str) -> dict | None:
        """An archived prompt by its row ID, its SHA-256, or a unique prefix of it (8 hex digits or more)."""
        ref = ref.strip().lower()
        if ref.isdigit() and len(ref) < 19:
            row = self.db.execute("SELECT * FROM prompts WHERE id = ?", (int(ref),)).fetchone()
            return dict(row) if row else None
        if len(ref) < 8 or len(ref) > 64 or any(c not in "0123456789abcdef" for c in ref):
            return None
        rows = self.db.execute("SELECT * FROM prompts WHERE sha256 >= ? AND sha256 < ? LIMIT 2",
                               (ref, ref + "g")).fetchall()
        return dict(rows[0]) if len(rows) == 1 else None

    def prompt_claims(self, prompt_id: int) -> list[dict]:
        """The numbered claims a prompt sent: ``{index, text, date, arxiv_ids, source, note_title, claim_id}``."""
        rows = self.db.execute(
            "SELECT pc.idx, pc.source, c.id, c.text, c.date, c.arxiv_ids, c.note_title FROM prompt_claims pc"
            " JOIN claims c ON c.id = pc.claim_id WHERE pc.prompt_id = ? ORDER BY pc.idx", (prompt_id,)).fetchall()
        return [{"index": r["idx"], "text": r["text"], "date": r["date"], "arxiv_ids": json.loads(r["arxiv_ids"]),
                 "source": r["source"], "note_title": r["note_title"], "claim_id": r["id"]} for r in rows]

    # -- claims on jobs ----------------------------------------------------------
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
              force: bool = False, owner: str | None = None, api: str = "chat",
              run_id: int | None = None, endpoint_name: str | None = None) -> tuple[int | None, str]:
        """Reserve the job: ``(reply_id, "claimed")``, or ``(None, "done"|"busy"|"batched"|"background")``."""
        owner = owner or self.owner
        with self.transaction():
            if not force and self.done(prompt_id, params_sha256):
                return None, "done"
            pending = self.db.execute(
                "SELECT id, owner, heartbeat_at FROM replies WHERE prompt_id = ? AND params_sha256 = ?"
                " AND status = 'pending' ORDER BY id DESC LIMIT 1",
                (prompt_id, params_sha256),
            ).fetchone()
            if pending is not None and self._alive(pending["owner"], pending["heartbeat_at"]):
                held = pending["owner"] or ""
                return None, "batched" if held.startswith("batch:") else "background" if held.startswith(
                    "background:") else "busy"
            if pending is not None:
                self.db.execute("UPDATE replies SET owner = ?, heartbeat_at = ?, api = ?, run_id = ? WHERE id = ?",
                                (owner, now(), api, run_id, pending["id"]))
                return pending["id"], "claimed"
            cur = self.db.execute(
                "INSERT INTO replies (prompt_id, model, endpoint, params, params_sha256, status, owner,"
                " heartbeat_at, created_at, api, run_id, endpoint_name) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)",
                (prompt_id, model, endpoint, json.dumps(params, sort_keys=True), params_sha256, owner, now(), now(),
                 api, run_id, endpoint_name),
            )
            return cur.lastrowid, "claimed"

    def _alive(self, owner: str | None, heartbeat_at: str | None) -> bool:
        """Whether whoever claimed a job may still be working on it."""
        if not owner:
            return False
        if owner.startswith("batch:"):
            row = self.db.execute("SELECT collected_at, state FROM batches WHERE id = ?",
                                  (int(owner.split(":", 1)[1]),)).fetchone()
            return row is not None and row["collected_at"] is None and row["state"] != "abandoned"
        if owner.startswith("background:"):
            return self._background_open(int(owner.split(":", 1)[1]))
        if owner in _OPEN_OWNERS:
            return True  # this process holds it: the same prompt twice in one run
        if not heartbeat_at:
            return False
        host, pid, _ = (owner.split(":") + ["", ""])[:3]
        fresh = dt.datetime.now(dt.timezone.utc) - dt.datetime.fromisoformat(heartbeat_at) < STALE_AFTER
        if host == socket.gethostname() and pid.isdigit():
            if int(pid) == os.getpid():
                return False  # an earlier run that had our pid, now gone
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                pass
        return fresh

    def heartbeat(self) -> None:
        with self.transaction():
            self.db.execute("UPDATE replies SET heartbeat_at = ? WHERE owner = ? AND status = 'pending'",
                            (now(), self.owner))

    def attempt(self, reply_id: int, n: int, *, started_at: str, latency_ms: int | None, outcome: str,
                status_code: int | None = None, error: str | None = None) -> bool:
        """Record an attempt; whether it was recorded. An ``ok`` attempt is the one whose reply is kept: the
        archive holds one per reply (a unique index), so a second is ignored and False is returned."""
        from ..util.redact import scrub

        with self.transaction():
            cur = self.db.execute(
                f"INSERT {'OR IGNORE ' if outcome == 'ok' else ''}INTO attempts (reply_id, n, started_at,"
                " latency_ms, outcome, status_code, error, kept) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (reply_id, n, started_at, latency_ms, outcome, status_code, scrub(error) if error else None,
                 1 if outcome == "ok" else None),
            )
            if not cur.rowcount:
                return False
            self.db.execute("UPDATE replies SET attempts = attempts + 1, heartbeat_at = ? WHERE id = ?",
                            (now(), reply_id))
            return True

    def complete(self, reply_id: int, *, reply: str, finish_reason: str | None, usage: dict | None,
                 latency_ms: int | None, reasoning: str | None = None, note: str | None = None,
                 sources: list[dict] | None = None) -> bool:
        """Store a whole reply and its sources, together; whether it was stored (False: the reply is no longer
        pending — another run stored it). ``usage`` is normalised (see ``protocols.usage``)."""
        reply, fixed = valid_text(reply)
        reasoning, _ = valid_text(reasoning)
        usage = usage or {}
        note = "; ".join(n for n in (note, fixed, usage.get("note")) if n) or None
        with self.transaction():
            cur = self.db.execute(
                "UPDATE replies SET status = 'ok', reply = ?, finish_reason = ?, prompt_tokens = ?,"
                " completion_tokens = ?, total_tokens = ?, reasoning_tokens = ?, cached_tokens = ?,"
                " usage_estimated = ?, latency_ms = ?, reasoning = ?, note = ?, error = NULL, owner = NULL,"
                " finished_at = ? WHERE id = ? AND status = 'pending'",
                (reply, finish_reason, usage.get("prompt_tokens"), usage.get("completion_tokens"),
                 usage.get("total_tokens"), usage.get("reasoning_tokens"), usage.get("cached_tokens"),
                 int(bool(usage.get("estimated"))), latency_ms, reasoning, note, now(), reply_id),
            )
            if sources and cur.rowcount:
                self.add_sources(reply_id, sources)
            return bool(cur.rowcount)

    def set_usage(self, reply_id: int, usage: dict) -> None:
        """Token counts made after the reply was stored (estimated locally when the server sent none)."""
        with self.transaction():
            self.db.execute(
                "UPDATE replies SET prompt_tokens = ?, completion_tokens = ?, total_tokens = ?, usage_estimated = ?"
                " WHERE id = ?",
                (usage.get("prompt_tokens"), usage.get("completion_tokens"), usage.get("total_tokens"),
                 int(bool(usage.get("estimated"))), reply_id))

    def fail(self, reply_id: int, error: str) -> None:
        from ..util.redact import scrub

        with self.transaction():
            self.db.execute(
                "UPDATE replies SET status = 'failed', error = ?, owner = NULL, finished_at = ?"
                " WHERE id = ? AND status = 'pending'",
                (scrub(error), now(), reply_id),
            )

    def release(self, reply_id: int, why: str | None = None) -> None:
        """Give a claim back (an interrupted run): the next run takes it over at once; until then the row
        says why it has no reply."""
        with self.transaction():
            self.db.execute("UPDATE replies SET owner = NULL, error = ? WHERE id = ? AND status = 'pending'",
                            (why or "the run was stopped before its reply came; the next run sends it", reply_id))

    # -- runs --------------------------------------------------------------------
    def start_run(self, command: str, *, endpoint: str | None, models: list[str], ceiling: int | None) -> int:
        with self.transaction():
            return self.db.execute(
                "INSERT INTO runs (command, started_at, endpoint, models, concurrency_ceiling) VALUES (?, ?, ?, ?, ?)",
                (command, now(), endpoint, json.dumps(models), ceiling)).lastrowid

    def finish_run(self, run_id: int, *, lowest: int | None = None, final: int | None = None,
                   note: str | None = None) -> None:
        with self.transaction():
            self.db.execute("UPDATE runs SET finished_at = ?, concurrency_lowest = ?, concurrency_final = ?,"
                            " note = ? WHERE id = ?", (now(), lowest, final, note, run_id))

    def run(self, run_id: int) -> dict | None:
        row = self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return dict(row) if row else None
