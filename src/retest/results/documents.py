"""What a report page shows of each document: its claims × models, verdicts and replies, and the summary.

The data only, read from the archive's tables — the document's question
included, stored when its prompt was archived (``Archive.document_title``), so
no source document is read again. ``pages`` writes it, ``report`` is the face
for small reports and tests; neither imports the other's half. A reply whose
verdicts were never read is checked offline, unsaved.

Data a page shows (others may add keys; the template renders them when present):
a document ``{source, title, models, rows, replies, unaddressed, counts, kinds,
suspect, cost?}`` where ``cost`` is ``{model: {usd, estimated, reported}}``; a
reply ``{model, id, at, template, html, verdicts, suspect, new, earlier,
sources?, cost?}`` where ``sources`` is ``[{url, title, domain, arxiv_id, cited,
suspect, reason}]``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from itertools import groupby

from markupsafe import Markup

from .markup import STATUSES, inline_html, kind_of, page_key, reply_html, safe_url

SPLIT_AT = 200  # documents: past this, a folder of pages
KINDS = (*STATUSES, "split", "unsupported", "untested")


# -- the data ----------------------------------------------------------------------

def entries_of(archive, *, paths: list[str] | None = None, source: str | None = None, model: str | None = None,
               on_error=None, decode: bool = True) -> Iterable[dict]:
    """Ledger entries with every verdict (oldest first; as JSON text with ``decode=False``, for ``document`` to
    decode); the claims of ``paths`` untested when nothing is archived."""
    from .ledger import claims_of_documents, iter_ledger

    if archive is None:
        if not paths:
            return []
        return [{**c, "consensus": "not sent", "verdicts": []} for c in claims_of_documents(paths, on_error)]
    return iter_ledger(archive, paths=paths, source=source, model=model, history=True, on_error=on_error,
                       decode=decode)


def grouped(entries: Iterable[dict]) -> Iterator[tuple[str, list[dict]]]:
    """The entries of each document, in the ledger's order."""
    for src, group in groupby(entries, key=lambda e: e["source"]):
        yield src, list(group)


def _cited(archive, rec: dict, rows: list[dict] | None = None, claims: list[dict] | None = None
           ) -> tuple[dict[str, dict], list[dict]]:
    """A reply's citation verdicts as stored (``rows``, when read already; read offline, unsaved, when it was never
    checked)."""
    from ..check.citations import SUSPECT

    rows = archive.verdicts(rec["id"]) if rows is None else rows
    if not rows and rec.get("verdicts_note") is None and not (
            archive.claim_verdicts(rec["id"]) if claims is None else claims):
        from ..check.reply import check_archived

        report = check_archived(archive, rec["id"], save=False)
        rows = [{"arxiv_id": c.id, "verdict": c.verdict, "detail": c.detail, "relation": c.relation,
                 "title": c.title} for c in report.cited]
    out = []
    for r in rows:
        out.append({"id": r["arxiv_id"], "verdict": r["verdict"], "detail": r.get("detail"),
                    "relation": r.get("relation"), "title": r.get("title"), "suspect": r["verdict"] in SUSPECT})
    return {c["id"]: c for c in out}, out


def _at(rec: dict) -> str:
    return (rec.get("finished_at") or rec.get("created_at") or "")[:16].replace("T", " ")


def _page(rec: dict, cited: dict) -> Markup:
    """The reply as HTML: as stored when it arrived, or made now when what it shows has changed since."""
    from ..archive.pages import unpack

    text = rec.get("reply") or ""
    stored = None
    if rec.get("status") == "ok" and rec.get("page_key") == page_key(text, cited):
        stored = unpack(rec.get("page"))
    return Markup(stored) if stored is not None else reply_html(text, cited)


def make_reply_page(archive, reply_id: int) -> None:
    """Make and store the page of a reply that has arrived (its verdicts read), so that reports only read it."""
    rec = archive.get(reply_id)
    if rec is None or rec.get("status") != "ok":
        return
    cited, _ = _cited(archive, rec)
    text = rec.get("reply") or ""
    archive.save_reply_page(reply_id, page_key(text, cited), str(reply_html(text, cited)))


def _read(archive, reply_ids) -> dict:
    """What a page shows of its replies, read at once (a few queries a document, not a few a reply)."""
    return {"rec": archive.page_replies(reply_ids), "cited": archive.verdicts_of(reply_ids),
            "claims": archive.shown_verdicts_of(reply_ids), "sources": archive.sources_of(reply_ids)}


def _reply(archive, reply_id: int, model: str, known: dict) -> dict:
    rec = known["rec"].get(reply_id) or {"id": reply_id, "reply": "", "created_at": ""}
    claims = known["claims"].get(reply_id, [])
    cited, listed = _cited(archive, rec, known["cited"].get(reply_id, []), claims)
    return {"model": model, "id": reply_id, "at": _at(rec), "template": rec.get("template"),
            "pasted": rec.get("endpoint_name") == "pasted", "usage": _usage(rec),
            "cost": None if rec.get("cost_usd") is None else {"usd": rec["cost_usd"],
                                                              "estimated": bool(rec.get("cost_estimated")),
                                                              "later": bool(rec.get("cost_priced_at"))},
            "text": rec.get("reply") or "", "html": _page(rec, cited),
            "verdicts": [v | {"note_html": inline_html(v.get("note"))} for v in claims],
            "new": [c for c in listed if c["relation"] == "new" and not c["suspect"]],
            "suspect": [c for c in listed if c["suspect"]], "earlier": [], "cited_ids": set(cited),
            "sources": _sources(known["sources"].get(reply_id, []), cited)}


def _usage(rec: dict) -> str | None:
    """``1,234 in · 567 out`` (``~`` where estimated), or None where the reply came with no counts (pasted)."""
    given, made = rec.get("prompt_tokens"), rec.get("completion_tokens")
    if given is None and made is None:
        return None
    mark = "~" if rec.get("usage_estimated") else ""
    return " · ".join(f"{mark}{n:,} {what}" for n, what in ((given, "in"), (made, "out")) if n is not None)


def _sources(rows: list[dict], cited: dict[str, dict]) -> list[dict]:
    """A reply's sources for the page; a source is suspect when the paper it points to is."""
    from ..check.grounding import label

    out = []
    for s in rows:
        c = cited.get(s.get("arxiv_id") or "")
        suspect = bool(c and c["suspect"])
        out.append({"url": s["url"], "title": s.get("title") or label(s), "domain": s.get("domain"),
                    "arxiv_id": s.get("arxiv_id"), "cited": bool(s.get("cited")), "suspect": suspect,
                    "reason": (c["verdict"] + (f": {c['detail']}" if c.get("detail") else "")) if suspect else None})
    return out


def _cell(v: dict | None) -> dict | None:
    if v is None:
        return None
    evidence = []
    for ev in v.get("evidence_check") or []:
        evidence.append({"id": ev.get("id"), "text": ev.get("evidence"), "verdict": ev.get("verdict"),
                         "suspect": bool(ev.get("suspect")), "url": safe_url(ev.get("evidence"))})
    if not evidence:
        evidence = [{"id": None, "text": e, "verdict": None, "suspect": False, "url": safe_url(e)}
                    for e in v.get("evidence") or []]
    note = v.get("note") or ""
    long = len(note) > 280 or len(evidence) > 4 or sum(len(str(e["text"] or "")) for e in evidence) > 300
    return {**v, "evidence_items": evidence, "note_html": inline_html(note), "long": long,
            "gist": note[:90] + ("…" if len(note) > 90 else "")}


def _mentioned(entry: dict, replies: list[dict]) -> bool:
    """Whether any reply speaks of the claim without a verdict (its papers or figures)."""
    from types import SimpleNamespace

    from ..check.reply import coverage

    for r in replies:
        for rep in [r, *r["earlier"]]:
            cited = [SimpleNamespace(id=x) for x in rep["cited_ids"]]
            if coverage([entry], rep.get("text", ""), cited)[0].addressed:
                return True
    return False


def document(archive, source: str, entries: list[dict], title: str | None = None) -> dict:
    """One document's page: its claims × models, the replies, what no reply addressed. Its title is ``title``, else
    the question archived with its prompt (none from older archives: the page shows the path)."""
    if title is None and archive is not None:
        title = archive.document_title(source)
    for e in entries:
        if type(e["verdicts"]) is str:  # as read (``entries_of(decode=False)``)
            e["verdicts"] = json.loads(e["verdicts"])
    reply_ids: dict[str, set[int]] = {}
    rows = []
    for e in entries:
        latest: dict[str, dict] = {}
        for v in e["verdicts"]:  # oldest first: the last one of each model wins
            latest[v["model"]] = v
            reply_ids.setdefault(v["model"], set()).add(v["reply_id"])
        rows.append((e, latest))
    models = sorted(reply_ids)
    replies = []
    known = _read(archive, [i for ids in reply_ids.values() for i in ids]) if reply_ids else {}
    for m in models:
        ids = sorted(reply_ids[m], reverse=True)
        r = _reply(archive, ids[0], m, known)
        r["earlier"] = [_reply(archive, i, m, known) for i in ids[1:]]
        replies.append(r)
    out_rows = []
    for e, latest in rows:
        claim = {k: e[k] for k in ("index", "text", "date", "arxiv_ids", "consensus")}
        claim |= {"html": inline_html(e["text"]), "kind": kind_of(e["consensus"]), "related": e.get("related") or [],
                  "retracted": e.get("retracted") or []}
        out_rows.append({"claim": claim, "cells": [_cell(latest.get(m)) for m in models]})
    unaddressed = [e for e, latest in rows if not any(v["status"] for v in latest.values())
                   and not (replies and _mentioned(e, replies))] if replies else []
    counts: dict[str, int] = {}
    kinds = dict.fromkeys(KINDS, 0)
    for r in out_rows:
        word = r["claim"]["consensus"]
        counts[word] = counts.get(word, 0) + 1
        kinds[_kind_for_count(word)] += 1
    for r in replies:
        for rep in [r, *r["earlier"]]:
            rep.pop("text", None)
            rep.pop("cited_ids", None)
    from .costs import document_cost

    cost = document_cost(archive, reply_ids, known["rec"])["models"] if reply_ids else None
    return {"source": source, "title": title, "models": models, "rows": out_rows, "replies": replies,
            "cost": cost,
            "unaddressed": [{"index": e["index"], "text": e["text"], "html": inline_html(e["text"]),
                             "date": e["date"]} for e in unaddressed],
            "counts": counts, "kinds": kinds, "suspect": sum(len(r["suspect"]) for r in replies)}


def _kind_for_count(word: str) -> str:
    kind = kind_of(word)
    if kind != "none":
        return kind
    return word if word in ("split", "unsupported") else "untested"


def titles_of(paths: list[str]) -> dict[str, str]:
    """The questions of the documents at ``paths`` (read anyway when the report is made from PATHS)."""
    from ..errors import InputError
    from ..extract import extract_paths

    return {d.source: d.title for d in extract_paths(paths) if not isinstance(d, InputError) and d.title}


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def summarise(docs: Iterable[dict]) -> dict:
    """The band at the top: claims, documents, models, consensus kinds, suspect citations, cost when known."""
    s = {"claims": 0, "documents": 0, "models": set(), "kinds": dict.fromkeys(KINDS, 0), "suspect": 0,
         "cost": None, "cost_estimated": False, "cost_unknown": 0}
    for d in docs:
        add_to_summary(s, index_row(d, ""))
    return s


def add_to_summary(s: dict, row: dict) -> None:
    """Count one document (its ``index_row``) into a summary."""
    s["documents"] += 1
    s["claims"] += row["claims"]
    s["models"].update(row["models"])
    s["suspect"] += row["suspect"]
    for k, n in row["kinds"].items():
        s["kinds"][k] = s["kinds"].get(k, 0) + n
    for c in (row.get("cost") or {}).values():
        usd = c.get("usd") if isinstance(c, dict) else None
        if isinstance(usd, int | float) and not isinstance(usd, bool):
            s["cost"] = (s["cost"] or 0) + usd
            s["cost_estimated"] = s["cost_estimated"] or bool(c.get("estimated"))
        else:
            s["cost_unknown"] += 1


def index_row(d: dict, href: str) -> dict:
    """What the index and the summary keep of a document once its page is written."""
    return {"title": d["title"], "source": d["source"], "href": href, "claims": len(d["rows"]),
            "kinds": d["kinds"], "models": d["models"], "suspect": d.get("suspect", 0),
            "overturned": d["kinds"].get("overturned", 0), "cost": d.get("cost")}
