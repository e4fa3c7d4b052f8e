"""``retest background``: list, collect or cancel the long replies ``send --background`` created, polled by id."""

from __future__ import annotations

import json
import sys

import click

from .common import open_or_explain, poll_option

_ARCHIVE = click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
_BASE_URL = click.option("--base-url", metavar="URL", help="OpenAI-compatible endpoint [env: OPENAI_BASE_URL].")
_ENDPOINT = click.option("-e", "--endpoint", metavar="NAME",
                         help="The named endpoint the responses were created at (-m MODEL@NAME), instead of --base-url.")


@click.group("background")
def command() -> None:
    """Background responses (`retest send --background`): list, collect, cancel.

    \b
    retest send seeds/ -m o4-mini-deep-research --background --no-wait   create, record each id, return
    retest background list                 what is still running (--all: everything)
    retest background collect --wait       poll every recorded response, archive each reply
    retest background cancel 12            cancel reply 12's response at the provider (or: resp_…, --all)
    """


def _generic(base_url, need_key=True, endpoint=None):
    from ..send.endpoint import Settings

    model = "(from each response)" + (f"@{endpoint}" if endpoint else "")
    s = Settings.for_models((model,), base_url=base_url, api="responses", stream=False)[0]
    s.check(need_key=need_key)
    return s


def _resume_jobs(archive, records, cancel=False) -> list:
    from ..send.background import Resume

    jobs = []
    for rec in records:
        reply = archive.get(rec["reply_id"])
        jobs.append(Resume(text=reply["prompt"], label=reply["source"] or f"reply {rec['reply_id']}",
                           template=reply["template"], source=reply["source"],
                           tokens=reply["prompt_tokens_counted"], reply_id=rec["reply_id"], cancel=cancel))
    return jobs


def _follow(archive_path, base_url, records_of, cancel=False, wait=False, poll=5.0, endpoint=None,
            prices=()) -> int:
    from ..archive import Archive
    from ..terminal.background import run_background
    from ..terminal.costs import spend_for
    from ..terminal.messages import warn

    s = _generic(base_url, endpoint=endpoint)
    spend = spend_for([], None, prices)  # each response priced by its own model as it is collected
    with Archive(archive_path, create=False) as archive:
        jobs = _resume_jobs(archive, records_of(archive, s), cancel)
    if not jobs:
        warn(f"no background responses waiting at {s.endpoint} (`retest background list --all` lists every one)")
        return 0
    return run_background(jobs, len(jobs), [s], archive_path, wait=wait, poll=poll, spend=spend)


@command.command("list", short_help="Background responses still waiting (--all: every one).")
@click.option("--all", "show_all", is_flag=True, help="Ended ones too.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (a JSON array).")
@_ARCHIVE
def list_cmd(show_all, as_json, archive_path):
    """Each background response: its reply's number, the provider's id, model, state (new, creating,
    open, unknown, ended) and last status, the document, when it was last polled, and why it ended."""
    from ..terminal.messages import meaning
    from ..terminal.tables import Cell, Col, table

    archive = open_or_explain(archive_path, as_json)
    if archive is None:
        return
    with archive:
        records = archive.background_records(pending=not show_all)
    keys = ("reply_id", "response_id", "model", "state", "status", "source", "endpoint", "created_at",
            "submitted_at", "polled_at", "polls", "ended_at", "reason")
    if as_json:
        click.echo(json.dumps([{k: r[k] for k in keys} for r in records], indent=2))
        return
    if not records:
        click.echo("no background responses waiting" + ("" if show_all else " (`--all` lists the ended ones)"),
                   err=True)
        return
    rows = [[str(r["reply_id"]), r["response_id"] or "—", r["model"], r["state"], r["status"] or "—",
             r["source"] or "—", (r["polled_at"] or "")[:19].replace("T", " "), Cell(r["reason"] or "", meaning(r["reason"] or ""))] for r in records]
    # at 80 columns the provider's id and the poll time give way to model and document; no reason, no column
    cols = [Col("reply", 5, 10, right=True), Col("response", 8, 40, 1, drop=2), Col("model", 6, 40),
            Col("state", 5, 8), Col("status", 6, 12, drop=3), Col("document", 20, 60, 2, cut="middle"),
            Col("polled (UTC)", 12, 19, drop=1), Col("reason", 6, 200, 3, fill=True)]
    click.echo(table(rows, cols))


@command.command("collect", short_help="Poll the recorded responses; archive each reply (--wait for all).")
@click.option("--wait", is_flag=True, help="Poll until every response has ended.")
@poll_option
@click.option("--price", "prices", multiple=True, metavar="[MODEL=]IN/OUT",
              help="Your price in USD per million tokens, input/output; MODEL= for one model. Beats the price "
                   "table and the prices file.")
@_BASE_URL
@_ENDPOINT
@_ARCHIVE
def collect_cmd(wait, poll, prices, base_url, endpoint, archive_path):
    """Poll every background response recorded for this endpoint once (or, with --wait, until each has
    ended), archive the replies that arrived and record the ones that failed, with the reason. A create
    an interrupted run left in flight is looked for first; it is never sent again.

    Exit status: 0 when nothing failed, 1 when some response failed or its outcome is unknown."""
    code = _follow(archive_path, base_url, lambda a, s: a.background_records(endpoint=s.endpoint), wait=wait,
                   poll=poll, endpoint=endpoint, prices=prices)
    sys.exit(code)


@command.command("cancel", short_help="Cancel background responses at the provider; record it.")
@click.argument("names", nargs=-1, metavar="[REPLY|RESPONSE_ID]...")
@click.option("--all", "cancel_all", is_flag=True, help="Every background response still waiting here.")
@_BASE_URL
@_ENDPOINT
@_ARCHIVE
def cancel_cmd(names, cancel_all, base_url, endpoint, archive_path):
    """Cancel each named response (a reply number from `retest background list`, or the provider's
    resp_… id) at the provider, then record where it ended: cancelled (its prompt is sent again with
    `retest send --background --retry-failed`), or the reply, if it finished first."""
    from ..errors import RetestError

    if bool(names) == cancel_all:
        raise click.UsageError("name the responses to cancel, or give --all (one of them)")

    def records(archive, s):
        if cancel_all:
            return archive.background_records(endpoint=s.endpoint)
        found = []
        for name in names:
            rec = archive.background_find(name)
            if rec is None:
                raise RetestError(f"no background response {name} in {archive.path} (see `retest background list`)")
            if rec["endpoint"] != s.endpoint:
                raise RetestError(f"background response {name} was created at {rec['endpoint']}, not {s.endpoint}: "
                                  "give its --base-url (or OPENAI_BASE_URL) or --endpoint NAME")
            found.append(rec)
        return found

    sys.exit(_follow(archive_path, base_url, records, cancel=True, endpoint=endpoint))
