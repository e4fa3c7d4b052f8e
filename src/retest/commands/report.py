"""``retest report``: one self-contained HTML page of claims, verdicts and replies."""

from __future__ import annotations

import sys

import click


@click.command("report")
@click.argument("paths", nargs=-1)
@click.option("--source", metavar="TEXT", help="Only documents whose path contains TEXT.")
@click.option("--model", metavar="MODEL", help="Only this model's verdicts and replies.")
@click.option("-o", "--out", default="report.html", show_default=True, metavar="FILE",
              help="Where to write the page (- for stdout).")
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def command(paths, source, model, out, archive_path):
    """Write one HTML file, per document: a matrix of claims × models coloured by verdict (each cell
    opens the model's note and evidence), the replies side by side with suspect citations
    highlighted and new papers listed, and the claims no reply addressed. It needs nothing but
    itself: it opens from file:// and can be mailed."""
    from ..cli import error_line
    from ..results.report import build_report, render_report
    from .archive import open_or_explain
    from .common import write_file

    if paths and source:
        raise click.UsageError("give PATHS or --source, not both")
    archive = open_or_explain(archive_path)
    if archive is None:
        return
    with archive:
        data = build_report(archive, paths=list(paths) or None, source=source, model=model,
                            on_error=error_line)
    page = render_report(data)
    if out == "-":
        sys.stdout.write(page)
        return
    write_file(out, page, "-o", archive_path)
    claims = sum(len(d["rows"]) for d in data["docs"])
    models = len({m for d in data["docs"] for m in d["models"]})
    click.echo(f"wrote {out}: {claims} claims in {len(data['docs'])} document(s), {models} model(s)", err=True)
