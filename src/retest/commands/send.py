"""``retest send``: build (or take) prompts, send them, archive every reply."""

from __future__ import annotations

import sys

import click

from ..terminal.costs import DryRunCosts, price_hint, spend_for, summary_costs, unsent_line
from .common import (
    Number,
    check_served,
    cost_options,
    background_options,
    check_background,
    endpoint_options,
    max_size_option,
    max_tokens_option,
    model_check_option,
    parse_vars,
    prompts_or_exit,
    search_options,
    template_options,
    verdicts_option,
)
from ..terminal.related import related_options, related_request, stdin_lookup


@click.command("send")
@click.argument("paths", nargs=-1)
@template_options
@click.option("--prompt", "prompt_file", metavar="FILE|-", help="Send this already-built prompt as is.")
@endpoint_options
@max_tokens_option
@click.option("-j", "--concurrency", type=Number(1, 256, integer=True), default=4, show_default=True, metavar="N",
              help="Most requests in flight at once; fewer while the server shows overload.")
@click.option("--max-attempts", type=Number(1, 50, integer=True), default=6, show_default=True, metavar="N",
              help="Attempts per prompt, counting the first.")
@click.option("--timeout", type=Number(1, 86_400), default=600, show_default=True, metavar="SECONDS",
              help="Give up on one attempt after this long, however slowly the reply trickles in.")
@click.option("--backoff", type=Number(0, 60), default=0.5, show_default=True, metavar="SECONDS",
              help="Base of the exponential backoff between attempts (a server's Retry-After wins).")
@click.option("--force", is_flag=True, help="Send even prompts already answered with these settings.")
@click.option("--dry-run", is_flag=True, help="Render and count every prompt; send nothing (no key needed).")
@click.option("--no-stream", is_flag=True, help="Ask for whole replies instead of streams.")
@click.option("--check", "check_replies", is_flag=True,
              help="Sum up the suspect citations and verdicts of the replies (every reply is checked offline as it "
                   "arrives; see `retest check`).")
@click.option("--online", is_flag=True, help="With --check: then look the papers the replies cite up on arXiv "
              "(and OpenAlex, for retractions), cached in the archive.")
@verdicts_option
@max_size_option
@search_options
@background_options
@cost_options
@model_check_option
@related_options
def command(paths, template, variables, today, prompt_file, models, base_url, api, system, temperature,
            max_output_tokens, archive_path, max_tokens, concurrency, max_attempts, timeout, backoff, force,
            dry_run, no_stream, check_replies, online, verdicts, max_size, search, max_cost, prices, no_model_check,
            related, **background):
    """Send prompts built from PATHS (or --prompt FILE) and archive every reply.

    Every prompt goes to every --model. A prompt already answered by the same
    model, endpoint and parameters is skipped unless --force; an interrupted
    run, re-run, finishes the rest. Exit status: 0 when every prompt has a
    reply, 1 when some failed after retries, 2 for unusable input or settings.
    """
    from ..build.verdict_block import schema_for
    from ..send.endpoint import Settings

    if bool(paths) == bool(prompt_file):
        raise click.UsageError("give document PATHS or --prompt FILE (one of them)")
    if online and not check_replies:
        raise click.UsageError("--online looks up the papers the replies cite for --check: give both")
    if prompt_file:
        related_request(related, today, archive_path, prompt_file)  # --related needs documents
    in_background = check_background(background, api)
    if in_background and online:
        raise click.UsageError("--online does not apply to --background runs (their replies come later): "
                               "`retest claims --online` looks their papers up once they are collected")
    if in_background and max_cost is not None:
        raise click.UsageError("--max-cost cannot bound --background runs (a deep-research reply's searches "
                               "and length are not known in advance); set a limit at the provider")
    settings = Settings.for_models(
        models, base_url=base_url, api="responses" if in_background else api, system=system, temperature=temperature,
        max_output_tokens=max_output_tokens, stream=not no_stream and not in_background, concurrency=concurrency,
        max_attempts=max_attempts, timeout=timeout, wait_multiplier=backoff, response_format=schema_for(verdicts),
        **search,
    )
    for s in settings:
        s.check(need_key=not dry_run)
    if not dry_run:
        check_served(settings, no_model_check)
    spend = spend_for(settings, max_cost, prices)  # before anything is built or sent
    settings = spend.bounded(settings)
    if prompt_file:
        prompts, total = _prompt_file(prompt_file), 1
    else:
        prompts, total = prompts_or_exit(paths, template, parse_vars(variables), today, settings[0].model, max_tokens,
                                         max_size, count_tokens=dry_run, verdicts=verdicts != "none",
                                         related=stdin_lookup(related_request(related, today, archive_path), paths,
                                                              max_size))
    if dry_run:
        bad, good = dry_run_report(prompts, settings, archive_path, spend)
        sys.exit(2 if bad and not good else 1 if bad else 0)
    if in_background:
        from ..terminal.background import run_background

        sys.exit(run_background(prompts, total, settings, archive_path, force=force, check_replies=check_replies,
                                wait=not background["no_wait"], retry_failed=background["retry_failed"],
                                resend_unknown=background["resend_unknown"], poll=background["poll"], single=True,
                                spend=spend))
    sys.exit(_send(prompts, total, settings, archive_path, force, check_replies, spend, online))


def _prompt_file(name: str) -> list:
    from pathlib import Path

    from ..extract.inputs import read_path, read_stdin
    from ..send.job import Job

    item = read_stdin() if name == "-" else read_path(Path(name))
    return [Job(text=item.text.strip() + "\n", label=item.source, source=None)]


def dry_run_report(prompts, settings, archive_path, spend=None) -> tuple[int, int]:
    """What would be sent, and how many tokens; touches neither key nor network. ``(failed, built)``."""
    from ..archive import ArchiveError, open_for_reading
    from ..build.prompter import InputFailure
    from ..build.tokens import counter
    from ..send.job import Job
    from ..terminal.messages import message
    from ..terminal.screen import say

    try:
        archive = open_for_reading(archive_path)
    except ArchiveError:
        archive = None
    would = skip = total_tokens = bad = good = 0
    estimated = False
    labels = set()
    costs = DryRunCosts(spend, settings) if spend is not None else None
    try:
        for p in prompts:
            if isinstance(p, InputFailure):
                say(f"retest: error: {message(p)}")
                bad += 1
                continue
            good += 1
            for s in settings:
                job = p if isinstance(p, Job) else Job.from_prompt(p, s)
                count = counter(s.model)
                tokens = job.tokens if job.tokens is not None and s is settings[0] else count.count(job.text)
                estimated |= count.fallback
                labels.add(count.label)
                done = archive is not None and archive.answered(job.sha256, s.params_sha256)
                skip += done
                would += not done
                total_tokens += 0 if done else tokens
                if costs is not None and not done:
                    costs.add(s.voice, tokens, count.fallback, job)
                note = "  (already archived: would skip)" if done else ""
                approx = "~" if count.fallback else ""
                say(message(f"would send {job.label} to {s.voice}: {approx}{tokens:,} tokens, "
                            f"template {job.template or '(none)'}{note}"), err=False)
    finally:
        if archive is not None:
            archive.close()
    models = ", ".join(s.voice for s in settings)
    approx = "~" if estimated else ""
    unit = "prompts" if len(settings) == 1 else f"requests ({len(settings)} models)"
    say(f"dry run: {would} of {would + skip} {unit} ({approx}{total_tokens:,} prompt tokens; "
        f"{'; '.join(sorted(labels)) or 'no prompts'}) would go to {models} at {', '.join(dict.fromkeys(s.endpoint for s in settings))}; "
        "nothing was sent")
    for line in costs.lines() if costs is not None else ():
        say(message(line))
    return bad, good


def _send(prompts, total, settings, archive_path, force, check_replies=False, spend=None, online=False) -> int:
    import asyncio

    from ..archive import Archive
    from ..results.arrival import after_reply
    from ..send.run import Run
    from ..terminal.messages import say, warn
    from ..terminal.progress import Progress
    from ..util.display import for_stream

    jobs = total * len(settings)
    live = jobs == 1 and settings[0].stream and sys.stdout.isatty()
    with Archive(archive_path) as archive, Progress(jobs, live, [s.voice for s in settings]) as progress:
        run = Run(settings, archive, force=force, events=progress, keep_single=jobs == 1,
                  after_reply=after_reply(), spend=spend)
        progress.run = run
        summary = asyncio.run(run.run(prompts))
        if online and summary.run_id is not None:
            _online(archive, summary)
        path = archive.path
        held = sum(v for (_, status), v in summary.counts.items() if status == "batched")
        batches = [str(b["id"]) for b in archive.batches(open_only=True)] if held else []
    single = summary.single
    if single is not None and single.reply is not None and not (live and single.status == "ok"):
        sys.stdout.write(for_stream(single.reply.rstrip("\n") + "\n"))
    elif live and single is not None:
        sys.stdout.write("\n")
    sys.stdout.flush()
    if single is not None and single.status == "skipped":
        warn(f"already answered with these settings: reply {single.reply_id}, printed from the archive "
             "(use --force to send again)")
    for line in failure_lines(summary.failed):
        say(line)
    if summary.cut:
        ids = ", ".join(str(i) for i in sorted(o.reply_id for o in summary.cut))
        limit = settings[0].max_output_tokens
        where = f"--max-output-tokens {limit}" if limit else "the model's output limit"
        warn(f"{len(summary.cut)} repl{'y was' if len(summary.cut) == 1 else 'ies were'} cut at {where}: "
             f"id{'s' if len(summary.cut) > 1 else ''} {ids}")
    from ..send.faults import WENT_AWAY

    if any(WENT_AWAY in (o.error or "") for o in summary.failed):
        warn(f"the server {WENT_AWAY} during the run: the streams it cut and the connections it refused were not "
             "overload; start it again and re-run the same command to send the rest")
    elif summary.lowest < settings[0].concurrency:
        warn(f"the server showed overload ({_reasons(summary.overloads)}); at most {summary.lowest} at once at "
             f"the lowest, {summary.level} at the end")
    if unsent_line(run.spend):
        warn(unsent_line(run.spend))
    if price_hint(run.spend, settings):
        warn(price_hint(run.spend, settings))
    say(_summary_line(summary, settings, path, check_replies, run.spend))
    if held:
        warn(f"{held} prompt(s) wait in open batch(es) {', '.join(batches)}: `retest batch collect` archives their "
             f"replies when the batch ends; `retest batch cancel {batches[0] if batches else 'N'}` frees them to be "
             "sent now (or send with --force)")
    if summary.stopped:
        warn("stopped by Ctrl-C: every reply that came was archived; the prompts not sent wait for the next run "
             "— run the same command again to send them")
        return 130
    if summary.input_failures and not any(summary.counts.values()):
        return 2  # nothing could be read or built
    return 1 if summary.failed or summary.input_failures or run.spend.unsent else 0


def _online(archive, summary) -> None:
    """``--check --online``: the run's cited papers looked up, and its counts as checked with what was learned."""
    from collections import Counter

    from ..check.citations import SUSPECT
    from ..terminal.facts import look_up

    look_up(archive, summary.run_id)
    summary.checked = Counter(archive.run_checked(summary.run_id, SUSPECT))


def failure_lines(failed) -> list[str]:
    """One line per failure; failures of one model for the same reason are said once, with their number."""
    from collections import Counter

    from ..terminal.messages import message

    same = Counter((o.model, o.error or "") for o in failed)
    lines, said = [], set()
    for o in failed:
        key = (o.model, o.error or "")
        if same[key] == 1:
            lines.append(f"retest: failed: {message(o.job.label)} ({o.model}): {message(o.error or '')}")
        elif key not in said:
            said.add(key)
            lines.append(f"retest: failed: {same[key]} prompts ({o.model}), each: {message(o.error or '')}")
    return lines


def _reasons(reasons) -> str:
    return ", ".join(f"{reason} ×{n}" for reason, n in reasons.most_common()) or "no detail"


def _summary_line(summary, settings, path, checked_too: bool = False, spend=None) -> str:
    from ..util.display import relative

    def part(model=None) -> str:
        def n(status):
            return sum(v for (m, s), v in summary.counts.items() if s == status and (model is None or m == model))

        text = f"{n('ok')} sent, {n('skipped')} skipped (already archived), {n('failed')} failed"
        if n("busy"):
            text += f", {n('busy')} in progress elsewhere"
        if n("batched"):
            text += f", {n('batched')} in an open batch (`retest batch collect`)"
        if n("background"):
            text += f", {n('background')} running in the background (`retest background collect`)"
        if n("unsent"):
            text += f", {n('unsent')} not sent (--max-cost)"
        if summary.stopped:
            text += f", {n('stopped') or 'the rest'} not sent (Ctrl-C)"
        return text

    if len(settings) > 1:
        head = " · ".join(f"{s.voice}: {part(s.voice)}" for s in settings)
    else:
        head = part()
    tokens = f"{'~' if summary.tokens_estimated else ''}{summary.tokens:,} tokens"
    if summary.tokens_estimated:
        tokens += " (estimated: the server reported no usage)"
    failed_inputs = f" · {summary.input_failures} document(s) could not be built" if summary.input_failures else ""
    checked = ""
    if checked_too:
        pairs = "claims" if len(settings) == 1 else f"claim × model pairs ({len(settings)} models)"
        checked = (f" · {summary.checked['suspect']} suspect citation(s) · verdicts on "
                   f"{summary.checked['verdicts']} of {summary.checked['claims']} {pairs}")
    cost = summary_costs(spend, settings)
    return f"{head}{failed_inputs} · {tokens}{cost}{checked} · archive {relative(str(path))}"
