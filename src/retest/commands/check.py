"""``retest check``: verdicts on the papers a reply cites, and on the claims it was sent."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _read(name: str, max_size: int = 10) -> str:
    from ..extract.inputs import read_path, read_stdin

    item = read_stdin(max_size * 1024 * 1024) if name == "-" else read_path(Path(name), max_size * 1024 * 1024)
    return item.text


@click.command("check")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.option("--online", is_flag=True, help="Also look every ID up in the arXiv API (cached in the archive).")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="The reply's date (default: when it was archived, or today for a file).")
@click.option("--against", metavar="FILE", help="For a file or stdin: the prompt or document it answered.")
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def command(target, as_json, online, as_of, against, archive_path) -> None:
    """Check TARGET: an archived reply's ID, a text file (./3 for a file named 3), or - for stdin.

    Citation verdicts: malformed, impossible (dated after the reply),
    implausible (a number far above what arXiv issued that month),
    date-mismatch (the reply states another date), not-found and
    title-mismatch (--online: a real ID given another paper's title), else
    known (it was in the prompt) or new (the reply surfaced it). IDs behind
    an archived reply's source URLs count as cited. For an
    archived reply, the verdicts it gives on its prompt's claims are read from
    its retest_verdicts block, and everything is stored with the reply.
    What a look-up learns about a paper is kept once and holds for every
    archived reply citing it (their verdicts are brought up to date).
    """
    from ..check.reply import check, check_archived, store
    from ..terminal.messages import warn

    is_id = target.isascii() and target.isdigit()
    if is_id:
        from ..archive import Archive
        from ..errors import RetestError

        if Path(target).exists():
            warn(f"checking reply {target}; for the file named {target}, write ./{target}")
        reply_id = int(target)
        if reply_id > 2**63 - 1:
            raise RetestError(f"no reply {target}: reply IDs are at most {2**63 - 1}")
        archive = Archive(archive_path, create=False)
        try:
            rec = archive.get(reply_id)
            if rec is None:
                raise RetestError(f"no reply {reply_id} in {archive.path}")
            if rec["status"] != "ok":
                raise RetestError(f"reply {reply_id} has no text to check (status {rec['status']})")
            when = as_of.date() if as_of else None
            report = check_archived(archive, reply_id, as_of=when, save=False)
            offline_problem = _online(report, archive, archive_path) if online else None
            label = f"reply {reply_id}"
            _print(report, label, True, as_json)
            try:
                store(archive, reply_id, report)
                from ..results.report import make_reply_page

                make_reply_page(archive, reply_id)  # the report shows the verdicts just stored
                if online:  # what was learned about its papers holds for every other reply citing them
                    from ..terminal.facts import settle

                    settle(archive)
            except Exception as exc:  # noqa: BLE001 — the report is printed; only keeping it failed
                from ..archive.connection import sqlite_problem

                problem = sqlite_problem(exc) if hasattr(exc, "sqlite_errorcode") else str(exc)
                warn(f"warning: the verdicts were not stored in {archive.path} ({problem})")
        finally:
            archive.close()
    else:
        import datetime as dt

        reply = _read(target)
        prompt = _read(against) if against else None
        when = as_of.date() if as_of else dt.date.today()
        label = "<stdin>" if target == "-" else target
        report = check(reply, prompt=prompt, as_of=when)
        offline_problem = _online(report, None, archive_path) if online else None
        _print(report, label, bool(prompt), as_json)
    if offline_problem:
        warn(f"warning: {offline_problem}; the verdicts above are offline only")
        sys.exit(1)


def _print(report, label: str, had_prompt: bool, as_json: bool) -> None:
    from ..util.display import for_stream

    if as_json:
        from ..util.display import safe_json

        click.echo(safe_json(json.dumps({"target": label, **report.to_dict()}, ensure_ascii=False, indent=2)))
    else:
        from ..util.display import terminal_width
        from ..terminal.screen import colour_on

        text = for_stream(render(report, label, had_prompt, terminal_width()))
        click.echo(_coloured(text) if colour_on() else text)


def _coloured(text: str) -> str:
    """Citation verdicts and claim statuses in their colours (suspect ones red)."""
    import re

    from ..terminal.screen import paint

    cited = re.compile(r"^(  (?:arXiv|doi):\S+ +(?:\d{4}-\d{2})? +)(\S+)", re.M)
    status = re.compile(r"^(  \[\d+\] )(HOLDS|REVISED|OVERTURNED|UNRESOLVED)", re.M)
    text = cited.sub(lambda m: m.group(1) + paint(m.group(2), bold=m.group(2) not in ("new", "known")), text)
    return status.sub(lambda m: m.group(1) + paint(m.group(2), m.group(2).lower(), bold=True), text)


def _online(report, archive, archive_path) -> str | None:
    """Look the checkable IDs up; return a problem to report, if any."""
    from ..archive import Archive, ArchiveError
    from ..check.arxiv_api import OfflineError, verify
    from ..check.reply import apply_online, refresh_evidence
    from ..terminal.messages import warn

    ids = [c.id for c in report.cited if c.verdict not in ("malformed", "impossible") and c.relation != "supplied"]
    ids += [e["id"] for c in report.claims for e in c.evidence_check
            if e.get("id") and e["verdict"] == "unchecked" and e["id"] not in ids]
    if not ids:
        return None
    cache = archive
    if cache is None:
        try:
            cache = Archive(archive_path)
        except ArchiveError as exc:
            warn(f"warning: no cache for --online ({exc})")
    try:
        results, client = verify(ids, cache)
    except OfflineError as exc:
        return str(exc)
    finally:
        if cache is not None and cache is not archive:
            cache.close()
    apply_online(report, results)
    retraction_problem = _retractions(report, cache or archive)
    refresh_evidence(report)
    if retraction_problem:
        warn(f"warning: {retraction_problem}")
    if client is not None and client.problems:
        return "; ".join(client.problems)
    return None


def _retractions(report, archive) -> str | None:
    """Ask OpenAlex (where a key or mirror is set) which cited papers are retracted: verdict ``retracted``."""
    import os

    from ..check.dois import is_doi
    from ..check.reply import mark_retracted
    from ..errors import RetestError
    from ..related.lookup import Settings, works_for

    ids = [c.id for c in report.cited if c.verdict != "malformed" and not is_doi(c.id)]  # a DOI was supplied
    if not ids:
        return None
    if not (os.environ.get("OPENALEX_API_KEY") or os.environ.get("RETEST_OPENALEX_URL")):
        return "retractions were not checked (set OPENALEX_API_KEY to ask OpenAlex)"
    try:
        mark_retracted(report, works_for(ids, Settings(source="openalex"), archive))
    except RetestError as exc:
        return f"retractions were not checked ({exc})"
    return None


def _cite_line(c, width: int) -> list[str]:
    from ..check.dois import label

    head = f"  {label(c.id):<22} {c.implied_date or '':<7} {c.verdict}" + (f" — {c.detail}" if c.detail else "")
    lines = [head]
    if c.online == "not-found" and c.verdict != "not-found":
        lines.append("      also not found on arXiv")
    if getattr(c, "source", None):
        lines.append(f"      behind a source of the reply: {c.source}")
    if c.relation == "supplied":
        lines.append("      supplied by the prompt (--related): real without a look-up")
    if c.online == "found":
        who = f"{c.first_author}, " if c.first_author else ""
        lines.append(f"      found: “{c.title}” ({who}{c.published or '?'})")
    return [_wrap(line, width, 6) for line in lines]


def _wrap(line: str, width: int, hang: int | None = None) -> str:
    import textwrap

    from ..util.display import neutral

    indent = len(line) - len(line.lstrip())
    rest = " " * (hang if hang is not None else indent + 4)
    return "\n".join(textwrap.wrap(neutral(line.strip(), one_line=True), width=max(20, width),
                                   initial_indent=" " * indent, subsequent_indent=rest)) or line


def render(report, label: str, had_prompt: bool, width: int = 80) -> str:
    from ..util.display import neutral

    width = max(40, width)
    cited = report.cited
    lines = [f"{label}: {len(cited)} arXiv citation(s) checked as of {report.as_of}"]
    groups = [
        ("New — surfaced by the reply", [c for c in cited if not c.suspect and c.relation == "new"]),
        ("Suspect", [c for c in cited if c.suspect]),
        ("Re-cited from the prompt", [c for c in cited if not c.suspect and c.relation == "known"]),
        ("Newer papers the prompt supplied (--related)", [c for c in cited if not c.suspect and c.relation == "supplied"]),
    ]
    for title, items in groups:
        if items:
            lines += ["", f"{title} ({len(items)}):"]
            for c in items:
                lines += _cite_line(c, width)
    if not cited:
        lines.append("  (the reply cites no arXiv IDs)")
    if report.claims:
        with_verdict = [c for c in report.claims if c.status]
        done = sum(c.addressed for c in report.claims)
        lines += ["", f"Claims re-tested: {done} of {len(report.claims)}"
                  + (f" ({len(with_verdict)} with a verdict)" if with_verdict else "")]
        for c in report.claims:
            if c.status:
                support = " · unsupported: its evidence is suspect" if c.supported is False else ""
                mark = f"{c.status.upper()}{support}"
            else:
                mark = "✓ mentioned" if c.addressed else "✗ not mentioned"
            text = neutral(c.text, one_line=True)
            lines.append(_wrap(f"  [{c.index}] {mark}: {text}", width))
            if c.note:
                lines.append(_wrap(f"      note: {neutral(c.note, one_line=True)}", width))
            if c.via and not c.status:
                lines.append(_wrap(f"      via {', '.join(c.via)}", width))
        if report.verdicts_problem:
            lines.append(_wrap(f"  (no verdicts: {report.verdicts_problem})", width))
        for w in report.verdicts_warnings:
            lines.append(_wrap(f"  warning: {w}", width))
    elif not had_prompt:
        lines += ["", "(give --against PROMPT to see which claims the reply re-tested)"]
    return "\n".join(lines)
