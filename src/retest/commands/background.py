"""``retest send --background`` and ``retest background``: long replies created in the background, polled by id."""

from __future__ import annotations

import json
import sys

import click

from .common import Number

_ARCHIVE = click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
_BASE_URL = click.option("--base-url", metavar="URL", help="OpenAI-compatible endpoint [env: OPENAI_BASE_URL].")
_POLL = click.option("--poll", type=Number(0.01, 3600), default=5, show_default=True, metavar="SECONDS",
                     help="First pause between polls of a response; each pause is 1.5x the last, up to a minute.")


def background_options(f):
    """``send``'s options for background mode (they arrive in its ``**background`` keyword arguments)."""
    f = _POLL(f)
    f = click.option("--resend-unknown", is_flag=True,
                     help="With --background: send again prompts whose create call's outcome is unknown "
                          "(check the provider first: if it did make the response, this pays twice).")(f)
    f = click.option("--retry-failed", is_flag=True,
                     help="With --background: send again prompts whose background response failed, was "
                          "cancelled, or ended without text.")(f)
    f = click.option("--no-wait", is_flag=True,
                     help="With --background: return once every prompt is submitted (collect later with "
                          "`retest background collect` or the same command).")(f)
    f = click.option("--background", is_flag=True,
                     help="Create each prompt as a background response (Responses API; implies --api responses) "
                          "and poll for it: for deep research and other replies that take minutes.")(f)
    return f


def check_background(options: dict, api: str | None) -> bool:
    """Whether ``send`` runs in background mode; refuses flags that need it, or contradict it."""
    if not options.get("background"):
        given = [f"--{k.replace('_', '-')}" for k in ("no_wait", "retry_failed", "resend_unknown") if options.get(k)]
        if given:
            raise click.UsageError(f"{', '.join(given)} only apply with --background")
        return False
    if api == "chat":
        raise click.UsageError("--background uses the Responses API: drop --api chat")
    return True


class Progress:
    """Events → one line on stderr: how many responses are being created, queued, in progress, done."""

    LIVE = ("creating", "queued", "in_progress")

    def __init__(self, total: int, models: list[str]):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar
        from rich.table import Column

        self.total, self.models = total, models
        self.live: dict[int, str] = {}
        self.done: dict[str, int] = {}
        self.outcomes: list = []  # the ones to name at the end: failed, unknown, held, running
        self.tokens = 0
        self.estimated = False
        self.bar = Bar(TextColumn("background"), BarColumn(bar_width=16), MofNCompleteColumn(), TimeElapsedColumn(),
                       TextColumn("{task.fields[status]}", table_column=Column(no_wrap=True, overflow="ellipsis")),
                       console=Console(stderr=True), transient=False)
        self.task = self.bar.add_task("background", total=max(total, 1), status="")

    def __enter__(self):
        self.bar.start()
        return self

    def __exit__(self, *exc):
        self._refresh()
        self.bar.stop()

    def _refresh(self) -> None:
        live = [sum(1 for v in self.live.values() if v == k) for k in self.LIVE]
        parts = [f"{name} {n}" for name, n in zip(("creating", "queued", "in progress"), live)]
        done = sum(self.done.values())
        detail = ", ".join(f"{k} {v}" for k, v in sorted(self.done.items()))
        parts.append(f"done {done}" + (f" ({detail})" if detail else ""))
        self.bar.update(self.task, completed=done, status=" · ".join(parts))

    # BackgroundEvents
    def started(self, job) -> None: ...
    def delta(self, job, text: str) -> None: ...
    def level_changed(self, level: int, reason: str | None) -> None: ...
    def waiting_changed(self, delta: int) -> None: ...

    def status(self, job, status: str) -> None:
        self.live[id(job)] = status
        self._refresh()

    def draining(self, creates: int, grace: float) -> None:
        self.bar.console.print(f"retest: stopping; waiting up to {grace:.0f} s for {creates} create call(s) in flight, "
                               "so that the id of each response made is kept", markup=False, highlight=False)

    def retrying(self, job, attempt: int, error: str, wait: float) -> None:
        from ..cli import message

        self.bar.console.print(f"retest: create attempt {attempt} failed ({message(error)}); retrying in {wait:.1f}s",
                               markup=False, highlight=False)

    def finished(self, outcome) -> None:
        self.live.pop(id(outcome.job), None)
        self.done[outcome.status] = self.done.get(outcome.status, 0) + 1
        if outcome.status == "ok":
            self.tokens += (outcome.usage or {}).get("total_tokens") or 0
            self.estimated |= bool((outcome.usage or {}).get("estimated"))
        elif outcome.status in ("failed", "unknown", "held", "running", "unsent", "requested"):
            self.outcomes.append(outcome)
        self._refresh()

    def input_failed(self, label: str, text: str) -> None:
        from ..cli import message

        self.total -= len(self.models)
        self.bar.update(self.task, total=max(self.total, 1))
        self.bar.console.print(f"retest: error: {message(text)}", markup=False, highlight=False)


_SAY = {"failed": "failed", "unknown": "unknown outcome", "held": "not sent again", "running": "still running",
        "unsent": "never sent", "requested": "cancel requested"}


def run_background(jobs, total: int, settings, archive_path, *, force=False, check_replies=False, wait=True,
                   retry_failed=False, resend_unknown=False, poll=5.0, single=False, spend=None) -> int:
    """Run a ``BackgroundRun`` over ``jobs`` (prompts, or ``Resume`` jobs), print what it did; the exit code."""
    import asyncio
    import signal

    from ..archive import Archive
    from ..cli import message, warn
    from ..display import for_stream, relative
    from ..send.background import BackgroundRun
    from ..send.job import Terminated

    from .costs import summary_costs
    from .send import _checker

    after = _checker()  # verdicts and citations read as each reply is stored, as send does
    count = total * len(settings)
    with Archive(archive_path) as archive, Progress(count, [s.model for s in settings]) as progress:
        run = BackgroundRun(settings, archive, force=force, events=progress, keep_single=single and count == 1,
                            after_reply=after, poll=poll, wait=wait, retry_failed=retry_failed,
                            resend_unknown=resend_unknown, spend=spend)
        again = "run the same command again, or `retest background collect`, to collect them"
        try:
            summary = asyncio.run(run.run(jobs))
        except Terminated as stopped:
            if stopped.signum == signal.SIGINT:
                warn(f"the background responses keep running — {again}")
                raise KeyboardInterrupt from None
            raise Terminated(f"stopped by {signal.Signals(stopped.signum).name}; the background responses keep "
                             f"running — {again}", stopped.signum) from None
        except KeyboardInterrupt:
            warn(f"the background responses keep running — {again}")
            raise
        path = archive.path
    one = summary.single
    if one is not None and one.reply is not None:
        sys.stdout.write(for_stream(one.reply.rstrip("\n") + "\n"))
        sys.stdout.flush()
    for o in progress.outcomes:
        click.echo(f"retest: {_SAY[o.status]}: {message(o.job.label)} ({o.model}, reply {o.reply_id}): "
                   f"{message(o.error or o.note or '')}", err=True)
    if any(o.status == "held" for o in progress.outcomes):
        warn("`--retry-failed` sends those again")
    done = progress.done
    parts = [f"{done.get('ok', 0)} archived"]
    parts += [f"{done[k]} {label}" for k, label in (
        ("failed", "failed"), ("submitted", "submitted"), ("running", "still running (`retest background collect`)"),
        ("unknown", "of unknown outcome"), ("held", "ended earlier without a reply"), ("unsent", "never sent"),
        ("skipped", "skipped (already archived)"), ("busy", "being created elsewhere"),
        ("requested", "to be cancelled once created elsewhere"),
        ("batched", "in an open batch")) if done.get(k)]
    tokens = f"{'~' if progress.estimated else ''}{progress.tokens:,} tokens"
    failures = f" · {summary.input_failures} document(s) could not be built" if summary.input_failures else ""
    checked = ""
    if check_replies:
        checked = (f" · {summary.checked['suspect']} suspect citation(s) · verdicts on "
                   f"{summary.checked['verdicts']} of {summary.checked['claims']} claims")
    cost = summary_costs(run.spend, settings)
    click.echo(f"{', '.join(parts)}{failures} · {tokens}{cost}{checked} · archive {relative(str(path))}", err=True)
    if summary.input_failures and not any(summary.counts.values()):
        return 2
    bad = ("failed", "unknown", "held", "unsent") + (("running",) if wait else ())
    return 1 if any(done.get(k) for k in bad) or summary.input_failures else 0


# -- retest background ------------------------------------------------------------------------

@click.group("background")
def command() -> None:
    """Background responses (`retest send --background`): list, collect, cancel.

    \b
    retest send seeds/ -m o4-mini-deep-research --background --no-wait   create, record each id, return
    retest background list                 what is still running (--all: everything)
    retest background collect --wait       poll every recorded response, archive each reply
    retest background cancel 12            cancel reply 12's response at the provider (or: resp_…, --all)
    """


def _generic(base_url, need_key=True):
    from ..send.endpoint import Settings

    s = Settings.for_models(("(from each response)",), base_url=base_url, api="responses", stream=False)[0]
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


def _follow(archive_path, base_url, records_of, cancel=False, wait=False, poll=5.0, prices=()) -> int:
    from ..archive import Archive
    from ..cli import warn

    from .costs import spend_for

    s = _generic(base_url)
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
    from .archive import open_or_explain
    from .views import Col, table

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
             r["source"] or "—", (r["polled_at"] or "")[:19].replace("T", " "), r["reason"] or ""] for r in records]
    cols = [Col("reply", 5, 10, right=True), Col("response", 8, 40, 1), Col("model", 6, 30, 1), Col("state", 5, 8),
            Col("status", 6, 12), Col("document", 8, 60, 2, cut="middle"), Col("polled (UTC)", 12, 19),
            Col("reason", 6, 200, 3)]
    click.echo(table(rows, cols))


@command.command("collect", short_help="Poll the recorded responses; archive each reply (--wait for all).")
@click.option("--wait", is_flag=True, help="Poll until every response has ended.")
@_POLL
@click.option("--price", "prices", multiple=True, metavar="[MODEL=]IN/OUT",
              help="Your price in USD per million tokens, input/output; MODEL= for one model. Beats the price "
                   "table and the prices file.")
@_BASE_URL
@_ARCHIVE
def collect_cmd(wait, poll, prices, base_url, archive_path):
    """Poll every background response recorded for this endpoint once (or, with --wait, until each has
    ended), archive the replies that arrived and record the ones that failed, with the reason. A create
    an interrupted run left in flight is looked for first; it is never sent again.

    Exit status: 0 when nothing failed, 1 when some response failed or its outcome is unknown."""
    code = _follow(archive_path, base_url, lambda a, s: a.background_records(endpoint=s.endpoint), wait=wait,
                   poll=poll, prices=prices)
    sys.exit(code)


@command.command("cancel", short_help="Cancel background responses at the provider; record it.")
@click.argument("names", nargs=-1, metavar="[REPLY|RESPONSE_ID]...")
@click.option("--all", "cancel_all", is_flag=True, help="Every background response still waiting here.")
@_BASE_URL
@_ARCHIVE
def cancel_cmd(names, cancel_all, base_url, archive_path):
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
                                  "give its --base-url (or OPENAI_BASE_URL)")
            found.append(rec)
        return found

    sys.exit(_follow(archive_path, base_url, records, cancel=True))
