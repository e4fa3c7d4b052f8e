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

    def stale_replies(self) -> tuple[list[int], str | None]:
        """Replies whose citation verdicts were made before a paper they cite was looked up (by any command), and
        the time to record with ``settled`` once they are checked again (None: nothing was looked up since).
        Only look-ups made since the last ``settled`` are weighed: what came before has reached every reply."""
        from .connection import now

        mark = now()
        row = self._read("SELECT at FROM facts_settled WHERE id = 1")
        since = _before(row[0][0]) if row else ""
        if not self._read("SELECT EXISTS (SELECT 1 FROM arxiv_cache WHERE fetched_at >= :since) OR EXISTS (SELECT 1"
                          " FROM related_works WHERE fetched_at >= :since)", {"since": since})[0][0]:
            return [], None  # nothing looked up since: nothing to weigh, nothing to write
        ids = [r[0] for r in self._read(
            "SELECT v.reply_id FROM arxiv_cache a JOIN verdicts v ON v.arxiv_id = a.arxiv_id"
            " AND v.checked_at < a.fetched_at WHERE a.fetched_at >= :since"
            " UNION SELECT v.reply_id FROM related_works w JOIN verdicts v ON v.arxiv_id = w.arxiv_id"
            " AND v.checked_at < w.fetched_at WHERE w.source = 'openalex' AND w.fetched_at >= :since ORDER BY 1",
            {"since": since})]
        return ids, mark

    def settled(self, mark: str) -> None:
        """Every look-up made before ``mark`` has reached the replies citing its paper."""
        with self.transaction():
            self.db.execute("INSERT INTO facts_settled (id, at) VALUES (1, ?)"
                            " ON CONFLICT (id) DO UPDATE SET at = max(at, excluded.at)", (mark,))

    def cited_papers(self, run_id: int | None = None, source_like: str | None = None,
                     claim_ids: list[int] | None = None) -> list[str]:
        """The arXiv IDs archived replies cite that a look-up can say something about (not malformed, not dated
        after the reply, not supplied by the prompt): all, those of one run's replies (``run_id``), or those of
        replies to prompts that sent claims from a matching document (``source_like``) or the given claims."""
        sql = ("SELECT DISTINCT v.arxiv_id FROM verdicts v WHERE v.verdict NOT IN ('malformed', 'impossible')"
               " AND v.relation != 'supplied'")
        args: dict = {"run": run_id}
        if run_id is not None:
            sql += " AND v.reply_id IN (SELECT id FROM replies WHERE run_id = :run)"
        scope, args = _scope(source_like, claim_ids, args)
        if scope:
            sql += (" AND v.reply_id IN (SELECT r.id FROM replies r JOIN prompt_claims pc"
                    f" ON pc.prompt_id = r.prompt_id WHERE {scope})")
        return [r[0] for r in self._read(sql + " ORDER BY 1", args)]

    def claim_papers(self, source_like: str | None = None, claim_ids: list[int] | None = None) -> list[str]:
        """The arXiv IDs archived claims name (their own papers): all, or those of matching claims."""
        scope, args = _scope(source_like, claim_ids, {})
        where = f" AND c.id IN (SELECT pc.claim_id FROM prompt_claims pc WHERE {scope})" if scope else ""
        return [r[0] for r in self._read(
            f"SELECT DISTINCT j.value FROM claims c, json_each(c.arxiv_ids) j WHERE j.type = 'text'{where}"
            " ORDER BY 1", args)]

    def run_checked(self, run_id: int, suspect_verdicts: tuple[str, ...]) -> dict:
        """A run's replies as checked now: ``{suspect, verdicts, claims}`` (as ``check.arrival.record`` counts)."""
        marks = ",".join("?" * len(suspect_verdicts))
        suspect = self._read(f"SELECT count(*) FROM verdicts v JOIN replies r ON r.id = v.reply_id WHERE r.run_id = ?"
                             f" AND (v.verdict IN ({marks}) OR v.online = 'not-found')",
                             (run_id, *suspect_verdicts))[0][0]
        verdicts = self._read("SELECT count(*) FROM claim_verdicts cv JOIN replies r ON r.id = cv.reply_id"
                              " WHERE r.run_id = ?", (run_id,))[0][0]
        claims = self._read("SELECT count(*) FROM replies r JOIN prompt_claims pc ON pc.prompt_id = r.prompt_id"
                            " WHERE r.run_id = ? AND r.status = 'ok'", (run_id,))[0][0]
        return {"suspect": suspect, "verdicts": verdicts, "claims": claims}



def _scope(source_like: str | None, claim_ids: list[int] | None, args: dict) -> tuple[str, dict]:
    """A condition on ``prompt_claims pc``: claims from a document whose path contains ``source_like``, or these."""
    import json

    if claim_ids is not None:
        return "pc.claim_id IN (SELECT value FROM json_each(:ids))", {**args, "ids": json.dumps(claim_ids)}
    if source_like:
        like = "%" + source_like.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return "pc.source LIKE :source ESCAPE '\\'", {**args, "source": like}
    return "", args


def _before(stamp: str) -> str:
    """A few minutes before ``stamp``: a look-up stamped just before the last settling but committed after it is
    still weighed (a reply already brought up to date is not checked again: its verdicts are newer)."""
    import datetime as dt

    try:
        return (dt.datetime.fromisoformat(stamp) - dt.timedelta(minutes=5)).isoformat(timespec="milliseconds")
    except ValueError:
        return ""
