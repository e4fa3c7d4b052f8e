"""Claims and the verdicts replies give on them: what ``retest claims`` and ``retest report`` read.

A claim is identified by its words (``claim_key``), so the same claim sent in
several prompts — by different templates, to different models, months apart —
collects all its verdicts in one place. The ledger lists it under each document
that sent it (``prompt_documents``: documents whose prompts came out the same
share one prompt and its replies), with the replies to that document's prompts.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

from .connection import ArchiveError, now, sqlite_problem

# A reply's verdict on a claim as the ledger shows it, made by SQLite as JSON text (no Python per verdict);
# ``r`` is the reply, ``cv`` its verdict row (NULL when it gave none), ``pidx`` the claim's number in the prompt.
_VERDICT_JSON = (
    "json_object('model', r.model, 'endpoint', r.endpoint_name,"
    " 'pasted', json(CASE WHEN r.endpoint_name = 'pasted' THEN 'true' ELSE 'false' END), 'status', cv.status, 'evidence', json(coalesce(cv.evidence, '[]')),"
    " 'evidence_check', json(coalesce(cv.evidence_check, '[]')),"
    " 'supported', json(CASE WHEN cv.supported IS NULL THEN 'null' WHEN cv.supported THEN 'true' ELSE 'false' END),"
    " 'note', CASE WHEN cv.status IS NOT NULL THEN cv.note ELSE r.verdicts_note END,"
    " 'reply_id', r.id, 'at', coalesce(r.finished_at, r.created_at),"
    # grounded: the reply rests on sources it searched; sources: those the verdict's evidence was found among
    " 'grounded', json(CASE WHEN EXISTS (SELECT 1 FROM sources s WHERE s.reply_id = r.id) THEN 'true' ELSE 'false' END),"
    " 'sources', json((SELECT json_group_array(DISTINCT x) FROM (SELECT CASE WHEN e.type = 'object'"
    " THEN json_extract(e.value, '$.source') END AS x FROM json_each(coalesce(cv.evidence_check, '[]')) e)"
    " WHERE x IS NOT NULL)),"
    # what the reply cost (null where no price was known: never 0)
    " 'cost', CASE WHEN r.cost_usd IS NULL THEN json('null') ELSE json_object('usd', r.cost_usd,"
    " 'estimated', json(CASE WHEN r.cost_estimated THEN 'true' ELSE 'false' END),"
    " 'reported', json(CASE WHEN r.cost_source = 'reported' THEN 'true' ELSE 'false' END)) END)")
# The entry as stored when the verdict was saved (``refresh_entries``), made here only for rows stored before.
_ENTRY = f"coalesce(cv.entry, (SELECT {_VERDICT_JSON} FROM replies r WHERE r.id = v.rid))"
# Whether an entry was made now from text that may not be inert: a verdict stored before entries were (rare), or
# no verdict, whose entry shows the reply's model and note (printable ASCII nearly always).
_LIVE = ("CASE WHEN cv.entry IS NOT NULL THEN 0 WHEN cv.rowid IS NOT NULL THEN 1 ELSE"
         " (SELECT r.model || coalesce(r.verdicts_note, '') GLOB '*[^ -~]*' FROM replies r WHERE r.id = v.rid) END")
# What the consensus depends on, per verdict: its status and whether its evidence holds up.
_SIGNATURE = "coalesce(cv.status, '') || ':' || coalesce(cv.supported, '')"
# Each model's latest reply to a prompt that sent claim ``ch.id`` (SQLite takes the bare columns from the max row);
# ``{doc}`` keeps those of prompts made from document ``ch.source`` (``_OF_DOCUMENT``).
_LATEST = (
    "SELECT r2.model AS model, r2.endpoint_name AS voice, max(r2.id) AS rid, pc2.idx AS pidx FROM prompt_claims pc2"
    "{doc} JOIN replies r2 ON r2.prompt_id = pc2.prompt_id AND r2.status = 'ok'"
    " WHERE pc2.claim_id = ch.id{of_doc}{model} GROUP BY r2.model, r2.endpoint_name")
_EVERY = (
    "SELECT r2.model AS model, r2.id AS rid, pc2.idx AS pidx FROM prompt_claims pc2"
    "{doc} JOIN replies r2 ON r2.prompt_id = pc2.prompt_id AND r2.status = 'ok'"
    " WHERE pc2.claim_id = ch.id{of_doc}{model} ORDER BY r2.id, pc2.idx")
# The documents a prompt's claim came from: each path the prompt was made from (``prompt_documents``: documents
# whose prompts came out the same share it), else the one recorded with the claim.
_DOCUMENTS = " LEFT JOIN prompt_documents {d} ON {d}.prompt_id = {pc}.prompt_id AND {d}.seen_as = {pc}.source"
# A claim is listed under each document, with the replies to that document's prompts only: a claim many
# documents share never brings every one of them every reply to it.
_OF_DOCUMENT = {"doc": _DOCUMENTS.format(d="pd2", pc="pc2"),
                "of_doc": " AND coalesce(pd2.source, pc2.source) IS ch.source"}
# The claims of documents named by path: a document the archive knows shows its replies, another one every reply.
_OF_WANTED = {"doc": "", "of_doc": " AND (NOT ch.known OR EXISTS (SELECT 1 FROM prompt_documents pd2 WHERE"
              " pd2.prompt_id = pc2.prompt_id AND pd2.seen_as = pc2.source AND pd2.source = ch.source))"}


class Ledger:
    def save_claim_verdicts(self, reply_id: int, rows: list[dict], note: str | None) -> None:
        """Replace a reply's per-claim verdicts; ``note`` says why there are none (or what was odd)."""
        stamp = now()
        with self.transaction():
            self.db.execute("DELETE FROM claim_verdicts WHERE reply_id = ?", (reply_id,))
            self.db.executemany(
                "INSERT INTO claim_verdicts (reply_id, idx, claim_id, status, evidence, evidence_check, supported,"
                " note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(reply_id, r["index"], r.get("claim_id"), r["status"], json.dumps(r["evidence"]),
                  json.dumps(r.get("evidence_check") or []), None if r.get("supported") is None else int(r["supported"]),
                  r.get("note"), stamp) for r in rows],
            )
            self.db.execute("UPDATE replies SET verdicts_note = ?, verdicts_at = ? WHERE id = ?", (note, stamp, reply_id))
            self.refresh_entries(reply_id)

    def refresh_entries(self, reply_id: int) -> None:
        """Make the ledger entries of a reply's verdicts again, after anything they show changed (its cost, its
        sources): ``claims`` then reads each as stored text."""
        from ..util.display import safe_json  # stored inert, so that the ledger's JSON needs no scan as it is written

        rows = self.db.execute(f"SELECT cv.rowid, {_VERDICT_JSON} FROM replies r JOIN claim_verdicts cv"
                               " ON cv.reply_id = r.id WHERE r.id = ?", (reply_id,)).fetchall()
        self.db.executemany("UPDATE claim_verdicts SET entry = ? WHERE rowid = ?",
                            [(safe_json(entry), rowid) for rowid, entry in rows])

    def claim_verdicts(self, reply_id: int) -> list[dict]:
        rows = self._read("SELECT * FROM claim_verdicts WHERE reply_id = ? ORDER BY idx", (reply_id,))
        return [_verdict(r) for r in rows]

    def claims_by_key(self, keys: list[str]) -> dict[str, dict]:
        """Archived claims by their key (``claim_key``)."""
        out = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for r in self._read(f"SELECT * FROM claims WHERE key IN ({','.join('?' * len(chunk))})", chunk):
                out[r["key"]] = {"claim_id": r["id"], "text": r["text"], "date": r["date"],
                                 "arxiv_ids": json.loads(r["arxiv_ids"]), "note_title": r["note_title"],
                                 "source": r["source"]}
        return out

    def claims_of_sources(self, source_like: str | None = None) -> list[dict]:
        """Every archived claim, or those sent from documents whose path contains ``source_like``."""
        where, args = [], []
        if source_like:
            where.append("pc.source LIKE ? ESCAPE '\\'")
            args.append("%" + source_like.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._read(
            "SELECT c.id, c.text, c.date, c.arxiv_ids, c.note_title, min(pc.source) AS source,"
            " min(p.id) AS first_prompt, min(pc.idx) AS idx FROM claims c"
            " JOIN prompt_claims pc ON pc.claim_id = c.id JOIN prompts p ON p.id = pc.prompt_id"
            f"{clause} GROUP BY c.id ORDER BY min(pc.source), min(p.id), min(pc.idx)", args)
        return [{"claim_id": r["id"], "text": r["text"], "date": r["date"], "arxiv_ids": json.loads(r["arxiv_ids"]),
                 "note_title": r["note_title"], "source": r["source"]} for r in rows]

    def ledger_rows(self, *, source_like: str | None = None, wanted: list[tuple[int, str]] | None = None,
                    model: str | None = None, history: bool = False, json_head: bool = False) -> Iterator[sqlite3.Row]:
        """The ledger in one query, streamed: per claim and document ``(id, text, date, arxiv_ids, source, found)``,
        in ledger order (by source, then as first sent).

        ``found`` is ``signature + "\\x1f" + verdicts + "\\x1f" + live`` (NULL when no reply answered the claim):
        ``verdicts`` the JSON array of each model's latest verdict (sorted by model; every verdict, oldest first,
        with ``history``); ``signature`` lists each model's latest ``status:supported``, comma-separated, for the
        consensus; ``live`` is 1 where an entry was made now rather than stored (not yet made inert: see
        ``display.safe_json``). ``arxiv_ids`` is JSON. With ``wanted``, only those ``(claim id, document path)``
        (in no set order): a document the archive knows by that path shows its own replies, another one every
        reply to the claim. ``head`` (with ``json_head``, without ``wanted``) is the entry's JSON text up to its
        consensus.
        """
        # "+": never scan by model; MODEL@NAME names the model at one named endpoint
        only_model = (" AND (+r2.model = :model OR r2.model || '@' || coalesce(r2.endpoint_name, '') = :model)"
                      if model else "")
        per = _OF_WANTED if wanted is not None else _OF_DOCUMENT
        latest = _LATEST.format(model=only_model, **per) + " ORDER BY r2.model, r2.endpoint_name"
        found = ("SELECT {what} FROM ({rows}) v"
                 " LEFT JOIN claim_verdicts cv ON cv.reply_id = v.rid AND cv.idx = v.pidx")
        entry = f"{_ENTRY} AS j, {_LIVE} AS live"
        if history:
            both = (f"(SELECT group_concat(s, ',') FROM ({found.format(what=_SIGNATURE + ' AS s', rows=latest)}))"
                    f" || char(31) || (SELECT '[' || group_concat(j, ',') || ']' || char(31) || max(live) FROM"
                    f" ({found.format(what=entry, rows=_EVERY.format(model=only_model, **per))}))")
        else:  # one pass over each claim's replies gives both
            both = (f"(SELECT group_concat(s, ',') || char(31) || '[' || group_concat(j, ',') || ']' || char(31)"
                    f" || max(live) FROM ({found.format(what=f'{_SIGNATURE} AS s, {entry}', rows=latest)}))")
        args: dict = {"model": model}
        if wanted is not None:
            claim, path = "json_extract(w.value, '$[0]')", "json_extract(w.value, '$[1]')"
            chosen = (f"SELECT {claim} AS id, {path} AS source, EXISTS (SELECT 1 FROM prompt_claims pc"
                      f"{_DOCUMENTS.format(d='pd', pc='pc')} WHERE pc.claim_id = {claim} AND pd.source = {path})"
                      " AS known, 0 AS first_prompt, 0 AS idx, 0 AS n FROM json_each(:ids) w")
            args["ids"] = json.dumps(wanted)
        else:
            doc = "coalesce(pd.source, pc.source)"  # each claim once per document it came from
            where = ""
            if source_like:
                where = f" WHERE {doc} LIKE :source ESCAPE '\\'"
                args["source"] = "%" + source_like.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            chosen = (f"SELECT pc.claim_id AS id, {doc} AS source, min(pc.prompt_id) AS first_prompt,"
                      " min(pc.idx) AS idx,"
                      f" row_number() OVER (PARTITION BY {doc} ORDER BY min(pc.prompt_id), min(pc.idx), pc.claim_id)"
                      f" AS n FROM prompt_claims pc{_DOCUMENTS.format(d='pd', pc='pc')}{where}"
                      f" GROUP BY pc.claim_id, {doc}")
        # the entry's JSON up to its consensus, which the caller adds (with the verdicts after it)
        head = ("'{\"index\": ' || ch.n || ', \"text\": ' || json_quote(c.text) || ', \"date\": ' || json_quote(c.date)"
                " || ', \"arxiv_ids\": ' || c.arxiv_ids || ', \"source\": ' || json_quote(ch.source)"
                " || ', \"consensus\": '" if json_head and wanted is None else "NULL")
        # the claims are put in order first (their IDs only), so that the sort never carries their text or verdicts
        sql = (f"WITH ch AS MATERIALIZED ({chosen} ORDER BY source, first_prompt, idx, id)"
               f" SELECT ch.id, c.text, c.date, c.arxiv_ids, ch.source, {both} AS found, {head} AS head"
               " FROM ch CROSS JOIN claims c ON c.id = ch.id")
        try:
            yield from self.db.execute(sql, args)
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{self.label} {self.path}: {sqlite_problem(exc)}") from None

    def ambiguous_models(self) -> set[str]:
        """Model names answered from more than one endpoint name (``-m M@a``, ``-m M@b``, ``-m M``, pasted): the
        ledger labels their verdicts ``MODEL@NAME``."""
        return {r[0] for r in self._read(
            "SELECT model FROM replies WHERE status = 'ok' GROUP BY model"
            " HAVING count(DISTINCT coalesce(endpoint_name, '')) > 1")}

    def related_by_claim(self) -> dict[int, list[dict]]:
        """Per claim, the newer papers prompts supplied for it (``--related``), each once, with ``used_by``: the
        models whose replies to those prompts cited it. One query; empty (and free) when nothing was supplied."""
        if self.db.execute("SELECT 1 FROM prompt_related LIMIT 1").fetchone() is None:
            return {}
        rows = self._read(
            "SELECT pc.claim_id, pr.paper, (SELECT group_concat(DISTINCT r.model) FROM replies r"
            " JOIN verdicts v ON v.reply_id = r.id WHERE r.prompt_id = pr.prompt_id"
            " AND v.arxiv_id IN (pr.arxiv_id, 'doi:' || pr.doi)"  # a paper with only a DOI is cited by it
            " AND r.status = 'ok') AS used FROM prompt_related pr"
            " JOIN prompt_claims pc ON pc.prompt_id = pr.prompt_id AND pc.idx = pr.idx"
            " ORDER BY pc.claim_id, pr.prompt_id, pr.rank")
        out: dict[int, dict[str, dict]] = {}
        for claim_id, paper, used in rows:
            p = json.loads(paper)
            key = p.get("arxiv_id") or p.get("doi") or p.get("title")
            entry = out.setdefault(claim_id, {}).setdefault(key, {**p, "used_by": []})
            for model in (used or "").split(","):
                if model and model not in entry["used_by"]:
                    entry["used_by"].append(model)
        return {k: list(v.values()) for k, v in out.items()}

    def unread(self, limit: int | None = None) -> list[int]:
        """Complete replies whose verdicts were never read (archived by an older retest, or by a caller that
        stored replies without reading them), oldest first."""
        return [r[0] for r in self._read(
            "SELECT id FROM replies WHERE status = 'ok' AND verdicts_at IS NULL ORDER BY id LIMIT ?",
            (-1 if limit is None else limit,))]

    def count_unread(self) -> int:
        return self._read("SELECT count(*) FROM replies WHERE status = 'ok' AND verdicts_at IS NULL")[0][0]


def _verdict(r) -> dict:
    return {"index": r["idx"], "claim_id": r["claim_id"], "status": r["status"],
            "evidence": json.loads(r["evidence"]), "evidence_check": json.loads(r["evidence_check"] or "[]"),
            "supported": None if r["supported"] is None else bool(r["supported"]), "note": r["note"]}
