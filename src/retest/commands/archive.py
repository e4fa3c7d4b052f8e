"""``retest archive``: browse, search and export what was sent and received."""

from __future__ import annotations

import json
import sys

import click

from .common import (
    MAX_ID,
    Number,
    ReplyRef,
    open_or_explain,
    parse_vars,
    resolve_reply,
    since_day,
    template_options,
)

_ARCHIVE = click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
_JSON = click.option("--json", "as_json", is_flag=True, help="Machine-readable output (a JSON array).")
_COUNT = click.option("-n", "count", type=Number(1, MAX_ID, integer=True), default=20, show_default=True,
                      metavar="N", help="Show at most N replies.")


@click.group("archive")
def command() -> None:
    """Browse, search and export the archive of prompts and replies."""


@command.command("path", short_help="Print where the archive lives.")
@_ARCHIVE
def path_cmd(archive_path) -> None:
    """Print where the archive lives."""
    from ..archive import locate

    click.echo(locate(archive_path)[0])


def _print_rows(rows: list[dict], as_json: bool, empty: str, words: list[str] | None = None) -> None:
    if words is not None:  # a search: the passage that matched, under each row
        from ..terminal.screen import matched_passage

        for r in rows:
            r["snippet"] = matched_passage(r, words, colour=not as_json)
    if as_json:
        from ..util.display import safe_json

        click.echo(safe_json(json.dumps([public(r) | ({"snippet": r["snippet"]} if words is not None else {})
                                         for r in rows], ensure_ascii=False, indent=2)))
        return
    if not rows:
        click.echo(empty, err=True)
        return
    from ..terminal.listings import rows_table

    if words is None:
        click.echo(rows_table(rows))
        return
    head, *lines = rows_table(rows, with_reply=False).splitlines()
    click.echo("\n".join([head] + [f"{line}\n    {r['snippet']}" for line, r in zip(lines, rows)]))


def public(rec: dict) -> dict:
    keys = ("id", "source", "source_sha256", "model", "endpoint", "api", "params", "template", "template_sha256",
            "prompt", "prompt_sha256", "reply", "reasoning", "status", "finish_reason", "error", "note",
            "attempts", "latency_ms", "created_at", "finished_at", "usage", "cost", "verdicts_note", "documents")
    return {k: rec.get(k) for k in keys}


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
    since = since_day(since)
    archive = open_or_explain(archive_path, as_json)
    if archive is None:
        return
    with archive:
        rows = archive.list(count, model=model, since=since, status=status)
    _print_rows(rows, as_json, "no replies match" if (model or since or status) else "no replies yet")


@command.command("search", short_help="Full-text search over prompts and replies.")
@click.argument("words", nargs=-1, required=True, metavar="WORDS...")
@_COUNT
@_JSON
@_ARCHIVE
def search_cmd(words, count, as_json, archive_path) -> None:
    """Replies whose text, prompt, or a source's title or domain contains every one of WORDS (full-text
    search; quoting them together is the same), newest first, each with the passage that matched
    (highlighted on a terminal, »between marks« elsewhere)."""
    text = " ".join(words)
    archive = open_or_explain(archive_path, as_json)
    if archive is None:
        return
    with archive:
        rows = archive.search(text, count)
    _print_rows(rows, as_json, f"no reply or prompt contains every word of {text!r}", words=text.split())


@command.command("show", short_help="One reply: prompt, metadata, verdicts, checks.",
                 context_settings={"ignore_unknown_options": True})  # so that -1, -2 … are IDs, not options
@click.argument("reply_id", type=ReplyRef(), metavar="ID")
@click.option("--reasoning", is_flag=True, help="Print the model's reasoning text in full (folded by default).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one JSON object).")
@click.option("--no-pager", is_flag=True, help="Print straight to the terminal, without a pager.")
@click.option("--raw", is_flag=True, help="To a pipe or file: the text exactly as archived, control characters too.")
@_ARCHIVE
def show_cmd(reply_id, reasoning, as_json, no_pager, raw, archive_path) -> None:
    """One reply with its prompt, metadata, verdicts and checks, as Markdown. ID is a reply's number, or
    ``last`` (also ``-1``) for the newest, ``-2`` for the one before it, and so on.

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
        reply_id = resolve_reply(archive, reply_id)
        rec = archive.get(reply_id)
        if rec is None:
            raise RetestError(f"no reply {reply_id} in {archive.path}")
        rec["attempt_log"] = archive.attempts(reply_id)
        rec["verdicts"] = archive.verdicts(reply_id)
        rec["claims"] = archive.prompt_claims(rec["prompt_id"])
        rec["documents"] = archive.prompt_documents(rec["prompt_id"]) or [
            {"source": s, "claims": [c["index"] for c in rec["claims"]]} for s in rec["documents"]]
        rec["claim_verdicts"] = archive.claim_verdicts(reply_id)
        rec["sources"] = archive.sources(reply_id)
        rec["related"] = archive.prompt_related(rec["prompt_id"])
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
                             "sources": rec["sources"], "related": rec["related"]}
        from ..util.display import safe_json

        click.echo(safe_json(json.dumps(out, ensure_ascii=False, indent=2)))
        return
    from ..terminal.reply import markdown

    text = markdown(rec, reasoning=reasoning, run=run)
    from ..terminal.screen import is_terminal, markdown_for_terminal, page

    if not is_terminal():
        from ..util.display import neutral

        sys.stdout.write(text if raw else neutral(text))
        return
    shown = markdown_for_terminal(text)
    page(shown) if not no_pager else sys.stdout.write(shown)


@command.command("stats", short_help="Requests, tokens, cost and failures per model (per day or run).")
@click.option("--by", type=click.Choice(["model", "day", "run"]), default="model", show_default=True,
              help="Per model, or per day (UTC) or run and model.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only replies created on or after this day (UTC).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output: {groups, total}.")
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def stats_cmd(by, since, as_json, archive_path) -> None:
    """What was sent and what it cost: "cost" is the replies kept, "spent" adds attempts that may have been
    billed without a reply. Costs are as priced when each reply arrived; "unknown" where no price was known."""
    from ..archive.costs import totals
    from ..terminal.listings import stats_table

    since = since_day(since)
    archive = open_or_explain(archive_path)
    groups = []
    if archive is not None:
        with archive:
            groups = archive.stats(by, since)
    total = totals(groups)
    if as_json:
        click.echo(json.dumps({"by": by, "since": since, "groups": groups, "total": total}, indent=2))
        return
    if not groups:
        if archive is not None:
            click.echo("no replies match" if since else "no replies yet", err=True)
        return
    click.echo(stats_table(groups, by, total))


@command.command("reprice", short_help="Price the replies kept without a price, at a price given since.")
@click.option("-m", "--model", metavar="MODEL", help="Only this model's replies (MODEL@ENDPOINT for a named one).")
@click.option("--price", "prices", multiple=True, metavar="[MODEL=]IN/OUT",
              help="A price in USD per million tokens, input/output; without MODEL= it needs --model. Else the "
                   "prices file's.")
@click.option("--dry-run", is_flag=True, help="Say what they would cost; change nothing.")
@_ARCHIVE
def reprice_cmd(model, prices, dry_run, archive_path) -> None:
    """Give the replies kept while no price was known for their model the cost a price now gives (--price, or
    the prices file), from the tokens archived with each; they are marked "priced later" wherever costs are
    shown. A cost found as a reply arrived is never changed. Exit status: 0 when every such reply has a price,
    1 when some still have none."""
    from ..send.prices import format_usd, parse_price_options
    from ..send.reprice import reprice
    from ..terminal.messages import message, warn

    given = parse_price_options(prices)
    if None in given and not model:
        raise click.UsageError("--price IN/OUT without MODEL= would price every model's replies alike: give "
                               "--model, or --price MODEL=IN/OUT")
    archive = open_or_explain(archive_path)
    if archive is None:
        return
    with archive:
        done = reprice(archive, given=given, model=model, dry_run=dry_run)
    verb = "would cost" if dry_run else "priced"
    for voice in sorted(done.priced):
        n = done.priced[voice]
        click.echo(message(f"{voice}: {n:,} repl{'y' if n == 1 else 'ies'} {verb} "
                           f"{format_usd(done.usd[voice], voice in done.estimated)} ({done.labels[voice]})"))
    for voice in sorted(done.unpriced):
        warn(f"{voice}: {done.unpriced[voice]:,} repl{'y' if done.unpriced[voice] == 1 else 'ies'} still without "
             f"a price: give one with --price {voice.split('@')[0]}=IN/OUT or in the prices file")
    for voice in sorted(done.no_usage):
        warn(f"{voice}: {done.no_usage[voice]:,} repl{'y' if done.no_usage[voice] == 1 else 'ies'} archived "
             "without token counts: nothing to price them by")
    priced = sum(done.priced.values())
    left = sum(done.unpriced.values()) + sum(done.no_usage.values())
    total = sum(done.usd.values())
    if not priced and not left:
        warn("no reply kept without a price" + (f" for {model}" if model else "") + ": nothing to price")
    elif dry_run:
        warn(f"dry run: {priced:,} of {priced + left:,} replies kept without a price would be priced, "
             f"{format_usd(total, bool(done.estimated))} in all; nothing was changed")
    else:
        warn(f"{priced:,} of {priced + left:,} replies kept without a price were priced, "
             f"{format_usd(total, bool(done.estimated))} in all (marked as priced later)")
    sys.exit(1 if left else 0)


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
    from ..terminal.reply import markdown
    from ..util.display import safe_json
    from ..util.files import output, refuse_archive

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
    from ..util.display import for_stream

    return text if out else for_stream(text)


@command.command("add", short_help="Add a reply pasted from a chat app to the archive and the ledger.")
@click.argument("reply", metavar="REPLY|-")
@click.option("--document", metavar="PATH", help="The document whose prompt the reply answers (the prompt "
              "`retest build` gives for it with the same --template/--var/--today).")
@click.option("--prompt", "prompt_ref", metavar="ID|SHA", help="Or: the archived prompt it answers.")
@click.option("--model", required=True, metavar="NAME", help="Who answered (e.g. chatgpt-deep-research).")
@template_options
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def add_cmd(reply, document, prompt_ref, model, template, variables, today, archive_path):
    """Record REPLY (a file, or - for stdin) as MODEL's reply to a prompt: its verdicts and citations are read
    as for any reply (Markdown links and footnotes become its sources), it is marked pasted (no usage, no
    cost), and it is one more voice in `retest claims` and the report. Adding the same text again adds
    nothing."""
    from ..archive import Archive
    from ..check.pasted import MAX_BYTES, add_pasted, prompt_in_archive, prompt_of_document, reply_text
    from ..errors import RetestError
    from ..results.arrival import arrived
    from ..terminal.messages import warn

    if bool(document) == bool(prompt_ref):
        raise click.UsageError("give --document PATH or --prompt ID|SHA (one of them)")
    if not model.strip() or not model.isprintable():
        raise click.UsageError("--model: give a name such as chatgpt-deep-research")
    try:  # never more than the largest reply taken, however large the file
        if reply == "-":
            data = click.get_binary_stream("stdin").read(MAX_BYTES + 1)
        else:
            with open(reply, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise RetestError(f"{reply}: cannot read it ({exc.strerror or exc})") from None
    text = reply_text(data, "stdin" if reply == "-" else reply)
    if document:  # built before the archive is opened: a document that is not an inquiring line stores nothing
        job = prompt_of_document(document, template, parse_vars(variables), today.date() if today else None)
    with Archive(archive_path, create=bool(document)) as archive:
        if prompt_ref:
            job = prompt_in_archive(archive, prompt_ref)
        reply_id, added = add_pasted(archive, job, model.strip(), text)
        found = arrived(archive, reply_id) if added else None
    if not added:
        warn(f"the same reply was added before: reply {reply_id} (nothing added)")
        return
    counts = f"{found['verdicts']} of {found['claims']} claims given verdicts" if found else ""
    warn(f"added reply {reply_id} from {model.strip()} (pasted){'; ' + counts if counts else ''}")
