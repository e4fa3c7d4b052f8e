"""Result lines into the archive: every line a received reply stored, or a problem recorded on its request.

A batch's replies are paid for before retest sees them, so nothing in a line —
an error code that is a number, content that is an object, a usage count past
2**63, nesting thousands deep, lone surrogates — may stop the others from
being stored. Each line is read by ``api.result`` (total: its fields are
checked, never trusted), stored inside its own savepoint, and a failure to
store one is recorded on that request; only a storage failure of the archive
itself (a full disk) stops the group, with one line — the results stay on the
server, and the next ``batch collect`` stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..archive import Archive, valid_text
from ..archive.connection import is_storage_failure, sqlite_problem
from ..errors import RetestError
from ..send.protocols import IncompleteReply, Received, ReplyFailed, check_text
from ..send.protocols import get as protocol
from .api import custom_id_in, result
from .costs import BatchPrices

USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens", "reasoning_tokens", "cached_tokens")


@dataclass
class Collected:
    replies: int = 0
    failed: list[str] = field(default_factory=list)  # one line each: what and why
    unknown: list[str] = field(default_factory=list)  # custom_ids matching no request here
    unreadable: int = 0
    already: int = 0
    batches: list[dict] = field(default_factory=list)


def _lenient(body: dict, api: str) -> Received | None:
    """The text of a reply whose shape the protocol did not expect, when there is text to find."""
    texts: list[str] = []
    if api == "responses":
        outputs = body.get("output")
        for item in outputs if isinstance(outputs, list) else []:
            content = item.get("content") if isinstance(item, dict) else None
            parts = content if isinstance(content, list) else [content]
            texts += [p.get("text") if isinstance(p, dict) else p for p in parts]
    else:
        choices = body.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
        message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
        content = message.get("content")
        parts = content if isinstance(content, list) else [content]
        texts += [p.get("text") if isinstance(p, dict) else p for p in parts]
    text = "".join(t for t in texts if isinstance(t, str))
    return Received(text, "stop", None) if text.strip() else None


def _usage(usage) -> tuple[dict | None, str | None]:
    """Counts SQLite can hold; the rest dropped, with a note (the protocol's own note on odd values kept)."""
    from ..util.jsonsafe import storable_int

    if not isinstance(usage, dict):
        return None, None
    kept = {k: v for k, v in usage.items() if k != "note"}  # reported cost and searches price the reply
    kept |= {k: storable_int(usage.get(k)) for k in USAGE_KEYS}
    dropped = [k for k in USAGE_KEYS if usage.get(k) is not None and kept[k] is None]
    kept["estimated"] = bool(usage.get("estimated"))
    odd = [usage["note"]] if isinstance(usage.get("note"), str) and usage["note"] else []
    if dropped or any(k in n for n in odd for k in USAGE_KEYS):
        odd.insert(0, "token counts not stored (not a count SQLite holds)"
                   + (f": {', '.join(dropped)}" if dropped else ""))
    return kept, "; ".join(odd) or None


def _read(body: dict, api: str) -> tuple[Received | None, str | None, str | None]:
    """``(reply, note, error)`` of a 200 body: total."""
    try:
        received = protocol(api).parse(body)
        if not isinstance(received.text, str) or not isinstance(received.reasoning, str | None):
            raise TypeError("reply text is not a string")
        if not isinstance(received.finish, str | None):
            received.finish = None
        return check_text(received, None), None, None
    except ReplyFailed as exc:
        return None, None, str(exc)
    except IncompleteReply as exc:  # a whole body that lacks a part (a finish reason): its text still counts
        found = _lenient(body, api)
        return (found, f"kept though {exc}", None) if found is not None else (None, None, str(exc))
    except Exception as exc:  # noqa: BLE001 — an unexpected shape: keep what text there is
        found = _lenient(body, api)
        if found is None:
            return None, None, f"the reply could not be read ({type(exc).__name__}); nothing to store"
        return found, f"the reply had an unexpected shape ({type(exc).__name__}); its text was kept", None


def _store(archive: Archive, rid: int, started: str, received: Received, note: str | None) -> dict | None:
    """Store the reply with its sources; its usage as stored."""
    text, fixed = valid_text(received.text)
    reasoning, _ = valid_text(received.reasoning)
    usage, usage_note = _usage(received.usage)
    note = "; ".join(n for n in (note, getattr(received, "note", None), fixed, usage_note) if n) or None
    archive.attempt(rid, 1, started_at=started, latency_ms=None, outcome="ok")
    archive.complete(rid, reply=text, finish_reason=received.finish, usage=usage, latency_ms=None,
                     reasoning=reasoning, note=note, sources=getattr(received, "sources", None) or [])
    return usage


def _fail(archive: Archive, rid: int, started: str, label: str, error: str) -> None:
    error, _ = valid_text(error)
    archive.attempt(rid, 1, started_at=started, latency_ms=None, outcome="failed", error=error)
    archive.fail(rid, f"{label}: {error}")


def _one(archive: Archive, line: str, done: Collected, label: str, touched: set[int], prices: BatchPrices,
         after_reply: Callable[[Archive, int], object] | None) -> bool:
    """One line; returns whether it changed the archive."""
    try:
        cid, body, error = result(line)
    except ValueError as exc:
        cid, body, error = custom_id_in(line), None, f"its result line could not be read ({exc})"
        if cid is None:
            done.unreadable += 1
            return False
    request = archive.batch_request(cid)
    if request is None or not cid.endswith(request["prompt_sha256"][:12]):
        done.unknown.append(cid[:80])
        return False
    touched.add(request["batch_id"])
    if request["status"] != "pending":
        done.already += 1
        return False
    rid = request["reply_id"]
    batch = archive.batch(request["batch_id"])
    received = note = usage = None
    stored = False
    if error is None:
        received, note, error = _read(body, batch["api"])
    archive.db.execute("SAVEPOINT result_line")
    try:
        if error is None:
            usage = _store(archive, rid, batch["created_at"], received, note)
            stored = True
            done.replies += 1
        else:
            _fail(archive, rid, batch["created_at"], label, error)
            done.failed.append(f"{cid}: {error}")
    except Exception as exc:  # noqa: BLE001 — this line's problem, recorded on its request
        archive.db.execute("ROLLBACK TO result_line")
        if is_storage_failure(exc):
            raise
        error = f"it could not be stored ({type(exc).__name__}: {exc})"
        _fail(archive, rid, batch["created_at"], label, error)
        done.failed.append(f"{cid}: {error}")
        stored = False
    finally:
        archive.db.execute("RELEASE result_line")
    if stored:  # the reply is stored: what it cost, and its verdicts, may fail without losing it
        try:
            archive.set_cost(rid, prices.cost(batch, usage))
        except Exception as exc:  # noqa: BLE001 — a price is never worth a reply
            if is_storage_failure(exc):
                raise
        if after_reply is not None:
            after_reply(archive, rid)
    return True


def apply_lines(archive: Archive, lines: Iterable[str], done: Collected, label: str,
                after_reply: Callable[[Archive, int], object] | None = None) -> set[int]:
    """Archive every result line once; return the local batches the lines belonged to.

    ``after_reply(archive, reply_id)`` runs as each reply is stored, in the same transaction (reading its
    verdicts: see ``check.arrival``).
    """
    import sqlite3

    prices = BatchPrices()
    touched: set[int] = set()
    count = 0
    try:
        archive.db.execute("BEGIN IMMEDIATE")
        try:
            for line in lines:
                count += _one(archive, line, done, label, touched, prices, after_reply)
                if count >= 100:  # short transactions: a `send` on the same archive never waits long
                    archive.db.execute("COMMIT")
                    archive.db.execute("BEGIN IMMEDIATE")
                    count = 0
            archive.db.execute("COMMIT")
        except BaseException:
            if archive.db.in_transaction:
                archive.db.execute("ROLLBACK")  # lines of this group are read again next time: nothing lost
            raise
    except sqlite3.Error as exc:
        if not is_storage_failure(exc) and "locked" not in str(exc):
            raise
        raise RetestError(f"{archive.path}: cannot store the results of {label}: {sqlite_problem(exc)}; they stay "
                          "with the provider — run the same command again once that is fixed") from None
    return touched
