"""``retest claims``: the ledger of claims and the verdicts models gave on them."""

from __future__ import annotations

import json

import click


@click.command("claims")
@click.argument("paths", nargs=-1)
@click.option("--source", metavar="TEXT", help="Only claims sent from documents whose path contains TEXT.")
@click.option("--model", metavar="MODEL", help="Only this model's verdicts.")
@click.option("--history", is_flag=True, help="Every verdict over time, not only each model's latest.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (a stable interface; see README).")
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def command(paths, source, model, history, as_json, archive_path):
    """Each claim of PATHS (or every archived claim) with a one-word consensus, then each model's latest
    verdict: holds, revised, overturned or unresolved, with its evidence, the reply and when.

    The consensus: all hold / all revised / all overturned / unresolved when the models agree,
    overturned by N, split, or untested. A verdict whose every evidence ID is suspect is
    flagged unsupported and left out of the consensus.
    """
    from ..cli import error_line
    from ..results.ledger import claims_of_documents, ledger
    from .archive import open_or_explain

    if paths and source:
        raise click.UsageError("give PATHS or --source, not both")
    archive = open_or_explain(archive_path, as_json)
    if archive is None:
        if paths and not as_json:
            _print([{**c, "consensus": "not sent", "verdicts": []} for c in claims_of_documents(paths, error_line)])
        return
    with archive:
        entries = ledger(archive, paths=list(paths) or None, source=source, model=model, history=history,
                         on_error=error_line)
    if as_json:
        from ..display import safe_json

        click.echo(safe_json(json.dumps(entries, ensure_ascii=False, indent=2)))
        return
    if not entries:
        click.echo("no claims match" if (paths or source or model) else "no claims archived yet", err=True)
        return
    _print(entries)


def _print(entries: list[dict]) -> None:
    import textwrap

    from ..display import for_stream, neutral, relative, shorten_middle, terminal_width

    width = max(40, terminal_width())
    lines: list[str] = []
    current = None
    for e in entries:
        if e["source"] != current:
            current = e["source"]
            lines += ["" if lines else None, shorten_middle(relative(current or "(unknown source)"), width)]
            lines = [line for line in lines if line is not None]
        head = f"[{e['index']}] {e['consensus'].upper()} · {e['date'] or 'undated'} · "
        lines += textwrap.wrap(head + neutral(e["text"], one_line=True), width=width, subsequent_indent="    ")
        for v in e["verdicts"]:
            status = v["status"] or "no verdict"
            flag = " (unsupported: its evidence is suspect)" if v["supported"] is False else ""
            evidence = ", ".join(v["evidence"]) if v["evidence"] else ""
            when = (v["at"] or "")[:10]
            text = f"{v['model']}: {status}{flag} — reply {v['reply_id']}, {when}"
            if evidence:
                text += f"; evidence {evidence}"
            if v["note"]:
                text += f"; {neutral(v['note'], one_line=True)}"
            lines += textwrap.wrap(text, width=width, initial_indent="    ", subsequent_indent="      ")
    click.echo(for_stream("\n".join(line.rstrip() for line in lines)))
