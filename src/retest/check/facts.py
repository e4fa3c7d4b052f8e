"""What is learned about a paper holds for every reply citing it.

A look-up answers a question about a paper, not about one reply: arXiv has no
such paper, or its title is this; OpenAlex marks it retracted. Those answers
are kept once per paper in the archive (``arxiv_cache``, ``related_works``),
whichever command asked (``check --online``, ``claims``/``report``/``send
--check`` with ``--online``, ``related``, ``--related``). Every check of an
archived reply folds in what is known, whatever its age (``reply.fold``); and a reply checked
before something about a paper it cites was learned is checked again
(``settle``) before ``claims`` and ``report`` read the ledger — so the ledger
itself stays a read of stored rows.

What a fact means is derived per reply: a paper not found or retracted is
suspect wherever it is cited; a real paper is ``title-mismatch`` only in a
reply that gave it another paper's title.
"""

from __future__ import annotations

from collections.abc import Callable


def settle(archive, read: Callable[[object, int], object] | None = None,
           on_progress: Callable[[int, int], None] | None = None, group: int = 50) -> int:
    """Check again every reply whose verdicts predate something learned about a paper it cites; how many.

    ``read(archive, reply_id)`` re-reads one reply (``check.arrival.record`` unless the caller also remakes its
    page); ``on_progress(done, total)`` is called before the first and after each group. Only look-ups made
    since the last settling are weighed (``Archive.stale_replies``).
    """
    from .arrival import record

    if archive.readonly:
        return 0
    read = read or record
    ids, mark = archive.stale_replies()
    if on_progress and ids:
        on_progress(0, len(ids))
    for start in range(0, len(ids), group):
        with archive.transaction():
            for reply_id in ids[start : start + group]:
                read(archive, reply_id)
        if on_progress:
            on_progress(min(start + group, len(ids)), len(ids))
    if mark is not None:
        archive.settled(mark)  # not reached when reading failed: then the same replies are tried again next time
    return len(ids)
