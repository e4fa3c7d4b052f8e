"""The claims ledger: for each claim, what each model last said of it, and when.

A claim is the same claim wherever it was sent (by its words, see
``archive.claim_key``), so its verdicts gather across templates, models and
months. Replies whose verdicts were never read are read first (offline, as
``retest check`` does). The consensus is one word, shown first:

- ``untested`` — no reply gave it a verdict (``not sent`` if it was never sent);
- ``all hold`` / ``all revised`` / ``all overturned`` / ``unresolved`` — every
  model that gave a verdict agrees;
- ``overturned by N`` — N models say overturned, others disagree;
- ``split`` — any other disagreement.

A verdict whose every evidence ID is suspect counts as *unsupported*: it is
shown, flagged, and left out of the consensus — but never hidden by it: where
an unsupported verdict disagrees, the word loses its "all" and says so
(``holds (1 unsupported dissent)``); with no supported verdict at all it is
``unsupported``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def consensus(verdicts: list[dict]) -> str:
    statuses = [v["status"] for v in verdicts if v["status"] and v.get("supported") is not False]
    if not statuses:
        return "unsupported" if any(v["status"] for v in verdicts) else "untested"
    distinct = set(statuses)
    if len(distinct) == 1:
        dissent = sum(1 for v in verdicts if v["status"] and v["status"] != statuses[0])
        if dissent:
            return f"{statuses[0]} ({dissent} unsupported dissent{'s' if dissent > 1 else ''})"
        return {"holds": "all hold", "revised": "all revised", "overturned": "all overturned",
                "unresolved": "unresolved"}[statuses[0]]
    if "overturned" in distinct:
        return f"overturned by {statuses.count('overturned')}"
    return "split"


def read_unchecked(archive, claim_ids: list[int]) -> None:
    """Read the verdict blocks of replies nobody has checked yet (stored when the archive can be written)."""
    from ..check.reply import check_archived

    for reply_id in archive.unchecked(claim_ids):
        try:
            check_archived(archive, reply_id, save=not archive.readonly)
        except Exception:  # noqa: BLE001 — an archive that cannot be written still shows what it has
            if not archive.readonly:
                raise


def claims_of_documents(paths: Iterable[str], on_error: Callable[[Exception], None] | None = None) -> list[dict]:
    """The claims of the given documents, in order, as the ledger lists them.

    A document that cannot be read is passed to ``on_error`` and skipped: the rest still count.
    """
    from ..archive import claim_key
    from ..errors import InputError
    from ..extract import extract_paths

    out = []
    for doc in extract_paths(paths):
        if isinstance(doc, InputError):
            if on_error:
                on_error(doc)
            continue
        for i, c in enumerate(doc.claims, start=1):
            out.append({"key": claim_key(c.text), "index": i, "text": c.text, "date": c.date,
                        "arxiv_ids": list(c.arxiv_ids), "source": doc.source})
    return out


def ledger(archive, *, paths: list[str] | None = None, source: str | None = None, model: str | None = None,
           history: bool = False, on_error: Callable[[Exception], None] | None = None) -> list[dict]:
    """One entry per claim: ``{index, text, date, arxiv_ids, source, consensus, verdicts}``.

    ``verdicts`` holds each model's latest verdict (every verdict, oldest
    first, with ``history``): ``{model, status, evidence, evidence_check,
    supported, note, reply_id, at}``, ``status`` None where a reply gave none.
    """
    if paths:
        wanted = claims_of_documents(paths, on_error)
        known = archive.claims_by_key([c["key"] for c in wanted])
        entries = []
        for c in wanted:
            row = known.get(c["key"])
            entries.append({**c, "claim_id": row["claim_id"] if row else None})
    else:
        entries = []
        counters: dict[str, int] = {}
        for row in archive.claims_of_sources(source):
            counters[row["source"]] = counters.get(row["source"], 0) + 1
            entries.append({"index": counters[row["source"]], "text": row["text"], "date": row["date"],
                            "arxiv_ids": row["arxiv_ids"], "source": row["source"], "claim_id": row["claim_id"]})
    ids = [e["claim_id"] for e in entries if e["claim_id"] is not None]
    read_unchecked(archive, ids)
    by_claim: dict[int, list[dict]] = {}
    for v in archive.verdict_history(ids, model):
        by_claim.setdefault(v["claim_id"], []).append(v)
    out = []
    for e in entries:
        every = by_claim.get(e["claim_id"], [])
        latest: dict[str, dict] = {}
        for v in every:  # oldest first: the last one of each model wins
            latest[v["model"]] = v
        shown = every if history else sorted(latest.values(), key=lambda v: v["model"])
        verdicts = [{"model": v["model"], "status": v["status"], "evidence": v["evidence"],
                     "evidence_check": v["evidence_check"], "supported": v["supported"], "note": v["note"],
                     "reply_id": v["reply_id"], "at": v["at"]} for v in shown]
        word = consensus(list(latest.values())) if e["claim_id"] is not None else "not sent"
        out.append({"index": e["index"], "text": e["text"], "date": e["date"], "arxiv_ids": e["arxiv_ids"],
                    "source": e["source"], "consensus": word, "verdicts": verdicts})
    return out
