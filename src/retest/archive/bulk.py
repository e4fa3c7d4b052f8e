"""Rows written many at a time: what ``batch submit`` and ``batch export`` store for tens of thousands of prompts.

One ``executemany`` per table and group instead of a statement (and a
transaction) per row; the caller builds the group first and holds the write
lock only while it is stored, so a ``send`` on the same archive can always
commit the reply it has just received.
"""

from __future__ import annotations

import json

from .connection import now
from .jobs import claim_key


class Bulk:
    def add_prompts(self, prompts: list) -> list[int]:
        """Each prompt's row id (``models.Prompt``-like objects), inserting those seen for the first time with the
        claims they carry — as ``add_prompt`` does one at a time."""
        if not prompts:
            return []
        stamp = now()
        with self.transaction():
            shas = list(dict.fromkeys(p.sha256 for p in prompts))
            ids = self._ids("prompts", "sha256", shas)
            new = {p.sha256: p for p in prompts if p.sha256 not in ids}
            self.db.executemany(
                "INSERT OR IGNORE INTO prompts (sha256, text, template, template_sha256, source, source_sha256,"
                " tokens, encoding, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(p.sha256, p.prompt, p.template, p.template_sha256, _source(p.source), p.source_sha256, p.tokens,
                  p.encoding, stamp) for p in new.values()])
            ids.update(self._ids("prompts", "sha256", list(new)))
            claims = [(ids[sha], c) for sha, p in new.items() for c in p.claims]
            if claims:
                keyed = [(claim_key(c.text), c) for _, c in claims]
                self.db.executemany(
                    "INSERT OR IGNORE INTO claims (key, text, date, arxiv_ids, note_title, source, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(key, c.text, c.date, json.dumps(list(c.arxiv_ids)), c.note_title, c.source, stamp)
                     for key, c in keyed])
                claim_ids = self._ids("claims", "key", list(dict.fromkeys(key for key, _ in keyed)))
                self.db.executemany(
                    "INSERT OR IGNORE INTO prompt_claims (prompt_id, idx, claim_id, source) VALUES (?, ?, ?, ?)",
                    [(prompt_id, c.index, claim_ids[key], c.source)
                     for (prompt_id, c), (key, _) in zip(claims, keyed)])
                self._add_related(claims)
            self.add_documents([(ids[p.sha256], p.claims) for p in prompts if p.claims])
            titles = {s: t for p in prompts for s, t in (getattr(p, "titles", None) or {}).items()}
            if titles:
                self.add_titles(titles)
        return [ids[p.sha256] for p in prompts]

    def add_batch_requests(self, rows: list[tuple[int, str, int, int]]) -> None:
        """``(batch_id, custom_id, reply_id, prompt_id)`` rows, and each batch's count of requests."""
        if not rows:
            return
        counts: dict[int, int] = {}
        for batch_id, *_ in rows:
            counts[batch_id] = counts.get(batch_id, 0) + 1
        with self.transaction():
            self.db.executemany(
                "INSERT INTO batch_requests (batch_id, custom_id, reply_id, prompt_id) VALUES (?, ?, ?, ?)", rows)
            self.db.executemany("UPDATE batches SET requests = requests + ? WHERE id = ?",
                                [(n, batch_id) for batch_id, n in counts.items()])

    def _ids(self, table: str, column: str, values: list[str]) -> dict[str, int]:
        if not values:
            return {}
        return {r[0]: r[1] for r in self.db.execute(
            f"SELECT {column}, id FROM {table} WHERE {column} IN (SELECT value FROM json_each(?))",
            (json.dumps(values),))}


def _source(source) -> str | None:
    return source if isinstance(source, str) or source is None else ", ".join(source)
