"""A background run (``retest send --background``, ``retest background collect|cancel``) on the terminal: a
progress line on stderr while it runs, then each outcome worth naming and one summary line."""

from __future__ import annotations

import sys

import click


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
        from .progress import fitted

        room = self.bar.console.width - (10 + 16 + 2 * len(str(self.total)) + 1 + 7 + 5)  # the fixed columns
        self.bar.update(self.task, completed=done, status=fitted(parts, room))

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
        from .messages import message

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
        from .messages import message

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
    from ..results.arrival import after_reply
    from ..send.background import BackgroundRun
    from ..send.job import Terminated
    from ..util.display import for_stream, relative
    from .costs import price_hint, summary_costs
    from .messages import message, warn

    after = after_reply()  # verdicts and citations read as each reply is stored, as send does
    count = total * len(settings)
    with Archive(archive_path) as archive, Progress(count, [s.voice for s in settings]) as progress:
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
    if price_hint(run.spend, settings):
        warn(price_hint(run.spend, settings))
    click.echo(f"{', '.join(parts)}{failures} · {tokens}{cost}{checked} · archive {relative(str(path))}", err=True)
    if summary.input_failures and not any(summary.counts.values()):
        return 2
    bad = ("failed", "unknown", "held", "unsent") + (("running",) if wait else ())
    return 1 if any(done.get(k) for k in bad) or summary.input_failures else 0
