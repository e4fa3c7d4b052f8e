"""``retest archive``: browse, search and export what was sent and received."""

from __future__ import annotations

import json
import sys

import click

from .common import MAX_ID, Number, reply_id_type
from .stats import command as stats_command

_ARCHIVE = click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
_JSON = click.option("--json", "as_json", is_flag=True, help="Machine-readable output (a JSON array).")
_COUNT = click.option("-n", "count", type=Number(1, MAX_ID, integer=True), default=20, show_default=True,
                      metavar="N", help="Show at most N replies.")


def open_or_explain(path, as_json: bool = False):
    """The archive for reading, or None after saying that nothing is archived yet (exit 0)."""
    from ..archive import locate, open_for_reading

    archive = open_for_reading(path)
    if archive is None:
        if as_json:
            click.echo("[]")
        click.echo(f"no replies yet — `retest send` fills the archive at {locate(path)[0]}", err=True)
    return archive


@click.group("archive")
def command() -> None:
    """Browse, search and export the archive of prompts and replies."""


@command.command("path", short_help="Print where the archive lives.")
@_ARCHIVE
def path_cmd(archive_path) -> None:
    """Print where the archive lives."""
    from ..archive import locate

    click.echo(locate(archive_path)[0])


def _when(stamp: str | None) -> str:
    """``11-25 10:41`` this year, ``2025-11-25`` before: short enough for 80 columns."""
    import datetime as dt

    if not stamp:
        return ""
    if stamp[:4] == str(dt.datetime.now(dt.timezone.utc).year):
        return stamp[5:16].replace("T", " ")
    return stamp[:10]


def _tokens(rec: dict) -> str:
    total = rec["usage"].get("total_tokens")
    if total is None:
        return "-"
    return f"{'~' if rec['usage'].get('estimated') else ''}{total:,}"


def _cost(rec: dict) -> str:
    from ..send.prices import format_usd

    cost = rec.get("cost") or {}
    if rec["status"] == "ok":  # "?": no price was known (never $0.00); narrow, so that 80 columns fit
        return "?" if cost.get("usd") is None else format_usd(cost["usd"], cost.get("estimated"))
    return format_usd(cost["spent_usd"], True) if cost.get("spent_usd") else "-"


def rows_table(rows: list[dict], with_reply: bool = True) -> str:
    from ..display import first_line, relative
    from .views import Col, table

    cols = [Col("id", 2, 12, right=True), Col("when (UTC)", 10, 11), Col("status", 6, 7, colour=True),
            Col("model", 8, 30, 1), Col("template", 8, 16, 1), Col("tokens", 6, 10, right=True),
            Col("cost", 4, 10, right=True), Col("source", 14, 90, 3, "middle"), Col("reply", 7, 200, 1)]
    cells = []
    for rec in rows:
        preview = first_line(rec.get("reply") or rec.get("error") or "", 200)
        cells.append([str(rec["id"]), _when(rec["created_at"]), rec["status"], rec["model"],
                      rec.get("template") or "(as is)", _tokens(rec), _cost(rec),
                      relative(rec.get("source") or "(prompt)"),
                      preview][: len(cols) if with_reply else -1])
    return table(cells, cols if with_reply else cols[:-1])


def _print_rows(rows: list[dict], as_json: bool, empty: str, words: list[str] | None = None) -> None:
    if words is not None:  # a search: the passage that matched, under each row
        from .terminal import matched_passage

        for r in rows:
            r["snippet"] = matched_passage(r, words, colour=not as_json)
    if as_json:
        from ..display import safe_json

        click.echo(safe_json(json.dumps([public(r) | ({"snippet": r["snippet"]} if words is not None else {})
                                         for r in rows], ensure_ascii=False, indent=2)))
        return
    if not rows:
        click.echo(empty, err=True)
        return
    if words is None:
        click.echo(rows_table(rows))
        return
    head, *lines = rows_table(rows, with_reply=False).splitlines()
    click.echo("\n".join([head] + [f"{line}\n    {r['snippet']}" for line, r in zip(lines, rows)]))


def public(rec: dict) -> dict:
    keys = ("id", "source", "source_sha256", "model", "endpoint", "api", "params", "template", "template_sha256",
            "prompt", "prompt_sha256", "reply", "reasoning", "status", "finish_reason", "error", "note",
            "attempts", "latency_ms", "created_at", "finished_at", "usage", "cost", "verdicts_note")
    return {k: rec.get(k) for k in keys}


def _since(value: str | None) -> str | None:
    if not value:
        return None
    import datetime as dt

    try:
        return dt.datetime.strptime(value, "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date written YYYY-MM-DD", param_hint="--since") from None


@command.command("list", short_help="The newest replies first.")
@_COUNT
@click.option("--model", help="Only replies from this model.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only replies created on or after this day (UTC).")
@click.option("--status", type=click.Choice(["ok", "failed", "pending"]),
              help="Only replies in this state: ok (a whole reply), failed, or pending (being sent, or in a batch).")
@_JSON
@_ARCHIVE
def list_cmd(count, model, since, status, as_json, archive_path) -> None:
    """The newest replies first."""
    since = _since(since)
    archive = open_or_explain(archive_path, as_json)
    if archive is None:
        return
    with archive:
        rows = archive.list(count, model=model, since=since, status=status)
    _print_rows(rows, as_json, "no replies match" if (model or since or status) else "no replies yet")


@command.command("search", short_help="Full-text search over prompts and replies.")
@click.argument("text")
@_COUNT
@_JSON
@_ARCHIVE
def search_cmd(text, count, as_json, archive_path) -> None:
    """Replies whose text, prompt, or a source's title or domain contains every word of TEXT (full-text
    search), newest first, each with the passage that matched (highlighted on a terminal, »between
    marks« elsewhere)."""
    archive = open_or_explain(archive_path, as_json)
    if archive is None:
        return
    with archive:
        rows = archive.search(text, count)
    _print_rows(rows, as_json, f"no reply or prompt contains every word of {text!r}", words=text.split())


@command.command("show", short_help="One reply: prompt, metadata, verdicts, checks.")
@click.argument("reply_id", type=reply_id_type(), metavar="ID")
@click.option("--reasoning", is_flag=True, help="Print the model's reasoning text in full (folded by default).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one JSON object).")
@click.option("--no-pager", is_flag=True, help="Print straight to the terminal, without a pager.")
@click.option("--raw", is_flag=True, help="To a pipe or file: the text exactly as archived, control characters too.")
@_ARCHIVE
def show_cmd(reply_id, reasoning, as_json, no_pager, raw, archive_path) -> None:
    """One reply with its prompt, metadata, verdicts and checks, as Markdown.

    On a terminal the Markdown is rendered and shown through your pager (PAGER, else less; LESS=FRX
    unless LESS is set), as git does; --no-pager prints it. To a pipe or file it is plain Markdown,
    its control characters shown as visible symbols as on a terminal (--raw: exactly as archived).
    """
    from ..archive import locate
    from ..errors import RetestError

    archive = open_or_explain(archive_path)
    if archive is None:
        raise RetestError(f"no reply {reply_id}: nothing is archived yet at {locate(archive_path)[0]}")
    with archive:
        rec = archive.get(reply_id)
        if rec is None:
            raise RetestError(f"no reply {reply_id} in {archive.path}")
        rec["attempt_log"] = archive.attempts(reply_id)
        rec["verdicts"] = archive.verdicts(reply_id)
        rec["claims"] = archive.prompt_claims(rec["prompt_id"])
        rec["claim_verdicts"] = archive.claim_verdicts(reply_id)
        rec["sources"] = archive.sources(reply_id)
        if rec["status"] == "ok" and rec.get("verdicts_at") is None:  # archived by an older retest: read it now
            from ..check.reply import check_archived

            report = check_archived(archive, reply_id, save=not archive.readonly)
            rec["verdicts_note"] = report.verdicts_problem
            rec["verdicts"] = [vars(c) | {"arxiv_id": c.id} for c in report.cited]
            rec["claim_verdicts"] = [{"index": c.index, "status": c.status, "evidence": c.evidence,
                                      "supported": c.supported, "note": c.note} for c in report.claims if c.status]
        run = archive.run(rec["run_id"]) if rec.get("run_id") else None
    if as_json:
        out = public(rec) | {"attempt_log": rec["attempt_log"], "verdicts": rec["verdicts"],
                             "claims": rec["claims"], "claim_verdicts": rec["claim_verdicts"],
                             "sources": rec["sources"]}
        from ..display import safe_json

        click.echo(safe_json(json.dumps(out, ensure_ascii=False, indent=2)))
        return
    text = markdown(rec, reasoning=reasoning, run=run)
    from .terminal import is_terminal, markdown_for_terminal, page

    if not is_terminal():
        from ..display import neutral

        sys.stdout.write(text if raw else neutral(text))
        return
    shown = markdown_for_terminal(text)
    page(shown) if not no_pager else sys.stdout.write(shown)


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
        return "unknown (no price for this model at this endpoint; see README, \"What it costs\")"
    text = format_usd(cost.get("usd"), cost.get("estimated")) if status == "ok" else "no reply kept"
    if cost.get("source"):
        text += f" ({cost['source']})"
    if cost.get("spent_usd") and (cost.get("usd") is None or cost["spent_usd"] > cost["usd"] + 1e-12):
        text += f"; spent {format_usd(cost['spent_usd'], cost.get('spent_estimated'))} with failed attempts"
    return text


def markdown(rec: dict, reasoning: bool = False, run: dict | None = None) -> str:
    meta = [
        f"- model: `{rec['model']}` at `{rec['endpoint']}`" + (f" ({rec['api']} API)" if rec.get("api") else ""),
        f"- status: {rec['status']}" + (f" ({rec['finish_reason']})" if rec.get("finish_reason") else ""),
        f"- source: {rec.get('source') or '(a prompt given as is)'}",
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
    if rec.get("sources"):
        from .sources_view import source_lines

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


command.add_command(stats_command)


@command.command("export", short_help="Every reply as JSON lines or Markdown.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "markdown"]), default="jsonl", show_default=True,
              help="One JSON object per line, or Markdown documents separated by ---.")
@click.option("-o", "--out", metavar="FILE", help="Write here instead of stdout (never over the archive itself).")
@click.option("--all", "include_all", is_flag=True, help="Failed and pending records too, not only replies.")
@_ARCHIVE
def export_cmd(fmt, out, include_all, archive_path) -> None:
    """Every reply, one record each: id, source, model, prompt, reply, status, usage, verdicts…"""
    import contextlib

    from ..archive import locate
    from ..display import safe_json
    from ..files import output, refuse_archive

    where = locate(archive_path)[0]
    if out:
        refuse_archive(out, where, "--out")
    archive = open_or_explain(archive_path)
    if archive is None:
        return
    n = 0
    # a file is written whole or not at all (a temporary file renamed at the end)
    with archive, (output(out, "--out", archive=where) if out else contextlib.nullcontext(sys.stdout)) as fh:
        for rec in archive.iter_all(None if include_all else "ok"):
            if fmt == "jsonl":
                rec_out = public(rec) | {"claim_verdicts": archive.claim_verdicts(rec["id"]),
                                         "sources": archive.sources(rec["id"])}
                fh.write(safe_json(json.dumps(rec_out, ensure_ascii=False)) + "\n")
            else:
                rec["claims"] = archive.prompt_claims(rec["prompt_id"])
                rec["claim_verdicts"] = archive.claim_verdicts(rec["id"])
                rec["verdicts"] = archive.verdicts(rec["id"])
                rec["sources"] = archive.sources(rec["id"])
                fh.write(_shown(markdown(rec), out) + "\n---\n\n")
            n += 1
    if out:
        click.echo(f"wrote {n} records to {out}", err=True)


def _shown(text: str, out) -> str:
    """Exact into a file or pipe; neutralised on a terminal."""
    from ..display import for_stream

    return text if out else for_stream(text)
