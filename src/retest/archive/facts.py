"""What the archive knows about papers, whoever asked: the arXiv look-ups (``arxiv_cache``) and OpenAlex's works
(``related_works``), read whatever their age — a cache's TTL only says when to ask again, never that a paper
stopped being retracted — and the replies whose verdicts were made before something about a paper they cite was
learned."""

from __future__ import annotations

_CHUNK = 500


class Facts:
    def known_lookups(self, ids: list[str]) -> dict[str, dict | None]:
        """``{id: {title, first_author, published} | None (arXiv has no such paper)}`` for the IDs ever looked up."""
        out: dict[str, dict | None] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            for r in self._read("SELECT arxiv_id, found, title, first_author, published FROM arxiv_cache"
                                f" WHERE arxiv_id IN ({','.join('?' * len(chunk))})", chunk):
                out[r["arxiv_id"]] = ({"title": r["title"], "first_author": r["first_author"],
                                       "published": r["published"]} if r["found"] else None)
        return out

    def retracted_papers(self, ids: list[str] | None = None) -> set[str]:
        """The arXiv IDs (of ``ids``, or all) whose OpenAlex work is marked retracted."""
        sql = ("SELECT arxiv_id FROM related_works WHERE source = 'openalex' AND work IS NOT NULL"
               " AND json_extract(work, '$.retracted') = 1")
        if ids is None:
            return {r[0] for r in self._read(sql)}
        out: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            out |= {r[0] for r in self._read(f"{sql} AND arxiv_id IN ({','.join('?' * len(chunk))})", chunk)}
        return out

    def stale_replies(self) -> list[int]:
        """Replies whose citation verdicts were made before a paper they cite was looked up (by any command):
        to be checked again, so that what is known about a paper holds for every reply citing it."""
        return [r[0] for r in self._read(
            "SELECT v.reply_id FROM arxiv_cache a JOIN verdicts v ON v.arxiv_id = a.arxiv_id"
            " AND v.checked_at < a.fetched_at"
            " UNION SELECT v.reply_id FROM related_works w JOIN verdicts v ON v.arxiv_id = w.arxiv_id"
            " AND v.checked_at < w.fetched_at WHERE w.source = 'openalex' ORDER BY 1")]

    def cited_papers(self, run_id: int | None = None) -> list[str]:
        """The arXiv IDs archived replies cite (those of one run's replies with ``run_id``) that a look-up can
        say something about: not malformed, not dated after the reply, not supplied by the prompt."""
        sql = ("SELECT DISTINCT v.arxiv_id FROM verdicts v WHERE v.verdict NOT IN ('malformed', 'impossible')"
               " AND v.relation != 'supplied'")
        args: tuple = ()
        if run_id is not None:
            sql += " AND v.reply_id IN (SELECT id FROM replies WHERE run_id = ?)"
            args = (run_id,)
        return [r[0] for r in self._read(sql + " ORDER BY 1", args)]

    def claim_papers(self) -> list[str]:
        """Every arXiv ID an archived claim names (its own papers)."""
        return [r[0] for r in self._read(
            "SELECT DISTINCT j.value FROM claims c, json_each(c.arxiv_ids) j WHERE j.type = 'text' ORDER BY 1")]

    def run_checked(self, run_id: int, suspect_verdicts: tuple[str, ...]) -> dict:
        """A run's replies as checked now: ``{suspect, verdicts, claims}`` (as ``check.arrival.record`` counts)."""
        marks = ",".join("?" * len(suspect_verdicts))
        suspect = self._read(f"SELECT count(*) FROM verdicts v JOIN replies r ON r.id = v.reply_id WHERE r.run_id = ?"
                             f" AND (v.verdict IN ({marks}) OR v.online = 'not-found')", (run_id, *suspect_verdicts))[0][0]
        verdicts = self._read("SELECT count(*) FROM claim_verdicts cv JOIN replies r ON r.id = cv.reply_id"
                              " WHERE r.run_id = ?", (run_id,))[0][0]
        claims = self._read("SELECT count(*) FROM replies r JOIN prompt_claims pc ON pc.prompt_id = r.prompt_id"
                            " WHERE r.run_id = ? AND r.status = 'ok'", (run_id,))[0][0]
        return {"suspect": suspect, "verdicts": verdicts, "claims": claims}

