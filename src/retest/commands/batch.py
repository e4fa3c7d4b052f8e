"""``retest batch``: many prompts through a provider's Batch API, or through files for any executor."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..terminal.costs import spend_for
from .common import (
    Number,
    check_served,
    cost_options,
    endpoint_options,
    max_size_option,
    max_tokens_option,
    model_check_option,
    open_or_explain,
    parse_vars,
    prompts_or_exit,
    search_options,
    template_options,
    verdicts_option,
)
from ..terminal.related import related_options, related_request, stdin_lookup


@click.group("batch")
def command() -> None:
    """Send many prompts through a provider's Batch API (half the price, within 24 h).

    \b
    retest batch submit seeds/ -m gpt-4o     build, upload, create; prints the batch IDs
    retest batch status                      where each open batch is
    retest batch collect --wait              wait for the batches, archive every reply
    retest batch export seeds/ -m M -o requests.jsonl   the same requests, for vllm run-batch
    retest batch import results.jsonl        archive the executor's results
    """


def _settings(models, base_url, api, system, temperature, max_output_tokens, need_model=True, need_key=True,
              verdicts="block", search=None, endpoint=None):
    from ..batch.api import timeout_from_env
    from ..build.verdict_block import schema_for
    from ..send.endpoint import Settings

    models = models or (() if need_model else (f"(from each batch){'@' + endpoint if endpoint else ''}",))
    settings = Settings.for_models(models, base_url=base_url, api=api, system=system, temperature=temperature,
                                   max_output_tokens=max_output_tokens, stream=False,
                                   response_format=schema_for(verdicts), timeout=timeout_from_env(), **(search or {}))
    for s in settings:
        s.check(need_key=need_key)
    return settings


_ENDPOINT = click.option("-e", "--endpoint", metavar="NAME",
                         help="The named endpoint the batches went to (-m MODEL@NAME), instead of --base-url.")


def _remote(s):
    from ..batch.api import Remote

    return Remote(s)


def _reconcile(archive, remote, s) -> None:
    from ..batch.runner import reconcile
    from ..terminal.messages import warn

    for line in reconcile(archive, remote, s.endpoint):
        warn(line)


def _prompts(paths, template, variables, today, model, max_tokens, max_size, verdicts="block", related=None):
    import os

    # nothing waits on a network here: a builder per core (the documents are split between them)
    prompts, _ = prompts_or_exit(paths, template, parse_vars(variables), today, model, max_tokens, max_size,
                                 verdicts=verdicts != "none", builders=min(2, os.cpu_count() or 1), related=related)
    return prompts


@command.command("submit", short_help="Build, upload and create batches; prints their IDs.")
@click.argument("paths", nargs=-1, required=True)
@template_options
@endpoint_options
@max_tokens_option
@click.option("--per-file", type=Number(1, 50_000, integer=True), default=50_000, show_default=True, metavar="N",
              help="Requests per batch file (some providers allow fewer; files are also kept under 200 MB).")
@click.option("--force", is_flag=True, help="Send even prompts already answered with these settings.")
@verdicts_option
@max_size_option
@search_options
@cost_options
@model_check_option
@related_options
def submit_cmd(paths, template, variables, today, models, base_url, api, system, temperature, max_output_tokens,
               archive_path, max_tokens, per_file, force, verdicts, max_size, search, max_cost, prices,
               no_model_check, related):
    """Build every prompt for PATHS, skip those already answered or in an open batch, and submit the
    rest as batches (one per model and per file of at most --per-file requests)."""
    from ..archive import Archive
    from ..batch.costs import admission
    from ..batch.submit import submit
    from ..terminal.messages import message, say, warn
    from ..util.display import neutral

    settings = _settings(models, base_url, api, system, temperature, max_output_tokens, verdicts=verdicts,
                         search=search)
    check_served(settings, no_model_check)
    spend = spend_for(settings, max_cost, prices, batch=True) if max_cost is not None else None
    settings = spend.bounded(settings) if spend is not None else settings
    prompts = _prompts(paths, template, variables, today, settings[0].model, max_tokens, max_size, verdicts,
                       stdin_lookup(related_request(related, today, archive_path), paths, max_size))
    remotes = {s.endpoint: _remote(s) for s in reversed(settings)}  # each endpoint's batches go to it
    with Archive(archive_path) as archive:
        for s in {s.endpoint: s for s in settings}.values():
            _reconcile(archive, remotes[s.endpoint], s)
        into = submit(prompts, settings, archive, remotes, force=force, per_file=per_file,
                      on_created=lambda b: click.echo(neutral(f"{b['remote_id']}\t{b['model']}\t"
                                                              f"{b['requests']:,} requests")),
                      on_failure=lambda text: say(f"retest: error: {message(text)}"),
                      admit=admission(spend) if spend else None, on_stopping=_stopping)
    for line in into.problems:
        say(f"retest: error: {message(line)}")
    total = sum(b["requests"] for b in into.created)
    not_made = (f"; {len(into.failed)} batch(es) of {sum(b['requests'] for b in into.failed):,} requests failed to "
                "be created" if into.failed else "")
    warn(f"{total:,} requests in {len(into.created)} batch(es){not_made}; {into.skipped} already answered, "
         f"{into.held} in an open batch or being sent elsewhere" + (f"; {into.input_failures} document(s) could not "
                                                                    "be built" if into.input_failures else ""))
    if into.unsent:
        warn(f"{into.unsent:,} request(s) not submitted: {spend.why}; submit again with a higher --max-cost to "
             "submit only the rest")
    if into.stopped:
        given = f" ({into.given_back} batch(es) written were given back)" if into.given_back else ""
        warn("stopped by Ctrl-C: every batch created was recorded (`retest batch collect` archives its replies); "
             f"the prompts not submitted{given} wait for the next run — run the same command again to submit them")
        sys.exit(130)
    sys.exit(1 if into.problems or into.input_failures or into.unsent else 0)


def _stopping(current: int | None) -> None:
    """The first Ctrl-C, said at once (from the signal handler: straight to the file descriptor)."""
    import os

    what = (f"waiting for batch {current}'s upload or creation in flight, to record it" if current is not None
            else "nothing new is started")
    text = f"retest: stopping: {what}; Ctrl-C again to stop at once\n"
    try:
        os.write(2, text.encode())
    except OSError:
        pass


def _find(archive, name):
    from ..errors import RetestError

    batch = archive.find_batch(name)
    if batch is None:
        raise RetestError(f"no batch {name} in {archive.path} (see `retest batch status`)")
    return batch


def _status_rows(batches) -> str:
    from ..terminal.tables import Col, table

    rows = []
    for b in batches:
        counts = b["counts"] or {}
        done = f"{counts.get('completed', 0)}/{counts.get('total', b['requests'])}" if counts else f"0/{b['requests']}"
        failed = str(counts.get("failed", 0)) if counts else "0"
        state = b["remote_status"] or b["state"]
        if b.get("collected_at"):
            state += " (collected)"
        rows.append([str(b["id"]), b["remote_id"] or "—", b["model"], state, done, failed,
                     (b["expires_at"] or "")[:16].replace("T", " ")])
    cols = [Col("#", 1, 8, right=True), Col("batch", 8, 40, 2), Col("model", 6, 30, 1), Col("state", 9, 24),
            Col("done", 5, 15, right=True), Col("failed", 6, 8, right=True), Col("expires (UTC)", 16, 16)]
    return table(rows, cols)


@command.command("status", short_help="Each open (or the named) batch's state and counts.")
@click.argument("name", required=False, metavar="[BATCH]")
@click.option("--all", "show_all", is_flag=True, help="Collected and given-up batches too.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (a JSON array).")
@click.option("--base-url", metavar="URL", help="OpenAI-compatible endpoint [env: OPENAI_BASE_URL].")
@_ENDPOINT
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def status_cmd(name, show_all, as_json, base_url, endpoint, archive_path):
    """The lifecycle state of every open batch (or the named one): validating, in_progress,
    finalizing, completed, failed, expired, cancelling, cancelled — and its request counts."""
    from ..batch.runner import refresh

    s = _settings((), base_url, None, None, None, None, need_model=False, endpoint=endpoint)[0]
    archive = open_or_explain(archive_path, as_json)
    if archive is None:
        return
    remote = _remote(s)
    with archive:
        _reconcile(archive, remote, s)
        batches = [_find(archive, name)] if name else archive.batches(open_only=not show_all, endpoint=s.endpoint)
        batches = refresh(archive, remote, batches)
    if as_json:
        keys = ("id", "remote_id", "model", "api", "state", "remote_status", "counts", "requests", "created_at",
                "expires_at", "collected_at", "input_file_id", "output_file_id", "error_file_id", "error")
        from ..util.display import safe_json

        click.echo(safe_json(json.dumps([{k: b.get(k) for k in keys} for b in batches], indent=2)))
    elif batches:
        click.echo(_status_rows(batches))
        from ..terminal.messages import warn

        for b in batches:
            if b["state"] == "failed" and b["error"]:
                warn(f"batch {b['id']} failed: {b['error']}")
    else:
        click.echo("no open batches (`retest batch status --all` lists the collected ones)", err=True)


@command.command("collect", short_help="Archive the replies of finished batches (--wait for them).")
@click.argument("name", required=False, metavar="[BATCH]")
@click.option("--wait", is_flag=True, help="Poll until every open batch has ended, then collect.")
@click.option("--poll", type=Number(0.01, 3600), default=10, show_default=True, metavar="SECONDS",
              help="First pause between polls with --wait; each pause is 1.5x the last, up to 5 minutes.")
@click.option("--base-url", metavar="URL", help="OpenAI-compatible endpoint [env: OPENAI_BASE_URL].")
@_ENDPOINT
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def collect_cmd(name, wait, poll, base_url, endpoint, archive_path):
    """Download the results of ended batches, archive each reply exactly once, and record failed or
    expired requests with the provider's reason (they are sent again by the next `batch submit`).

    Exit status: 0 when every collected request has a reply, 1 when some failed or expired
    (listed one line each), 2 for unusable settings.
    """
    from ..batch.api import ENDED
    from ..batch.runner import Collected, collect_batch, refresh, wait_for
    from ..results.arrival import arrived
    from ..terminal.messages import message, say, warn
    from ..terminal.progress import Waiting

    s = _settings((), base_url, None, None, None, None, need_model=False, endpoint=endpoint)[0]
    archive = open_or_explain(archive_path)
    if archive is None:
        return
    remote = _remote(s)
    done = Collected()
    with archive:
        _reconcile(archive, remote, s)
        if name:  # a named batch is collected again if asked: nothing is archived twice
            batches = [b for b in [_find(archive, name)] if b["remote_id"]]
        else:
            batches = [b for b in archive.batches(open_only=True, endpoint=s.endpoint) if b["state"] == "submitted"]
        if wait and batches:
            with Waiting(batches) as show:
                batches = wait_for(archive, remote, batches, first=poll, on_update=show.update)
        else:
            batches = refresh(archive, remote, batches)
        for b in batches:
            if b["remote_status"] in ENDED:
                collect_batch(archive, remote, b, done, after_reply=arrived)
            else:
                counts = b["counts"] or {}
                warn(f"batch {b['remote_id']} is {b['remote_status']} ({counts.get('completed', 0)} of "
                     f"{counts.get('total', b['requests'])} done); collect it later, or use --wait")
    for line in done.failed:
        say(f"retest: failed: {message(line)}")
    _say_unknown(done)
    warn(f"{done.replies:,} replies archived from {len(done.batches)} batch(es), {len(done.failed):,} failed or "
         f"expired" + (f", {done.already:,} already archived" if done.already else ""))
    sys.exit(1 if done.failed or done.unknown or done.unreadable else 0)


def _say_unknown(done) -> None:
    from ..terminal.messages import warn

    if done.unknown:
        shown = ", ".join(done.unknown[:5]) + (" …" if len(done.unknown) > 5 else "")
        warn(f"{len(done.unknown):,} result line(s) match no request in this archive and were not archived: {shown}")
    if done.unreadable:
        warn(f"{done.unreadable:,} result line(s) could not be read and were skipped")


@command.command("cancel", short_help="Cancel a batch (collect it afterwards for partial results).")
@click.argument("name", metavar="BATCH")
@click.option("--base-url", metavar="URL", help="OpenAI-compatible endpoint [env: OPENAI_BASE_URL].")
@_ENDPOINT
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def cancel_cmd(name, base_url, endpoint, archive_path):
    """Cancel BATCH (a provider batch ID, or a number from `retest batch status`). An exported request
    file is released instead: its prompts can be sent again."""
    from ..archive import Archive
    from ..terminal.messages import warn

    with Archive(archive_path, create=False) as archive:
        batch = _find(archive, name)
        if batch["remote_id"] is None:
            archive.release_batch(batch["id"], state="cancelled", error="cancelled by the user")
            warn(f"batch {batch['id']} released: its {batch['requests']:,} prompts can be sent again")
            return
        s = _settings((), base_url, None, None, None, None, need_model=False, endpoint=endpoint)[0]
        after = _remote(s).cancel(batch["remote_id"])
        archive.set_batch(batch["id"], remote_status=after["remote_status"], counts=after["counts"])
    warn(f"batch {batch['remote_id']} is {after['remote_status']}; `retest batch collect` archives what it finished")


@command.command("export", short_help="Write the request file for vllm run-batch and the like.")
@click.argument("paths", nargs=-1, required=True)
@template_options
@endpoint_options
@click.option("-o", "--out", required=True, metavar="FILE", help="Where to write the requests (JSONL; - for stdout).")
@max_tokens_option
@click.option("--force", is_flag=True, help="Include prompts already answered with these settings.")
@verdicts_option
@max_size_option
@search_options
@related_options
def export_cmd(paths, template, variables, today, models, base_url, api, system, temperature, max_output_tokens,
               archive_path, out, max_tokens, force, verdicts, max_size, search, related):
    """Write the same request file `batch submit` would upload, for `vllm run-batch -i FILE -o results.jsonl
    --model M` or any executor that reads OpenAI batch files; archive its results with `batch import`.
    The prompts are held for that file until then (`retest batch cancel N` releases them)."""
    from ..archive import Archive
    from ..batch.runner import write_requests
    from ..terminal.messages import message, say, warn
    from ..errors import RetestError

    settings = _settings(models, base_url, api, system, temperature, max_output_tokens, need_key=False,
                         verdicts=verdicts, search=search)
    if len(settings) > 1:
        raise click.UsageError("one --model per exported file (the executor runs one model)")
    prompts = _prompts(paths, template, variables, today, settings[0].model, max_tokens, max_size, verdicts,
                       stdin_lookup(related_request(related, today, archive_path), paths, max_size))
    target = Path(out)
    try:
        if out != "-":  # - is stdout
            target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RetestError(f"-o {out}: cannot create its folder ({exc.strerror})") from None
    from ..archive import locate
    from ..util.files import output

    with Archive(archive_path) as archive, output(target, "-o", archive=locate(archive_path)[0]) as fh:
        try:
            done = write_requests(prompts, settings, archive, force=force, out=target, out_handle=fh,
                                  on_failure=lambda text: say(f"retest: error: {message(text)}"))
        except OSError as exc:
            raise RetestError(f"-o {out}: cannot write it ({exc.strerror or exc})") from None
    total = sum(b["requests"] for b in done.batches)
    batch = done.batches[0]["id"] if done.batches else None
    where = "stdout" if out == "-" else out
    warn(f"wrote {total:,} requests to {where}" + (f" (batch {batch} here)" if batch else "") +
         f"; {done.skipped} already answered, {done.held} held elsewhere")
    sys.exit(1 if done.input_failures else 0)


@command.command("import", short_help="Archive an executor's results file.")
@click.argument("path", metavar="RESULTS.jsonl")
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def import_cmd(path, archive_path):
    """Archive RESULTS (OpenAI batch output format: what vllm run-batch writes), matched to the exported
    requests by custom_id. Importing twice adds nothing; lines matching no request are reported."""
    from ..archive import Archive
    from ..batch.runner import import_results
    from ..results.arrival import arrived
    from ..terminal.messages import message, say, warn

    with Archive(archive_path, create=False) as archive:
        done = import_results(archive, Path(path), after_reply=arrived)
    for line in done.failed:
        say(f"retest: failed: {message(line)}")
    _say_unknown(done)
    warn(f"{done.replies:,} replies archived, {len(done.failed):,} failed"
         + (f", {done.already:,} already archived" if done.already else ""))
    sys.exit(1 if done.failed or done.unknown or done.unreadable else 0)
