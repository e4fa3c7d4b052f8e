"""A report to look at: claims × models, verdicts and replies, as one self-contained HTML file.

The page needs nothing but itself — no scripts, external styles, fonts or
images — so it opens from ``file://`` and survives being mailed. Cells open
with ``<details>``, not JavaScript. It is rendered from ``report.html.j2`` in
the same bounded sandbox as prompts, with autoescaping on: reply and document
text is data, so ``<script>`` in a reply is shown, never run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from markupsafe import Markup, escape

from ..extract import arxiv

STATUS_ORDER = ("holds", "revised", "overturned", "unresolved")


def marked_up(text: str, cited: dict[str, dict]) -> Markup:
    """Reply text, escaped, with each arXiv ID linked and classed by its citation verdict."""
    out, at = [], 0
    for ident in arxiv.find_all(text):
        out.append(escape(text[at : ident.start]))
        c = cited.get(ident.id, {})
        verdict = c.get("verdict", "new")
        kind = "suspect" if c.get("suspect") else ("known" if verdict == "known" else "new")
        title = verdict + (f": {c['detail']}" if c.get("detail") else "")
        written = escape(text[ident.start : ident.end])
        if ident.problem:
            out.append(Markup('<mark class="cite suspect" title="{}">{}</mark>').format(title, written))
        else:
            out.append(Markup('<a class="cite {}" href="https://arxiv.org/abs/{}" title="{}">{}</a>').format(
                kind, ident.id, title, written))
        at = ident.end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def link(url: str | None) -> str | None:
    """``url`` if it may become a link: http(s) with a host, nothing else (no javascript:, data:, relative)."""
    from urllib.parse import urlsplit

    if not isinstance(url, str) or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def report_sources(report) -> list[dict]:
    """A reply's sources for the page; a source is suspect when the paper it points to is."""
    from ..check.grounding import label

    by_id = {c.id: c for c in report.cited}
    out = []
    for s in report.sources:
        c = by_id.get(s.get("arxiv_id") or "")
        suspect = bool(c and c.suspect)
        out.append({"url": s["url"], "href": link(s["url"]), "title": s.get("title"), "label": label(s),
                    "domain": s.get("domain"), "arxiv_id": s.get("arxiv_id"), "cited": bool(s.get("cited")),
                    "suspect": suspect, "reason": (c.verdict + (f": {c.detail}" if c.detail else "")) if suspect
                    else None})
    return out


def build_report(archive, *, paths: list[str] | None = None, source: str | None = None,
                 model: str | None = None, on_error=None) -> dict:
    """Everything the page shows, grouped by document."""
    from ..check.reply import check_archived
    from .costs import document_cost
    from .ledger import ledger

    entries = ledger(archive, paths=paths, source=source, model=model, on_error=on_error)
    titles = _titles(paths) if paths else {}
    docs: dict[str, dict] = {}
    for e in entries:
        d = docs.setdefault(e["source"], {"source": e["source"], "title": titles.get(e["source"]), "claims": [],
                                          "models": set(), "reply_ids": {}})
        d["claims"].append(e)
        for v in e["verdicts"]:
            d["models"].add(v["model"])
            d["reply_ids"].setdefault(v["model"], set()).add(v["reply_id"])
    checked: dict[int, object] = {}
    out = []
    for d in docs.values():
        models = sorted(d["models"])
        replies = []
        for m in models:
            latest = max(d["reply_ids"][m])
            report = checked.setdefault(latest, _with_cached_lookups(archive, check_archived(archive, latest,
                                                                                         save=False)))
            rec = archive.get(latest)
            cited = {c.id: {"verdict": c.verdict, "detail": c.detail, "suspect": c.suspect} for c in report.cited}
            replies.append({
                "model": m, "id": latest, "at": (rec["finished_at"] or rec["created_at"])[:16].replace("T", " "),
                "template": rec.get("template"), "text": marked_up(rec["reply"] or "", cited),
                "new": [c for c in report.cited if c.relation == "new" and not c.suspect],
                "suspect": [c for c in report.cited if c.suspect],
                "sources": report_sources(report),
            })
        rows = []
        for e in d["claims"]:
            cells = {v["model"]: v for v in e["verdicts"]}
            rows.append({"claim": e, "cells": [cells.get(m) for m in models]})
        unaddressed = [e for e in d["claims"] if not any(v["status"] for v in e["verdicts"])
                       and not _mentioned(e, checked, d["reply_ids"])]
        out.append({"source": d["source"], "title": d["title"], "models": models, "rows": rows, "replies": replies,
                    "unaddressed": unaddressed, "counts": _counts(d["claims"])})
        out[-1]["cost"] = document_cost(archive, d["reply_ids"])  # per model, and the document's total
    return {"docs": out, "generated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="minutes"),
            "statuses": STATUS_ORDER, "archive": str(archive.path)}


def _with_cached_lookups(archive, report):
    """What arXiv said of the reply's IDs when last asked (``check --online``): not found, another title."""
    from ..check.arxiv_api import NOT_FOUND_TTL
    from ..check.reply import apply_online, refresh_evidence

    cached = archive.cached_lookups([c.id for c in report.cited], NOT_FOUND_TTL)
    if cached:
        apply_online(report, cached)
        refresh_evidence(report)
    return report


def _mentioned(entry: dict, checked: dict, reply_ids: dict) -> bool:
    """Whether any reply speaks of the claim, verdict or not (its papers or its figures)."""
    for ids in reply_ids.values():
        for rid in ids:
            report = checked.get(rid)
            if report is None:
                continue
            for c in report.claims:
                if c.text == entry["text"] and c.addressed:
                    return True
    return False


def _counts(claims: list[dict]) -> dict:
    counts: dict[str, int] = {}
    for e in claims:
        counts[e["consensus"]] = counts.get(e["consensus"], 0) + 1
    return counts


def _titles(paths: list[str]) -> dict[str, str]:
    from ..errors import InputError
    from ..extract import extract_paths

    return {d.source: d.title for d in extract_paths(paths) if not isinstance(d, InputError) and d.title}


def render_report(data: dict) -> str:
    """The page: the package's report template, in the bounded sandbox, autoescaped."""
    from jinja2 import StrictUndefined

    from ..build import sandbox

    env = sandbox.BoundedSandbox(loader=sandbox.ConfinedLoader(Path(__file__).parent), undefined=StrictUndefined,
                                 autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return sandbox.render(env.get_template("report.html.j2"), data)
