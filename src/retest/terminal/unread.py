"""Replies archived before verdicts were read at arrival: read once, with a progress bar, before a read command."""

from __future__ import annotations

import sqlite3


def read_unread(archive) -> None:
    """Read the verdicts of replies nobody has read yet (an older archive's, once), and again those of replies
    checked before something was learned about a paper they cite; quiet when there are none.

    An archive that cannot take the writes (read-only, full, locked) is shown as it is, with one line saying so.
    """
    from .messages import warn

    if archive.readonly:
        return
    if not archive.count_unread():
        from .facts import settle

        settle(archive)  # replies checked before something was learned about a paper they cite
        return
    from ..archive import ArchiveError
    from ..check.arrival import catch_up
    from ..results.arrival import arrived
    from .progress import Catching

    with Catching("reading the verdicts of replies archived earlier (once)") as bar:
        bar.update(0, archive.count_unread())
        try:
            # as on arrival: verdicts read and each reply's report page made
            catch_up(archive, on_progress=bar.update, read=arrived)
        except (sqlite3.Error, ArchiveError) as exc:
            warn(f"could not store the verdicts of older replies ({exc}); showing what the archive holds")
            return
    from .facts import settle

    settle(archive)
