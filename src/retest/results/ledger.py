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

from collections.abc import Callable, Iterable, Iterator


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
    return list(iter_ledger(archive, paths=paths, source=source, model=model, history=history, on_error=on_error))


def iter_ledger(archive, *, paths: list[str] | None = None, source: str | None = None, model: str | None = None,
                history: bool = False, on_error: Callable[[Exception], None] | None = None,
                chunk: int = 2000) -> Iterator[dict]:
    """The ledger's entries one by one, their verdicts read ``chunk`` claims at a time (memory stays flat)."""
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
    read_unchecked(archive, [e["claim_id"] for e in entries if e["claim_id"] is not None])
    for start in range(0, len(entries), chunk):
        yield from _entries(archive, entries[start : start + chunk], model, history)


def _entries(archive, entries: list[dict], model: str | None, history: bool) -> Iterator[dict]:
    by_claim: dict[int, list[dict]] = {}
    for v in archive.verdict_history([e["claim_id"] for e in entries if e["claim_id"] is not None], model):
        by_claim.setdefault(v["claim_id"], []).append(v)
    grounded = archive.source_counts([v["reply_id"] for vs in by_claim.values() for v in vs])
    for e in entries:
        every = by_claim.get(e["claim_id"], [])
        latest: dict[str, dict] = {}
        for v in every:  # oldest first: the last one of each model wins
            latest[v["model"]] = v
        shown = every if history else sorted(latest.values(), key=lambda v: v["model"])
        verdicts = [{"model": v["model"], "status": v["status"], "evidence": v["evidence"],
                     "evidence_check": v["evidence_check"], "supported": v["supported"], "note": v["note"],
                     "reply_id": v["reply_id"], "at": v["at"], **grounding(v, grounded)} for v in shown]
        word = consensus(list(latest.values())) if e["claim_id"] is not None else "not sent"
        yield {"index": e["index"], "text": e["text"], "date": e["date"], "arxiv_ids": e["arxiv_ids"],
               "source": e["source"], "consensus": word, "verdicts": verdicts}


def grounding(verdict: dict, grounded: dict[int, int]) -> dict:
    """Whether the verdict's reply was grounded (had sources), and the sources its evidence rests on."""
    checks = verdict.get("evidence_check") or []
    return {"grounded": bool(grounded.get(verdict["reply_id"])),
            "sources": list(dict.fromkeys(c["source"] for c in checks if isinstance(c, dict) and c.get("source")))}
