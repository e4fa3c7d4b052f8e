"""What is done once with each reply as it is stored, by ``send``, ``send --background``, ``batch collect`` and
``batch import`` alike, and by the one-time reading of an older archive."""

from __future__ import annotations


def arrived(archive, reply_id: int) -> dict:
    """What is done once with a reply as it is stored: its verdicts read (``check.arrival.record``), its report
    page made. A page that cannot be made is made by the report instead: the reply is never at stake."""
    from ..archive.connection import is_storage_failure
    from ..check.arrival import record
    from .report import make_reply_page

    found = record(archive, reply_id)
    try:
        make_reply_page(archive, reply_id)
    except Exception as exc:  # noqa: BLE001
        if is_storage_failure(exc):
            raise
    return found


def after_reply():
    """Each reply's arXiv IDs and verdicts, read once as it is stored (on the archive's writer thread), and its
    page for the report made: a run's ``after_reply`` hook."""
    return lambda archive, outcome: arrived(archive, outcome.reply_id)
