"""``retest send``: build (or take) prompts, send them, archive every reply."""

from __future__ import annotations

import sys

import click

from .common import parse_vars, read_documents, template_options


def _jobs_from_prompt_file(name: str) -> list:
    from pathlib import Path

    from ..inputs import read_path, read_stdin
    from ..send import Job

    item = read_stdin() if name == "-" else read_path(Path(name))
    return [Job(text=item.text.strip() + "\n", label=item.source, source=None)]


class _Progress:
    """Events → a rich progress bar on stderr (many prompts) or a live reply (one)."""

    def __init__(self, total: int, live_reply: bool, checker=None):
        self.total = total
        self.live_reply = live_reply
        self.checker = checker
        self.suspect = 0
        self.counts = {"ok": 0, "failed": 0, "skipped": 0, "busy": 0}
        self.in_retry: set[int] = set()
        self.tokens = 0
        self.bar = None
        if total > 1:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("sending"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"), TimeElapsedColumn(),
                console=Console(stderr=True), transient=False,
            )
            self.task = self.bar.add_task("send", total=total, status="")

    def __enter__(self):
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *exc):
        if self.bar:
            self._refresh()
            self.bar.stop()

    def _refresh(self) -> None:
        if self.bar:
            c = self.counts
            status = (f"done {c['ok']} · failed {c['failed']} · retrying {len(self.in_retry)} · "
                      f"skipped {c['skipped'] + c['busy']} · {self.tokens:,} tokens")
            done = sum(c.values())
            self.bar.update(self.task, completed=done, status=status)

    # Events protocol
    def started(self, job) -> None:
        self._refresh()

    def delta(self, job, text: str) -> None:
        if self.live_reply:
            sys.stdout.write(text)
            sys.stdout.flush()

    def retrying(self, job, attempt: int, error: str, wait: float) -> None:
        self.in_retry.add(id(job))
        if self.live_reply:
            sys.stdout.write("\n")
        if not self.bar:
            click.echo(f"retest: attempt {attempt} failed ({error}); retrying in {wait:.1f}s", err=True)
        self._refresh()

    def finished(self, outcome) -> None:
        self.in_retry.discard(id(outcome.job))
        if self.checker and outcome.status == "ok":
            self.suspect += self.checker(outcome)
        self.counts[outcome.status] = self.counts.get(outcome.status, 0) + 1
        self.tokens += (outcome.usage or {}).get("total_tokens") or 0
        self._refresh()


@click.command("send")
@click.argument("paths", nargs=-1)
@template_options
@click.option("--prompt", "prompt_file", metavar="FILE|-", help="Send this already-built prompt as is.")
@click.option("-m", "--model", metavar="MODEL", help="Model name [env: RETEST_MODEL].")
@click.option("--base-url", metavar="URL", help="OpenAI-compatible endpoint [env: OPENAI_BASE_URL; "
              "default https://api.openai.com/v1]. The key comes from OPENAI_API_KEY.")
@click.option("--system", metavar="TEXT", help="A system message sent before each prompt.")
@click.option("--temperature", type=click.FloatRange(0, 2), metavar="X")
@click.option("--max-output-tokens", type=click.IntRange(min=1), metavar="N")
@click.option("--max-tokens", type=click.IntRange(min=1), metavar="N", help="Fit each prompt into N tokens first.")
@click.option("-j", "--concurrency", type=click.IntRange(1, 256), default=4, show_default=True)
@click.option("--max-attempts", type=click.IntRange(1, 50), default=6, show_default=True,
              help="Attempts per prompt, counting the first.")
@click.option("--timeout", type=click.FloatRange(min=1), default=600, show_default=True, metavar="SECONDS",
              help="Give up on one attempt after this long.")
@click.option("--backoff", type=click.FloatRange(min=0), default=0.5, show_default=True, metavar="SECONDS",
              help="Base of the exponential backoff between attempts (a server's Retry-After wins).")
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
@click.option("--force", is_flag=True, help="Send even prompts already answered with these settings.")
@click.option("--dry-run", is_flag=True, help="Render and count every prompt; send nothing.")
@click.option("--no-stream", is_flag=True, help="Ask for whole replies instead of streams.")
@click.option("--check", "check_replies", is_flag=True,
              help="Check the arXiv IDs each reply cites as it arrives (offline; see `retest check`).")
def command(paths, template, variables, today, prompt_file, model, base_url, system, temperature,
            max_output_tokens, max_tokens, concurrency, max_attempts, timeout, backoff, archive_path, force,
            dry_run, no_stream, check_replies):
    """Send prompts built from PATHS (or --prompt FILE) and archive every reply.

    A prompt already answered by the same model, endpoint and parameters is
    skipped unless --force; an interrupted run, re-run, finishes the rest.
    Exit status: 0 when every prompt has a reply, 1 when some failed after
    retries, 2 for unusable input or configuration.
    """
    from ..endpoint import Settings

    if bool(paths) == bool(prompt_file):
        raise click.UsageError("give document PATHS or --prompt FILE (one of them)")
    settings = Settings.from_env(
        model=model, base_url=base_url, system=system, temperature=temperature,
        max_output_tokens=max_output_tokens, stream=not no_stream, concurrency=concurrency,
        max_attempts=max_attempts, timeout=timeout, wait_multiplier=backoff,
    )
    settings.check()
    failed_inputs = 0
    if prompt_file:
        jobs, total = _jobs_from_prompt_file(prompt_file), 1
    else:
        jobs, total, failed_inputs = _build_jobs(paths, template, parse_vars(variables), today, settings.model,
                                                 max_tokens)
    if not total:
        sys.exit(2)
    if dry_run:
        _dry_run(list(jobs), settings, archive_path)
        sys.exit(1 if failed_inputs else 0)
    code = _send(jobs, total, settings, archive_path, force, check_replies)
    sys.exit(max(code, 1 if failed_inputs else 0))


def _build_jobs(paths, template, variables, today, model, max_tokens):
    """Documents are read now; their prompts are built one by one as senders ask for them."""
    from ..build import build
    from ..send import Job
    from ..templates import find

    tpl = find(template)
    docs, failed = read_documents(paths)
    day = today.date() if today else None
    kw = dict(today=day, variables=variables, max_tokens=max_tokens, model=model)
    groups = ([docs] if docs else []) if tpl.kind == "corpus" else [[d] for d in docs]

    def jobs():
        for group in groups:
            p = build(group, tpl, **kw)
            for item in p.dropped:
                click.echo(f"retest: {p.source}: dropped to fit --max-tokens: {item}", err=True)
            yield Job.from_prompt(p)

    return jobs(), len(groups), failed


def _dry_run(jobs, settings, archive_path) -> None:
    from pathlib import Path

    from ..archive import Archive, ArchiveError, default_path

    path = Path(archive_path) if archive_path else default_path()
    archive = None
    if path.exists():
        try:
            archive = Archive(path, create=False)
        except ArchiveError:
            archive = None
    skip = 0
    for job in jobs:
        done = archive is not None and archive.answered(job.sha256, settings.params_sha256)
        skip += done
        tokens = f"{job.tokens:,} tokens" if job.tokens is not None else "? tokens"
        note = "  (already archived: would skip)" if done else ""
        click.echo(f"would send {job.label}: {tokens}, template {job.template or '(none)'}{note}")
    total = sum(j.tokens or 0 for j in jobs)
    click.echo(f"dry run: {len(jobs) - skip} of {len(jobs)} prompts ({total:,} prompt tokens) would go to "
               f"{settings.model} at {settings.endpoint}; nothing was sent", err=True)


def _checker(archive):
    """Offline check of each reply against its own prompt; verdicts go into the archive."""
    import datetime as dt

    from ..check import check

    def run_check(outcome) -> int:
        report = check(outcome.reply, prompt=outcome.job.text, as_of=dt.date.today())
        archive.save_verdicts(outcome.reply_id, report.cited)
        return report.suspect_count

    return run_check


def _send(jobs, total, settings, archive_path, force, check_replies=False) -> int:
    import asyncio

    from ..archive import Archive
    from ..send import run

    live = total == 1 and settings.stream and sys.stdout.isatty()
    with Archive(archive_path) as archive, _Progress(total, live) as progress:
        if check_replies:
            progress.checker = _checker(archive)
        outcomes = asyncio.run(run(jobs, settings, archive, force=force, events=progress))
        path = archive.path
    by = {k: [o for o in outcomes if o.status == k] for k in ("ok", "failed", "skipped", "busy")}
    if total == 1 and by["ok"] and not live:
        sys.stdout.write(by["ok"][0].reply.rstrip("\n") + "\n")
    elif live and by["ok"]:
        sys.stdout.write("\n")
    if total == 1 and by["skipped"]:
        skipped = by["skipped"][0]
        sys.stdout.write(skipped.reply.rstrip("\n") + "\n")
        click.echo(f"retest: already answered with these settings: reply {skipped.reply_id}, printed from the "
                   "archive (use --force to send again)", err=True)
    for o in by["failed"]:
        click.echo(f"retest: failed: {o.job.label}: {o.error}", err=True)
    tokens = sum((o.usage or {}).get("total_tokens") or 0 for o in by["ok"])
    busy = f", {len(by['busy'])} in progress elsewhere" if by["busy"] else ""
    checked = f" · {progress.suspect} suspect citation(s)" if check_replies else ""
    click.echo(f"{len(by['ok'])} sent, {len(by['skipped'])} skipped (already archived), "
               f"{len(by['failed'])} failed{busy} · {tokens:,} tokens{checked} · archive {path}", err=True)
    return 1 if by["failed"] else 0
