"""The SQLite archive: every prompt, every attempt, every reply — nothing received is lost.

Split by concern: ``connection`` (opening, schema and migrations), ``jobs``
(claims that keep runs from sending anything twice, and the write path of
replies), ``queries`` (reading back), ``ledger`` (claims and the verdicts
replies give on them), ``batches`` (which prompt is in which provider batch),
``background`` (which reply waits on which background response),
``pages`` (replies as the report shows them), ``facts`` (what is known about each cited paper), ``writer`` (the thread that does a
run's writes off the event loop), ``bulk`` (rows many at a time). Only the endpoint's host is stored, never
the API key.
"""

from __future__ import annotations

from .background import Background
from .batches import Batches
from .bulk import Bulk
from .costs import Costs
from .facts import Facts
from .connection import (
    ArchiveError,
    Connection,
    StorageError,
    default_path,
    locate,
    now,
)
from .jobs import Jobs, claim_key, valid_text
from .ledger import Ledger
from .pages import Pages
from .queries import Queries
from .sources import Sources


class Archive(Jobs, Batches, Bulk, Background, Costs, Facts, Ledger, Pages, Sources, Queries, Connection):
    """One open archive file. Use as a context manager or call ``close()``."""


def open_for_reading(path=None) -> Archive | None:
    """The archive for a read command, or None when nothing has been archived yet."""
    where, _ = locate(path)
    if not where.exists():
        return None
    return Archive(path, create=False)


__all__ = ["Archive", "ArchiveError", "StorageError", "claim_key", "default_path", "locate", "now",
           "open_for_reading", "valid_text"]
