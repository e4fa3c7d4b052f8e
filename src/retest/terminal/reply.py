"""One archived reply as Markdown, with its metadata, verdicts, sources and checks: ``retest archive show``
(rendered on a terminal) and ``retest archive export --format md``."""

from __future__ import annotations

import json


def _usage_line(usage: dict) -> str:
    mark = "~" if usage.get("estimated") else ""
    parts = [f"{mark}{usage.get('prompt_tokens') if usage.get('prompt_tokens') is not None else '?'} in",
             f"{mark}{usage.get('completion_tokens') if usage.get('completion_tokens') is not None else '?'} out"]
    if usage.get("reasoning_tokens"):
        parts.append(f"{usage['reasoning_tokens']} of them reasoning")
    if usage.get("cached_tokens"):
        parts.append(f"{usage['cached_tokens']} prompt tokens cached")
    text = ", ".join(parts)
    return text + (" (estimated: the server reported no usage)" if mark else "")


def cost_line(cost: dict, status: str) -> str:
    from ..send.prices import format_usd

    if cost.get("usd") is None and not cost.get("spent_usd"):
        return ("unknown (no price for this model at this endpoint; give one, then `retest archive reprice`: see "
                "README, \"What it costs\")")
    text = format_usd(cost.get("usd"), cost.get("estimated")) if status == "ok" else "no reply kept"
    if cost.get("source"):
        text += f" ({cost['source']}" + (f", priced later: {cost['priced_at'][:10]}, by `retest archive reprice`"
                                         if cost.get("priced_at") else "") + ")"
    if cost.get("spent_usd") and (cost.get("usd") is None or cost["spent_usd"] > cost["usd"] + 1e-12):
        text += f"; spent {format_usd(cost['spent_usd'], cost.get('spent_estimated'))} with failed attempts"
    return text


def markdown(rec: dict, reasoning: bool = False, run: dict | None = None) -> str:
    meta = [
        (f"- model: `{rec['model']}`, pasted (added by hand with `retest archive add`: no usage, no cost)"
         if rec.get("endpoint_name") == "pasted" else
         f"- model: `{rec['model']}` at `{rec['endpoint']}`" + (f" (endpoint {rec['endpoint_name']})"
                                                               if rec.get("endpoint_name") else "")
         + (f" ({rec['api']} API)" if rec.get("api") else "")),
        f"- status: {rec['status']}" + (f" ({rec['finish_reason']})" if rec.get("finish_reason") else ""),
        f"- source: {rec.get('source') or '(a prompt given as is)'}" + _also(rec),
        f"- template: {rec.get('template') or '—'}",
        f"- created: {rec['created_at']}" + (f", finished {rec['finished_at']}" if rec.get("finished_at") else ""),
        f"- attempts: {rec['attempts']}" + (f", latency {rec['latency_ms']} ms" if rec.get("latency_ms") else ""),
        f"- tokens: {_usage_line(rec['usage'])}",
        f"- cost: {cost_line(rec.get('cost') or {}, rec['status'])}",
        f"- parameters: {json.dumps(rec['params'], sort_keys=True)}",
        f"- prompt sha256: `{rec['prompt_sha256']}`",
    ]
    if run and run.get("concurrency_lowest") and run["concurrency_lowest"] < (run.get("concurrency_ceiling") or 0):
        meta.append(f"- run {run['id']}: at most {run['concurrency_lowest']} at once at the lowest "
                    f"(ceiling {run['concurrency_ceiling']}; {run.get('note') or 'overload'})")
    if rec.get("error"):
        meta.append(f"- error: {rec['error']}")
    if rec.get("note"):
        meta.append(f"- note: {rec['note']}")
    parts = [f"# Reply {rec['id']}", "", *meta, "", "## Prompt", "", rec["prompt"].rstrip(), ""]
    if rec.get("reasoning"):
        if reasoning:
            parts += ["## Reasoning", "", rec["reasoning"].rstrip(), ""]
        else:
            parts += [f"## Reasoning (folded: {len(rec['reasoning']):,} characters; `--reasoning` shows it)", ""]
    parts += ["## Reply", "", (rec.get("reply") or "(no reply)").rstrip()]
    if rec.get("claims"):
        given = {v["index"]: v for v in rec.get("claim_verdicts") or []}
        parts += ["", "## Verdicts on the claims sent", ""]
        for c in rec["claims"]:
            v = given.get(c["index"])
            if v:
                evidence = ", ".join(e for e in v["evidence"]) or "no evidence given"
                flag = " — **unsupported** (its evidence is suspect)" if v.get("supported") is False else ""
                parts.append(f"- [{c['index']}] **{v['status']}**{flag}: {c['text']}")
                parts.append(f"  - evidence: {evidence}" + (f"; note: {v['note']}" if v.get("note") else ""))
            else:
                parts.append(f"- [{c['index']}] no verdict: {c['text']}")
        if rec.get("verdicts_note"):
            parts.append(f"\n({rec['verdicts_note']})")
    if rec.get("related"):
        parts += ["", f"## Newer papers the prompt supplied ({len(rec['related'])}; --related)", ""]
        for p in rec["related"]:
            ident = f"arXiv:{p['arxiv_id']}" if p.get("arxiv_id") else f"doi:{p['doi']}" if p.get("doi") else "no ID"
            flag = " — **retracted**" if p.get("retracted") else ""
            parts.append(f"- [{p['claim']}] {p.get('date') or '?'}, {ident}: “{p['title']}”{flag}")
    if rec.get("sources"):
        from .sources import source_lines

        parts += ["", f"## Sources ({len(rec['sources'])})", "", *source_lines(rec["sources"])]
    if rec.get("verdicts"):
        parts += ["", "## Cited arXiv IDs (retest check)", ""]
        for v in rec["verdicts"]:
            line = f"- `{v['arxiv_id']}` — **{v['verdict']}**"
            if v.get("detail"):
                line += f": {v['detail']}"
            if v.get("online") == "not-found" and v["verdict"] != "not-found":
                line += " · also not found on arXiv"
            if v.get("online") == "found":
                line += f" · found: “{v['title']}” ({v.get('first_author') or '?'}, {v.get('published') or '?'})"
            parts.append(line)
    return "\n".join(parts) + "\n"


def _also(rec: dict) -> str:
    """The other documents whose prompt came out the same (sent once, each keeps its claims)."""
    named = set((rec.get("source") or "").split(", "))
    others = [d["source"] if isinstance(d, dict) else d for d in rec.get("documents") or []]
    others = [d for d in others if d not in named]
    return f" (the same prompt also from {', '.join(others)})" if others else ""
