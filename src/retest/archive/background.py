"""Background responses: which reply waits on which remote response, and how far its creation got.

A reply sent in background mode is held by its record (owner
``background:REPLY``) until the response has ended, so that no other run sends
the prompt again. Each step is recorded before it is taken:

- ``new``: the intent is recorded (a key the create call carries as metadata);
  nothing has been sent, or the last create was refused;
- ``creating``: a create call is in flight; if the run dies now, nobody knows
  whether the provider made the response, so the next run looks for it by its
  key before anything else;
- ``open``: the provider's response id is recorded; polling it is all that is left;
- ``unknown``: a create whose outcome could not be learnt; it is never sent
  again unless asked;
- ``ended``: completed (the reply is archived), or failed, cancelled,
  incomplete, gone — the reply is failed with the reason.
"""

from __future__ import annotations

import os

from .connection import now

HOLDING = ("new", "creating", "open", "unknown")  # a record in these states holds its prompt
REMOTE_FAILURES = ("failed", "cancelled", "incomplete", "gone")
# the statuses the Responses API defines, and the one recorded here for a create given up as unknown: any
# other a provider answered (``expired``) ended the response there, and holds its prompt like a failure
_KNOWN = ("queued", "in_progress", "completed", "failed", "cancelled", "incomplete", "unknown")

_SELECT = (
    "SELECT b.*, r.model, r.status AS reply_status, r.params, r.params_sha256, r.prompt_id, r.error,"
    " p.source, p.sha256 AS prompt_sha256 FROM background_responses b JOIN replies r ON r.id = b.reply_id"
    " JOIN prompts p ON p.id = r.prompt_id"
)


def owner_of(reply_id: int) -> str:
    return f"background:{reply_id}"


class Background:
    # -- deciding what to do with a prompt -------------------------------------------------
    def background_plan(self, prompt_sha256: str, params_sha256: str, *, force: bool = False,
                        retry_failed: bool = False, resend_unknown: bool = False) -> tuple[str, int | None, dict | None]:
        """What a background send does with this prompt: ``(action, reply_id, record)``.

        ``claim`` (send it as usual), ``poll`` (its response is open), ``create``
        (an intent nothing was sent for, taken over), ``lost`` (a create left in
        flight by a run that died: look for it first), ``busy`` (another run is
        creating it), ``unknown`` (its create's outcome is unknown), ``held``
        (its response ended without a reply; re-sent only with ``retry_failed``).
        """
        with self.transaction():
            row = self.db.execute(
                "SELECT r.id AS rid, r.status AS reply_status, b.* FROM replies r JOIN prompts p ON p.id = r.prompt_id"
                " LEFT JOIN background_responses b ON b.reply_id = r.id"
                " WHERE p.sha256 = ? AND r.params_sha256 = ? ORDER BY r.id DESC LIMIT 1",
                (prompt_sha256, params_sha256)).fetchone()
            if row is None or row["intent"] is None or row["reply_status"] == "ok":
                return "claim", None, None
            record, reply_id = dict(row), row["rid"]
            if row["reply_status"] == "failed":
                # it reached the provider (made, so maybe billed: even one that completed without text, or one
                # in a status the API does not define), or was cancelled here
                held = (row["status"] in REMOTE_FAILURES or row["response_id"] is not None
                        or (row["status"] is not None and row["status"] not in _KNOWN))
                return ("held", reply_id, record) if held and not (retry_failed or force) else ("claim", None, None)
            state = row["state"]
            if state == "open":
                return "poll", reply_id, record
            if state in ("new", "creating"):
                if self._alive(row["creator"], row["heartbeat_at"]):
                    return "busy", reply_id, record
                self.db.execute("UPDATE background_responses SET creator = ?, heartbeat_at = ? WHERE reply_id = ?",
                                (self.owner, now(), reply_id))
                self.db.execute("UPDATE replies SET owner = ? WHERE id = ?", (owner_of(reply_id), reply_id))
                return ("create" if state == "new" else "lost"), reply_id, record
            if state == "unknown":
                if not resend_unknown:
                    return "unknown", reply_id, record
                self.background_end(reply_id, "unknown", record["reason"],
                                    error="the create's outcome was unknown; sent again on request (--resend-unknown)")
            return "claim", None, None

    def background_intent(self, reply_id: int, endpoint: str) -> dict:
        """Record the intent for a claimed reply (before anything is sent) and hand the reply to it."""
        with self.transaction():
            stamp = now()
            self.db.execute(
                "INSERT INTO background_responses (reply_id, intent, state, creator, heartbeat_at, endpoint, created_at)"
                " VALUES (?, ?, 'new', ?, ?, ?, ?)",
                (reply_id, f"retest-{os.urandom(12).hex()}", self.owner, stamp, endpoint, stamp))
            self.db.execute("UPDATE replies SET owner = ? WHERE id = ? AND status = 'pending'",
                            (owner_of(reply_id), reply_id))
            return self.background_record(reply_id)

    def _background_open(self, reply_id: int) -> bool:
        """Whether a reply owned by its background record is still held by it (see ``Jobs._alive``)."""
        row = self.db.execute("SELECT state FROM background_responses WHERE reply_id = ?", (reply_id,)).fetchone()
        return row is not None and row["state"] in HOLDING

    # -- the steps ---------------------------------------------------------------------------
    def _set(self, reply_id: int, **fields) -> None:
        columns = ", ".join(f"{k} = ?" for k in fields)
        with self.transaction():
            self.db.execute(f"UPDATE background_responses SET {columns} WHERE reply_id = ?",
                            (*fields.values(), reply_id))

    def background_creating(self, reply_id: int) -> bool:
        """A create call is about to be sent: from here its outcome is unknown until it answers. False (and
        nothing may be sent) when the record is no longer a pending intent: cancelled meanwhile."""
        with self.transaction():
            return bool(self.db.execute(
                "UPDATE background_responses SET state = 'creating', heartbeat_at = ? WHERE reply_id = ?"
                " AND state = 'new' AND cancel_requested = 0"
                " AND EXISTS (SELECT 1 FROM replies r WHERE r.id = reply_id AND r.status = 'pending')",
                (now(), reply_id)).rowcount)

    def background_refused(self, reply_id: int, reason: str) -> None:
        """The create was answered with an error: nothing was made, and it may be sent again."""
        with self.transaction():
            self.db.execute("UPDATE background_responses SET state = 'new', reason = ?, heartbeat_at = ?"
                            " WHERE reply_id = ? AND state = 'creating'", (_clean(reason), now(), reply_id))

    def background_submitted(self, reply_id: int, response_id: str, status: str | None) -> bool:
        """The provider's id, recorded whatever happened meanwhile; whether a cancel was asked for while the
        create was in flight (then it is to be cancelled at the provider now)."""
        with self.transaction():
            self._set(reply_id, state="open", response_id=response_id, status=status, reason=None,
                      submitted_at=now())
            row = self.db.execute("SELECT cancel_requested FROM background_responses WHERE reply_id = ?",
                                  (reply_id,)).fetchone()
            return bool(row and row["cancel_requested"])

    def background_cancel_unsent(self, reply_id: int) -> str:
        """Cancel a response whose id is not known, atomically against the run creating it.

        ``remote`` (its id is known: cancel it at the provider), ``ended`` (nothing left to cancel),
        ``cancelled`` (never sent: given up here), ``requested`` (another run is inside its create call: the
        cancel is recorded, and that run sends it to the provider as soon as the id arrives), ``given-up``
        (its create's outcome is unknown: given up here; if the provider made it, cancel it there).
        """
        with self.transaction():
            row = self.db.execute(
                "SELECT b.*, r.status AS reply_status FROM background_responses b JOIN replies r ON r.id = b.reply_id"
                " WHERE b.reply_id = ?", (reply_id,)).fetchone()
            if row is None or row["reply_status"] != "pending" or row["state"] == "ended":
                return "ended"
            if row["response_id"]:
                return "remote"
            if row["state"] == "new":
                reason = "cancelled before it was sent"
                self.background_end(reply_id, "cancelled", reason, error=reason)
                return "cancelled"
            if row["state"] == "creating" and self._alive(row["creator"], row["heartbeat_at"]):
                self._set(reply_id, cancel_requested=1)
                return "requested"
            reason = ("given up on request; its create's outcome was unknown, so if the provider made it, "
                      "cancel it there")
            self.background_end(reply_id, "cancelled", reason, error=reason)
            return "given-up"

    def background_cancel_sent(self, reply_id: int) -> None:
        """The cancel asked for while the create was in flight has been sent to the provider."""
        self._set(reply_id, cancel_requested=0)

    def background_reopen(self, reply_id: int) -> bool:
        """A reply given up here whose response completed after all: pending again, so that its paid text is
        stored (never dropped). Whether it is pending now."""
        with self.transaction():
            self.db.execute("UPDATE replies SET status = 'pending', error = NULL, finished_at = NULL, owner = ?,"
                            " heartbeat_at = ? WHERE id = ? AND status = 'failed'", (self.owner, now(), reply_id))
            return self.background_pending(reply_id)

    def background_polled(self, reply_id: int, status: str | None, reason: str | None = None) -> None:
        with self.transaction():
            self.db.execute("UPDATE background_responses SET status = coalesce(?, status), reason = ?, polled_at = ?,"
                            " polls = polls + 1 WHERE reply_id = ?", (status, _clean(reason), now(), reply_id))

    def background_unknown(self, reply_id: int, reason: str) -> None:
        self._set(reply_id, state="unknown", reason=_clean(reason))

    def background_end(self, reply_id: int, status: str | None, reason: str | None, error: str | None = None) -> None:
        """The response has ended; with ``error`` its reply fails (it can then be sent again)."""
        with self.transaction():
            self._set(reply_id, state="ended", status=status, reason=_clean(reason), ended_at=now())
            if error is not None:
                self.fail(reply_id, error)

    # -- reading -------------------------------------------------------------------------
    def background_record(self, reply_id: int) -> dict | None:
        row = self.db.execute(f"{_SELECT} WHERE b.reply_id = ?", (reply_id,)).fetchone()
        return dict(row) if row else None

    def background_records(self, *, pending: bool = True, endpoint: str | None = None) -> list[dict]:
        """Records oldest first; ``pending``: those still holding a reply that has not arrived."""
        where, args = [], []
        if pending:
            where.append(f"b.state IN ({', '.join('?' * len(HOLDING))}) AND r.status = 'pending'")
            args += HOLDING
        if endpoint:
            where.append("b.endpoint = ?")
            args.append(endpoint)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return [dict(r) for r in self._read(f"{_SELECT}{clause} ORDER BY b.reply_id", args)]

    def background_find(self, name: str) -> dict | None:
        """A record by its provider id (``resp_…``) or its reply's number."""
        rows = self._read(f"{_SELECT} WHERE b.response_id = ?", (name,))
        if not rows and name.isascii() and name.isdigit() and len(name) < 19:
            rows = self._read(f"{_SELECT} WHERE b.reply_id = ?", (int(name),))
        return dict(rows[0]) if rows else None

    def background_pending(self, reply_id: int) -> bool:
        """Whether the reply still waits (another process may have archived it meanwhile)."""
        row = self.db.execute("SELECT status FROM replies WHERE id = ?", (reply_id,)).fetchone()
        return row is not None and row["status"] == "pending"


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    from ..util.redact import scrub

    return scrub(str(text))[:2000]
