"""``retest check``: verdicts on the papers a reply cites, and what it re-tested."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _read(name: str) -> str:
    from ..inputs import read_path, read_stdin

    item = read_stdin() if name == "-" else read_path(Path(name))
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
    """Check the arXiv IDs cited in TARGET: an archived reply's ID, a text file, or - for stdin.

    Verdicts: malformed, impossible (dated after the reply), implausible (a
    number far above what arXiv issued that month), date-mismatch (the reply
    states another date), not-found (--online), else known (it was in the
    prompt) or new (the reply surfaced it).
    """
    from ..check import check

    reply_id = None
    archive = None
    if target.isdigit() and not Path(target).exists():
        from ..archive import Archive
        from ..errors import RetestError

        reply_id = int(target)
        archive = Archive(archive_path, create=False)
        rec = archive.get(reply_id)
        if rec is None:
            raise RetestError(f"no reply {reply_id} in {archive.path}")
        if rec["status"] != "ok":
            raise RetestError(f"reply {reply_id} has no text to check (status {rec['status']})")
        reply, prompt = rec["reply"], rec["prompt"]
        when = as_of.date() if as_of else _day(rec["finished_at"] or rec["created_at"])
        label = f"reply {reply_id}"
    else:
        import datetime as dt

        reply = _read(target)
        prompt = _read(against) if against else None
        when = as_of.date() if as_of else dt.date.today()
        label = "<stdin>" if target == "-" else target
    report = check(reply, prompt=prompt, as_of=when)

    offline_problem = None
    if online:
        offline_problem = _online(report, archive, archive_path)
    if archive is not None:
        archive.save_verdicts(reply_id, report.cited)
        archive.close()
    if as_json:
        click.echo(json.dumps({"target": label, **report.to_dict()}, ensure_ascii=False, indent=2))
    else:
        click.echo(render(report, label, bool(prompt)))
    if offline_problem:
        click.echo(f"retest: warning: {offline_problem}; the verdicts above are offline only", err=True)
        sys.exit(1)


def _day(stamp: str):
    import datetime as dt

    return dt.datetime.fromisoformat(stamp).date()


def _online(report, archive, archive_path) -> str | None:
    """Look the checkable IDs up; return a problem to report, if any."""
    from ..archive import Archive, ArchiveError
    from ..arxiv_api import OfflineError, verify

    ids = [c.id for c in report.cited if c.verdict not in ("malformed", "impossible")]
    if not ids:
        return None
    cache = archive
    if cache is None:
        try:
            cache = Archive(archive_path)
        except ArchiveError as exc:
            click.echo(f"retest: warning: no cache for --online ({exc})", err=True)
    try:
        results, _ = verify(ids, cache)
    except OfflineError as exc:
        return str(exc)
    finally:
        if cache is not None and cache is not archive:
            cache.close()
    from ..check import apply_online

    apply_online(report, results)
    return None


def _cite_line(c) -> str:
    head = f"  arXiv:{c.id:<18} {c.implied_date or '':<8} {c.verdict}"
    if c.detail:
        head += f" — {c.detail}"
    if c.online == "found":
        who = f"{c.first_author}, " if c.first_author else ""
        head += f"\n      found: “{c.title}” ({who}{c.published or '?'})"
    return head


def render(report, label: str, had_prompt: bool) -> str:
    cited = report.cited
    lines = [f"{label}: {len(cited)} arXiv citation(s) checked as of {report.as_of}"]
    groups = [
        ("New — surfaced by the reply", [c for c in cited if not c.suspect and c.relation == "new"]),
        ("Suspect", [c for c in cited if c.suspect]),
        ("Re-cited from the prompt", [c for c in cited if not c.suspect and c.relation == "known"]),
    ]
    for title, items in groups:
        if items:
            lines += ["", f"{title} ({len(items)}):", *(_cite_line(c) for c in items)]
    if not cited:
        lines.append("  (the reply cites no arXiv IDs)")
    if report.claims:
        done = sum(c.addressed for c in report.claims)
        lines += ["", f"Claims re-tested: {done} of {len(report.claims)}"]
        for c in report.claims:
            mark = "✓" if c.addressed else "✗ not mentioned:"
            text = c.text if len(c.text) <= 90 else c.text[:89] + "…"
            via = f"  (via {', '.join(c.via)})" if c.via else ""
            lines.append(f"  {mark} [{c.index}] {text}{via}")
    elif not had_prompt:
        lines += ["", "(give --against PROMPT to see which claims the reply re-tested)"]
    return "\n".join(lines)
