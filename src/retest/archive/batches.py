"""Batches: which prompt is in which provider batch (or exported request file), and how far each got.

A batch's prompts are claimed by the batch (owner ``batch:ID``) from the moment
they are written to its request file until the batch is collected, so a
normal ``send`` and a second ``batch submit`` leave them alone. Every remote
step is recorded as an intent before it is taken (``writing`` → ``written``
→ ``uploading`` → ``uploaded`` → ``creating`` → ``submitted``), so a run killed
at any point is finished, not repeated, by the next one.
"""

from __future__ import annotations

import json
import os

from .connection import now

OPEN_STATES = ("writing", "written", "uploading", "uploaded", "creating", "submitted", "exported")
REMOTE_ENDED = ("completed", "failed", "expired", "cancelled")


class Batches:
    def new_batch(self, *, endpoint: str, api: str, url: str, model: str, params_sha256: str,
                  state: str = "writing", input_path: str | None = None) -> int:
        stamp = now()
        with self.transaction():
            return self.db.execute(
                "INSERT INTO batches (intent, endpoint, api, url, model, params_sha256, state, input_path, requests,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (f"retest-{os.urandom(8).hex()}", endpoint, api, url, model, params_sha256, state, input_path, stamp,
                 stamp)).lastrowid

    def set_batch(self, batch_id: int, **fields) -> None:
        if "counts" in fields and not isinstance(fields["counts"], str | type(None)):
            fields["counts"] = json.dumps(fields["counts"])
        fields["updated_at"] = now()
        columns = ", ".join(f"{k} = ?" for k in fields)
        with self.transaction():
            self.db.execute(f"UPDATE batches SET {columns} WHERE id = ?", (*fields.values(), batch_id))

    def add_batch_request(self, batch_id: int, custom_id: str, reply_id: int, prompt_id: int) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO batch_requests (custom_id, batch_id, reply_id, prompt_id) VALUES (?, ?, ?, ?)",
                            (custom_id, batch_id, reply_id, prompt_id))
            self.db.execute("UPDATE batches SET requests = requests + 1 WHERE id = ?", (batch_id,))

    def batch(self, batch_id: int) -> dict | None:
        rows = self._read("SELECT * FROM batches WHERE id = ?", (batch_id,))
        return _batch(rows[0]) if rows else None

    def find_batch(self, name: str) -> dict | None:
        """A batch by its provider ID (``batch_…``) or its number here."""
        rows = self._read("SELECT * FROM batches WHERE remote_id = ?", (name,))
        if not rows and name.isascii() and name.isdigit() and len(name) < 19:
            rows = self._read("SELECT * FROM batches WHERE id = ?", (int(name),))
        return _batch(rows[0]) if rows else None

    def batches(self, *, open_only: bool = False, endpoint: str | None = None) -> list[dict]:
        where, args = [], []
        if open_only:
            where.append("collected_at IS NULL AND state != 'abandoned'")
        if endpoint:
            where.append("endpoint = ?")
            args.append(endpoint)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return [_batch(r) for r in self._read(f"SELECT * FROM batches{clause} ORDER BY id", args)]

    def batch_request(self, custom_id: str) -> dict | None:
        rows = self._read(
            "SELECT br.*, r.status, r.model, r.params_sha256, p.sha256 AS prompt_sha256 FROM batch_requests br"
            " JOIN replies r ON r.id = br.reply_id JOIN prompts p ON p.id = br.prompt_id WHERE br.custom_id = ?",
            (custom_id,))
        return dict(rows[0]) if rows else None

    def pending_of_batch(self, batch_id: int) -> list[dict]:
        """Requests of the batch whose reply has not arrived (or failed) yet."""
        rows = self._read(
            "SELECT br.custom_id, br.reply_id, br.prompt_id FROM batch_requests br JOIN replies r ON r.id = br.reply_id"
            " WHERE br.batch_id = ? AND r.status = 'pending' ORDER BY br.reply_id", (batch_id,))
        return [dict(r) for r in rows]

    def batch_outcomes(self, batch_id: int) -> dict[str, int]:
        rows = self._read(
            "SELECT r.status, count(*) FROM batch_requests br JOIN replies r ON r.id = br.reply_id"
            " WHERE br.batch_id = ? GROUP BY r.status", (batch_id,))
        return {r[0]: r[1] for r in rows}

    def failed_of_batch(self, batch_id: int) -> list[dict]:
        rows = self._read(
            "SELECT br.custom_id, r.id AS reply_id, p.source, r.error FROM batch_requests br"
            " JOIN replies r ON r.id = br.reply_id JOIN prompts p ON p.id = br.prompt_id"
            " WHERE br.batch_id = ? AND r.status = 'failed' ORDER BY r.id", (batch_id,))
        return [dict(r) for r in rows]

    def release_batch(self, batch_id: int, state: str = "abandoned", error: str | None = None) -> None:
        """Give the batch's unanswered prompts back: the next ``send`` or ``batch submit`` takes them.

        Their rows end as failed, with the batch's reason: nothing waits on them any more, and a row
        left pending with no reply and no reason would look as if something still did."""
        from ..util.redact import scrub

        why = f"not sent: batch {batch_id} {'was given up' if state == 'abandoned' else state}"
        why += f" ({error}); send it again" if error else "; send it again"
        with self.transaction():
            self.db.execute("UPDATE replies SET owner = NULL, status = 'failed', error = ?, finished_at = ?"
                            " WHERE owner = ? AND status = 'pending'", (scrub(why), now(), f"batch:{batch_id}"))
            self.set_batch(batch_id, state=state, error=error, collected_at=now())


def _batch(row) -> dict:
    rec = dict(row)
    rec["counts"] = json.loads(rec["counts"]) if rec.get("counts") else {}
    return rec
