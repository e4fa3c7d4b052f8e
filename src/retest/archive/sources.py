"""The sources a reply rests on: stored with the reply, in the same transaction; read back in order.

A source is what a provider named (a URL, and where given its title, date,
snippet) and whether the reply's text cites it (with the spans it covers) or
the search only consulted it; ``arxiv_id`` is the paper its URL points to.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from ..extract.paper_urls import paper_of
from .jobs import valid_text


def _domain(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host[4:] if host and host.startswith("www.") else host


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**62 else None


def _str(value) -> str | None:
    return value[:200] if isinstance(value, str) else None


def _source(row) -> dict:
    d = dict(row)
    d.pop("id", None)
    d.pop("reply_id", None)
    d["cited"] = bool(d["cited"])
    d["spans"] = json.loads(d["spans"]) if d.get("spans") else []
    paper = paper_of(d["url"])  # read again: an older archive took any URL holding an ID for a paper's
    d["arxiv_id"] = paper.id if paper and paper.valid else None
    return d


class Sources:
    def add_sources(self, reply_id: int, sources: list[dict]) -> None:
        """Store ``sources`` (``protocols.sources`` dicts) for a reply; call inside the reply's transaction."""
        rows = []
        for i, s in enumerate(sources or []):
            url = valid_text(s.get("url"))[0] if isinstance(s.get("url"), str) else None
            if not url:
                continue
            spans = [[_int(sp[0]), _int(sp[1])] for sp in (s.get("spans") or [])
                     if isinstance(sp, list | tuple) and len(sp) == 2]
            rows.append((reply_id, i, url, _domain(url), valid_text(s.get("title"))[0], valid_text(s.get("date"))[0],
                         valid_text(s.get("snippet"))[0], int(bool(s.get("cited"))), _int(s.get("start_index")),
                         _int(s.get("end_index")), json.dumps(spans) if spans else None, _str(s.get("kind")),
                         _str(s.get("arxiv_id"))))
        self.db.executemany(
            "INSERT OR REPLACE INTO sources (reply_id, idx, url, domain, title, date, snippet, cited, start_index,"
            " end_index, spans, kind, arxiv_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        if rows:
            self.refresh_entries(reply_id)  # verdicts read before their sources came show them as grounded

    def sources(self, reply_id: int) -> list[dict]:
        """A reply's sources in the order the provider gave them."""
        return self.sources_of([reply_id]).get(reply_id, [])

    def sources_of(self, reply_ids) -> dict[int, list[dict]]:
        """The sources of several replies (the report reads a document's at once), each in the provider's order."""
        rows = self._read_by_reply("SELECT * FROM sources WHERE reply_id IN ({ids}) ORDER BY reply_id, idx",
                                   reply_ids)
        return {i: [_source(r) for r in found] for i, found in rows.items()}

    def replies_by_source(self, text: str, n: int) -> list[int]:
        """The newest replies with a source whose title or domain holds every word of ``text``."""
        query = " ".join('"' + word.replace('"', '""') + '"' for word in text.split())
        if not query:
            return []
        rows = self.db.execute(
            "SELECT s.reply_id FROM sources_fts JOIN sources s ON s.id = sources_fts.rowid"
            " WHERE sources_fts MATCH ? ORDER BY sources_fts.rowid DESC LIMIT ?", (query, n * 4)).fetchall()
        return list(dict.fromkeys(r[0] for r in rows))[:n]

    def source_counts(self, reply_ids: list[int]) -> dict[int, int]:
        """``{reply id: how many sources}`` for those of ``reply_ids`` that have any."""
        out: dict[int, int] = {}
        ids = list(dict.fromkeys(reply_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for r in self._read(f"SELECT reply_id, count(*) FROM sources WHERE reply_id IN ({','.join('?' * len(chunk))})"
                                " GROUP BY reply_id", chunk):
                out[r[0]] = r[1]
        return out
