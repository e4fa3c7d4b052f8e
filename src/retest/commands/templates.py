"""``retest templates``: list the built-in and user templates."""

from __future__ import annotations

import click

CONTEXT_HELP = """
Names a template can use: doc, docs, title, role, topic, tasks, closing,
claims, dated, undated, anchors, notes, body, shared_notes, span_text,
span_start, span_end, figures, themes, today, this_month, window(months),
vars, verdict_request (the request for a retest_verdicts block, or empty),
related (with --related: per claim {n, claim, papers, retracted}, each paper
{title, date, arxiv_id, doi, cited_by_count, retracted, cites, source}),
and every --var. Filters: claim_line, citation_group, arxiv, month,
first_sentence, quoted, paper_line.
"""


@click.command("templates", epilog=CONTEXT_HELP)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable list.")
@click.option("--show", metavar="NAME", help="Print one template's source.")
def command(as_json: bool, show: str | None) -> None:
    """List prompt templates: built-ins, then yours (RETEST_TEMPLATES or the user config folder)."""
    from ..build.templates import available, find, user_dir
    from ..util.display import for_stream, neutral

    if show:
        click.echo(for_stream(find(show).source), nl=False)
        return
    items = available()
    if as_json:
        import json

        rows = [{"name": t.name, "kind": t.kind, "builtin": t.builtin, "description": t.description,
                 "path": str(t.path)} for t in items]
        from ..util.display import safe_json

        click.echo(safe_json(json.dumps(rows, indent=2)))
        return
    import textwrap

    from ..terminal.screen import is_terminal, say, width_of

    width = max(len(t.name) for t in items) if items else 0
    hang = " " * (width + 12)
    for t in items:
        origin = "" if t.builtin else "  (yours)"
        line = (f"{neutral(t.name, one_line=True):<{width}}  {t.kind:<8}  "
                f"{neutral(t.description or '', one_line=True)}{origin}")
        if is_terminal():  # the description wraps under itself, at word boundaries
            line = "\n".join(textwrap.wrap(line, width=max(40, width_of() - 1), subsequent_indent=hang,
                                            break_long_words=False, break_on_hyphens=False))
        click.echo(line)
    say(f"\nYour templates folder: {user_dir()}")
