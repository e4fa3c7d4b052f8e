"""``--online`` on ``claims``, ``report`` and ``send --check``: look the cited papers up, say in one line each what
could not be, and bring every reply citing them up to date."""

from __future__ import annotations


def look_up(archive, run_id: int | None = None, paths: list[str] | None = None, source: str | None = None) -> None:
    """Look up the papers the archived replies cite — one run's replies with ``run_id``; those answering the
    claims of ``paths`` or of documents matching ``source``; else all — and, for retractions, those claims' own
    papers too; then check again every reply something new was learned about. Never fails: a look-up that
    cannot be made is a warning, and what the archive knows is shown."""
    from ..check.online import learn
    from .messages import warn

    if archive.readonly:
        warn(f"warning: --online: {archive.path} cannot be written; showing what it holds")
        return
    claim_ids = None
    if paths:
        from ..results.ledger import claims_of_documents

        keys = [c["key"] for c in claims_of_documents(paths)]  # a document that cannot be read is said later
        claim_ids = sorted(c["claim_id"] for c in archive.claims_by_key(keys).values())
    cited = archive.cited_papers(run_id, source_like=source, claim_ids=claim_ids)
    own = archive.claim_papers(source, claim_ids) if run_id is None else []
    for problem in learn(archive, cited, sorted(set(cited) | set(own))):
        warn(f"warning: {problem}; going on with what the archive holds")
    settle(archive)


def settle(archive) -> None:
    """Check again the replies whose verdicts predate a fact about a paper they cite (their pages remade too); a
    progress bar on a terminal when there are many."""
    import sqlite3

    from ..archive import ArchiveError
    from ..check.facts import settle as recheck
    from ..results.arrival import arrived
    from .messages import warn
    from .progress import Catching

    bar = Catching("checking again the replies citing papers looked up since")
    try:
        with bar:
            recheck(archive, read=arrived, on_progress=bar.update)
    except (sqlite3.Error, ArchiveError) as exc:
        warn(f"could not bring the verdicts up to date with what is known about their papers ({exc}); "
             "showing what the archive holds")
