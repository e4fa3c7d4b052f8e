"""``retest archive``: browse, search and export what was sent and received."""

from __future__ import annotations

import json
import sys

import click

_ARCHIVE = click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")


def _open(path):
    from ..archive import Archive

    return Archive(path, create=False)


@click.group("archive")
def command() -> None:
    """Browse the archive of prompts and replies."""


@command.command("path")
@_ARCHIVE
def path_cmd(archive_path) -> None:
    """Print where the archive lives."""
    from ..archive import default_path

    click.echo(archive_path or default_path())


def _line(rec: dict) -> str:
    first = (rec.get("reply") or rec.get("error") or "").strip().splitlines()
    preview = first[0][:70] if first else ""
    tokens = rec["usage"].get("total_tokens")
    return (f"{rec['id']:>6}  {rec['created_at'][:16].replace('T', ' ')}  {rec['status']:<7}  {rec['model'][:24]:<24}  "
            f"{(tokens if tokens is not None else '-')!s:>6}  {(rec.get('source') or '(prompt)')[-40:]:<40}  {preview}")


def _print_rows(rows: list[dict], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([_public(r) for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no replies", err=True)
        return
    click.echo(f"{'id':>6}  {'created (UTC)':<16}  {'status':<7}  {'model':<24}  {'tokens':>6}  {'source':<40}  reply")
    for rec in rows:
        click.echo(_line(rec))


def _public(rec: dict) -> dict:
    keys = ("id", "source", "source_sha256", "model", "endpoint", "params", "template", "template_sha256",
            "prompt", "prompt_sha256", "reply", "status", "finish_reason", "error", "attempts", "latency_ms",
            "created_at", "finished_at", "usage")
    return {k: rec.get(k) for k in keys}


@command.command("list")
@click.option("-n", "count", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--model", help="Only replies from this model.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only replies created on or after this day.")
@click.option("--status", type=click.Choice(["ok", "failed", "pending"]))
@click.option("--json", "as_json", is_flag=True)
@_ARCHIVE
def list_cmd(count, model, since, status, as_json, archive_path) -> None:
    """The newest replies first."""
    if since:
        import datetime as dt

        try:
            dt.date.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(f"{since!r} is not YYYY-MM-DD", param_hint="--since") from None
    with _open(archive_path) as archive:
        _print_rows(archive.list(count, model=model, since=since, status=status), as_json)


@command.command("search")
@click.argument("text")
@click.option("-n", "count", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@_ARCHIVE
def search_cmd(text, count, as_json, archive_path) -> None:
    """Replies whose text or prompt contains every word of TEXT (full-text search)."""
    with _open(archive_path) as archive:
        _print_rows(archive.search(text, count), as_json)


@command.command("show")
@click.argument("reply_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@_ARCHIVE
def show_cmd(reply_id, as_json, archive_path) -> None:
    """One reply with its prompt and metadata (Markdown)."""
    from ..errors import RetestError

    with _open(archive_path) as archive:
        rec = archive.get(reply_id)
        if rec is None:
            raise RetestError(f"no reply {reply_id} in {archive.path}")
        rec["attempt_log"] = archive.attempts(reply_id)
        rec["verdicts"] = archive.verdicts(reply_id)
    if as_json:
        out = _public(rec) | {"attempt_log": rec["attempt_log"], "verdicts": rec["verdicts"]}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(markdown(rec))


def markdown(rec: dict) -> str:
    usage = rec["usage"]
    meta = [
        f"- model: `{rec['model']}` at `{rec['endpoint']}`",
        f"- status: {rec['status']}" + (f" ({rec['finish_reason']})" if rec.get("finish_reason") else ""),
        f"- source: {rec.get('source') or '(a prompt given as is)'}",
        f"- template: {rec.get('template') or '—'}",
        f"- created: {rec['created_at']}" + (f", finished {rec['finished_at']}" if rec.get("finished_at") else ""),
        f"- attempts: {rec['attempts']}" + (f", latency {rec['latency_ms']} ms" if rec.get("latency_ms") else ""),
        f"- tokens: {usage.get('prompt_tokens') or '?'} in, {usage.get('completion_tokens') or '?'} out",
        f"- parameters: {json.dumps(rec['params'], sort_keys=True)}",
        f"- prompt sha256: `{rec['prompt_sha256']}`",
    ]
    if rec.get("error"):
        meta.append(f"- error: {rec['error']}")
    parts = [f"# Reply {rec['id']}", "", *meta, "", "## Prompt", "", rec["prompt"].rstrip(), "", "## Reply", "",
             (rec.get("reply") or "(no reply)").rstrip()]
    if rec.get("verdicts"):
        parts += ["", "## Cited arXiv IDs (retest check)", ""]
        for v in rec["verdicts"]:
            line = f"- `{v['arxiv_id']}` — **{v['verdict']}**"
            if v.get("detail"):
                line += f": {v['detail']}"
            if v.get("online") == "found":
                line += f" · found: “{v['title']}” ({v.get('first_author') or '?'}, {v.get('published') or '?'})"
            parts.append(line)
    return "\n".join(parts) + "\n"


@command.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "markdown"]), default="jsonl", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@click.option("--all", "include_all", is_flag=True, help="Failed and pending records too, not only replies.")
@_ARCHIVE
def export_cmd(fmt, out, include_all, archive_path) -> None:
    """Every reply, one record each: id, source, model, prompt, prompt_sha256, reply, status, created_at, usage…"""
    from contextlib import nullcontext

    n = 0
    with _open(archive_path) as archive, (open(out, "w", encoding="utf-8") if out else nullcontext(sys.stdout)) as fh:
        for rec in archive.iter_all(None if include_all else "ok"):
            if fmt == "jsonl":
                fh.write(json.dumps(_public(rec), ensure_ascii=False) + "\n")
            else:
                fh.write(markdown(rec) + "\n---\n\n")
            n += 1
    if out:
        click.echo(f"wrote {n} records to {out}", err=True)
