"""The archive's memory of look-ups: each answer with when it was made, reused within a TTL.

Two tables (migration 10): ``related_works`` (an arXiv ID → the service's work, or not known) and
``related_citing`` (a work's citers from a date on). ``prompt_related`` records which papers each prompt
supplied — provenance, kept as long as the prompt.
"""

from __future__ import annotations

import datetime as dt
import json

from .models import Citing, Work

TTL = dt.timedelta(days=7)


def _fresh_after(ttl: dt.timedelta) -> str:
    return (dt.datetime.now(dt.timezone.utc) - ttl).isoformat(timespec="milliseconds")


def works(archive, source: str, ids: list[str], ttl: dt.timedelta = TTL) -> dict[str, Work | None]:
    """Cached look-ups of ``ids`` made within ``ttl`` (``None``: the service did not know the ID)."""
    out: dict[str, Work | None] = {}
    limit = _fresh_after(ttl)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = archive.db.execute(
            f"SELECT arxiv_id, work FROM related_works WHERE source = ? AND fetched_at >= ?"
            f" AND arxiv_id IN ({','.join('?' * len(chunk))})", (source, limit, *chunk)).fetchall()
        for arxiv_id, work in rows:
            out[arxiv_id] = Work.load(json.loads(work)) if work else None
    return out


def store_works(archive, source: str, found: dict[str, Work | None]) -> None:
    from ..archive import now

    stamp = now()
    with archive.transaction():
        archive.db.executemany(
            "INSERT OR REPLACE INTO related_works (source, arxiv_id, work, fetched_at) VALUES (?, ?, ?, ?)",
            [(source, i, json.dumps(w.dump()) if w else None, stamp) for i, w in found.items()])


def citing(archive, source: str, keys: list[tuple[str, str]], ttl: dt.timedelta = TTL) -> dict[tuple[str, str], Citing | None]:
    """Cached citer lists for ``(arxiv_id, since)`` pairs made within ``ttl``."""
    out: dict[tuple[str, str], Citing | None] = {}
    limit = _fresh_after(ttl)
    wanted = set(keys)
    ids = list(dict.fromkeys(k[0] for k in keys))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = archive.db.execute(
            f"SELECT arxiv_id, since, works, total FROM related_citing WHERE source = ? AND fetched_at >= ?"
            f" AND arxiv_id IN ({','.join('?' * len(chunk))})", (source, limit, *chunk)).fetchall()
        for arxiv_id, since, data, total in rows:
            if (arxiv_id, since) in wanted:
                out[(arxiv_id, since)] = (None if data is None else
                                          Citing(works=[Work.load(w) for w in json.loads(data)], total=total))
    return out


def store_citing(archive, source: str, found: dict[tuple[str, str], Citing | None]) -> None:
    from ..archive import now

    stamp = now()
    with archive.transaction():
        archive.db.executemany(
            "INSERT OR REPLACE INTO related_citing (source, arxiv_id, since, works, total, fetched_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(source, i, since, None if c is None else json.dumps([w.dump() for w in c.works]),
              None if c is None else c.total, stamp) for (i, since), c in found.items()])
