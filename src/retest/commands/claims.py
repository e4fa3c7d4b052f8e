"""``retest claims``: the ledger of claims and the verdicts models gave on them."""

from __future__ import annotations

import click


@click.command("claims")
@click.argument("paths", nargs=-1)
@click.option("--source", metavar="TEXT", help="Only claims sent from documents whose path contains TEXT.")
@click.option("--model", metavar="MODEL", help="Only this model's verdicts.")
@click.option("--history", is_flag=True, help="Every verdict over time, not only each model's latest.")
@click.option("--detail", is_flag=True, help="Each model's verdict with its evidence and notes (the layout pipes get).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (a stable interface; see README).")
@click.option("--online", is_flag=True, help="First look the cited papers up on arXiv (and OpenAlex, for "
              "retractions); cached in the archive.")
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def command(paths, source, model, history, detail, as_json, online, archive_path):
    """Each claim of PATHS (or every archived claim) with a one-word consensus, then each model's latest
    verdict: holds, revised, overturned or unresolved, with its evidence, the reply and when.
    On a terminal wide enough, a grid instead: one row a claim, one short cell a model
    (⌕ grounded, ! unsupported); --detail gives the full layout there too.

    The consensus: all hold / all revised / all overturned / unresolved when the models agree,
    overturned by N, split, or untested. A verdict whose every evidence ID is suspect is
    flagged unsupported and left out of the consensus; where it disagrees, the word says so
    (holds (1 unsupported dissent)), never "all".

    What is known about a paper (not found on arXiv, another title than the one a reply gave it,
    retracted) holds for every reply citing it, whichever command looked it up; a claim whose own
    paper is retracted says so. --online looks the papers up first (a failure is one warning line).
    """
    from ..terminal.messages import error_line
    from ..results.ledger import claims_of_documents, ledger, ledger_json
    from .common import open_or_explain
    from ..terminal.unread import read_unread

    if paths and source:
        raise click.UsageError("give PATHS or --source, not both")
    archive = open_or_explain(archive_path, as_json)
    if archive is None:
        if paths and not as_json:
            _print([{**c, "consensus": "not sent", "verdicts": []} for c in claims_of_documents(paths, error_line)])
        return
    with archive:
        if online:
            from ..terminal.facts import look_up

            look_up(archive, paths=list(paths) or None, source=source)
        read_unread(archive)
        if as_json:  # streamed: memory stays flat however many claims there are
            _stream(ledger_json(archive, paths=list(paths) or None, source=source, model=model, history=history,
                                on_error=error_line))
            return
        entries = ledger(archive, paths=list(paths) or None, source=source, model=model, history=history,
                         on_error=error_line)
    if not entries:
        click.echo("no claims match" if (paths or source or model) else "no claims archived yet", err=True)
        return
    _print(entries, grid=not (detail or history))


def _stream(items) -> None:
    """A JSON array, one entry a line, written as the entries come."""
    out = click.get_text_stream("stdout")
    head, chunk = "[\n", []
    for item in items:
        chunk.append(item)
        if len(chunk) == 512:
            out.write(head + ",\n".join(chunk))
            head, chunk = ",\n", []
    if chunk:
        out.write(head + ",\n".join(chunk))
    out.write("[]\n" if head == "[\n" and not chunk else "\n]\n")
    out.flush()


def _print(entries: list[dict], grid: bool = False) -> None:
    import textwrap

    from ..util.display import for_stream, neutral, relative, shorten_middle, terminal_width
    from ..terminal.screen import colour_on, is_terminal, paint, width_of

    if grid and is_terminal():  # pipes and files keep the detailed layout, exactly
        from ..terminal import claims_grid

        if claims_grid.fits(entries, width_of() - 1):
            click.echo(claims_grid.render(entries, width_of() - 1, colour_on()))
            return
    width = max(40, terminal_width())
    lines: list[str] = []
    current = None
    for e in entries:
        if e["source"] != current:
            current = e["source"]
            lines += ["" if lines else None, for_stream(shorten_middle(relative(current or "(unknown source)"), width))]
            lines = [line for line in lines if line is not None]
        head = f"[{e['index']}] {e['consensus']} · {e['date'] or 'undated'} · "
        wrapped = textwrap.wrap(head + neutral(e["text"], one_line=True), width=width, subsequent_indent="    ")
        lines += [for_stream(line) for line in wrapped]
        word = f"[{e['index']}] {e['consensus']}"
        if lines[-len(wrapped)].startswith(word):  # the consensus, in its colour on a terminal
            lines[-len(wrapped)] = paint(word, e["consensus"], bold=True) + lines[-len(wrapped)][len(word):]
        for x in e.get("retracted") or []:
            lines.append(for_stream(f"    its paper arXiv:{x} is RETRACTED (OpenAlex)"))
        for v in e["verdicts"]:
            status = v["status"] or "no verdict"
            flag = " (unsupported: its evidence is suspect)" if v["supported"] is False else ""
            evidence = ", ".join(v["evidence"]) if v["evidence"] else ""
            when = (v["at"] or "")[:10]
            grounded = " (grounded)" if v.get("grounded") else ""
            grounded += " (pasted)" if v.get("pasted") else ""
            text = f"{v['model']}{grounded}: {status}{flag} — reply {v['reply_id']}, {when}"
            if evidence:
                text += f"; evidence {evidence}"
            if v["note"]:
                text += f"; {neutral(v['note'], one_line=True)}"
            wrapped = [for_stream(line) for line in textwrap.wrap(text, width=width, initial_indent="    ",
                                                                  subsequent_indent="      ")]
            lead = f"    {v['model']}: {status}"
            if wrapped and wrapped[0].startswith(lead):
                wrapped[0] = f"    {v['model']}: " + paint(status, "unsupported" if flag else status) + wrapped[0][len(lead):]
            lines += wrapped
            for extra in _evidence_lines(v):
                lines += [for_stream(line) for line in textwrap.wrap(neutral(extra, one_line=True), width=width,
                                                                     initial_indent="      ",
                                                                     subsequent_indent="        ")]
        for p in e.get("related") or []:
            ident = f"arXiv:{p['arxiv_id']}" if p.get("arxiv_id") else f"doi:{p.get('doi')}" if p.get("doi") else "no ID"
            used = f"used by {', '.join(p['used_by'])}" if p.get("used_by") else "used by no model"
            flag = " RETRACTED" if p.get("retracted") else ""
            text = f"newer: {p.get('date') or '?'} {ident}{flag} “{p.get('title')}” — {used}"
            lines += [for_stream(line) for line in textwrap.wrap(neutral(text, one_line=True), width=width,
                                                                 initial_indent="    ", subsequent_indent="      ")]
    click.echo("\n".join(line.rstrip() for line in lines))


def _evidence_lines(v: dict) -> list[str]:
    """The sources a verdict's evidence rests on, and each suspect piece of it, marked."""
    out = [f"sources: {'; '.join(v['sources'])}"] if v.get("sources") else []
    for c in v.get("evidence_check") or []:
        if isinstance(c, dict) and c.get("suspect"):
            out.append(f"! {c.get('evidence')}: {c.get('verdict')}")
    return out
