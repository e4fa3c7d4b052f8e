"""Verdicts and citations read once, when a reply is stored, so that the ledger and the report only read tables.

``record`` is called where replies are stored — on ``send``'s archive
writer thread (through its ``after_reply`` hook), in ``batch collect`` and
``batch import`` — with the archive and the stored reply's id. It never
loses the reply: whatever the reply holds, it stores either what was read or
a note saying why nothing could be. ``catch_up`` reads, once, the replies an
older retest archived without reading them.
"""

from __future__ import annotations

from collections.abc import Callable

from ..archive.connection import is_storage_failure


def record(archive, reply_id: int) -> dict:
    """Read the stored reply ``reply_id`` (its cited arXiv IDs and its verdict block) and store what was found.

    Runs inside the caller's transaction when there is one (a savepoint keeps a failed read from leaving
    half its rows). Returns ``{suspect, verdicts, claims}`` counts for a run's summary.
    """
    from .reply import check_archived

    with archive.transaction() as db:
        db.execute("SAVEPOINT arrival")
        try:
            report = check_archived(archive, reply_id)
        except Exception as exc:  # noqa: BLE001 — odd text must never cost the reply: say why, and go on
            db.execute("ROLLBACK TO arrival")
            db.execute("RELEASE arrival")
            if is_storage_failure(exc):
                raise
            note = f"its verdicts could not be read: {type(exc).__name__}: {str(exc)[:200]}"
            archive.save_claim_verdicts(reply_id, [], note.encode("utf-8", "replace").decode("utf-8"))
            return {"suspect": 0, "verdicts": 0, "claims": 0}
        db.execute("RELEASE arrival")
    return {"suspect": report.suspect_count, "verdicts": sum(1 for c in report.claims if c.status),
            "claims": len(report.claims)}


def catch_up(archive, on_progress: Callable[[int, int], None] | None = None, group: int = 50,
             read: Callable[[object, int], object] | None = None) -> int:
    """Read every reply whose verdicts were never read, ``group`` to a transaction; returns how many.

    ``on_progress(done, total)`` is called after each group; ``read(archive, reply_id)`` does the reading
    (``record`` unless the caller does more with each reply, as on arrival). An archive that cannot be written
    is left as it is (its unread replies then show no verdicts).
    """
    read = read or record
    if archive.readonly:
        return 0
    total = archive.count_unread()
    done = 0
    while done < total:
        ids = archive.unread(group)
        if not ids:
            break
        with archive.transaction():
            for reply_id in ids:
                read(archive, reply_id)
        done += len(ids)
        if on_progress:
            on_progress(min(done, total), total)
    return done
