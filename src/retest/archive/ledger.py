"""Claims and the verdicts replies give on them: what ``retest claims`` and ``retest report`` read.

A claim is identified by its words (``claim_key``), so the same claim sent in
several prompts — by different templates, to different models, months apart —
collects all its verdicts in one place.
"""

from __future__ import annotations

import json

from .connection import now


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
            self.db.execute("UPDATE replies SET verdicts_note = ? WHERE id = ?", (note, reply_id))

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

    def unchecked(self, claim_ids: list[int]) -> list[int]:
        """Replies to prompts that sent these claims whose verdicts were never read."""
        out: set[int] = set()
        for start in range(0, len(claim_ids), 500):
            chunk = claim_ids[start : start + 500]
            out.update(r[0] for r in self._read(
                "SELECT DISTINCT r.id FROM prompt_claims pc JOIN replies r ON r.prompt_id = pc.prompt_id"
                " AND r.status = 'ok' WHERE pc.claim_id IN (" + ",".join("?" * len(chunk)) + ")"
                " AND r.verdicts_note IS NULL AND NOT EXISTS (SELECT 1 FROM claim_verdicts cv WHERE cv.reply_id = r.id)"
                " AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.reply_id = r.id)", chunk))
        return sorted(out)

    def verdict_history(self, claim_ids: list[int], model: str | None = None) -> list[dict]:
        """Every reply to a prompt that sent one of these claims, with its verdict on it (None if none given)."""
        if not claim_ids:
            return []
        out = []
        for start in range(0, len(claim_ids), 500):
            chunk = claim_ids[start : start + 500]
            args: list = list(chunk)
            model_clause = ""
            if model:
                model_clause = " AND r.model = ?"
                args.append(model)
            rows = self._read(
                "SELECT pc.claim_id, pc.idx, r.id AS reply_id, r.model, r.finished_at, r.created_at,"
                " r.verdicts_note, cv.status, cv.evidence, cv.evidence_check, cv.supported, cv.note"
                " FROM prompt_claims pc JOIN replies r ON r.prompt_id = pc.prompt_id AND r.status = 'ok'"
                " LEFT JOIN claim_verdicts cv ON cv.reply_id = r.id AND cv.idx = pc.idx"
                f" WHERE pc.claim_id IN ({','.join('?' * len(chunk))}){model_clause}"
                " ORDER BY r.id", args)
            for r in rows:
                out.append({
                    "claim_id": r["claim_id"], "index": r["idx"], "reply_id": r["reply_id"], "model": r["model"],
                    "at": r["finished_at"] or r["created_at"], "status": r["status"],
                    "evidence": json.loads(r["evidence"]) if r["evidence"] else [],
                    "evidence_check": json.loads(r["evidence_check"]) if r["evidence_check"] else [],
                    "supported": None if r["supported"] is None else bool(r["supported"]),
                    "note": r["note"] if r["status"] else r["verdicts_note"],
                })
        return out


def _verdict(r) -> dict:
    return {"index": r["idx"], "claim_id": r["claim_id"], "status": r["status"],
            "evidence": json.loads(r["evidence"]), "evidence_check": json.loads(r["evidence_check"] or "[]"),
            "supported": None if r["supported"] is None else bool(r["supported"]), "note": r["note"]}
