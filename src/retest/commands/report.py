"""``retest report``: self-contained HTML of claims, verdicts and replies — one page, or a folder at scale."""

from __future__ import annotations

import click

from .common import Number


@click.command("report")
@click.argument("paths", nargs=-1)
@click.option("--source", metavar="TEXT", help="Only documents whose path contains TEXT.")
@click.option("--model", metavar="MODEL", help="Only this model's verdicts and replies.")
@click.option("-o", "--out", default="report.html", show_default=True, metavar="FILE|DIR",
              help="Where to write the page (- for stdout), or the folder of pages.")
@click.option("--layout", type=click.Choice(["auto", "page", "folder"]), default="auto", show_default=True,
              help="One page, a folder (index pages + a page per document), or one page up to --split-at "
                   "documents and a folder past that.")
@click.option("--split-at", type=Number(0, 10**9, integer=True), default=200, show_default=True, metavar="N",
              help="With --layout auto: past N documents, write a folder.")
@click.option("-j", "--jobs", type=Number(1, 64, integer=True), metavar="N",
              help="Worker processes writing a folder's pages (default: one per CPU, for 64 documents or more).")
@click.option("--online", is_flag=True, help="First look the cited papers up on arXiv (and OpenAlex, for "
              "retractions); cached in the archive.")
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def command(paths, source, model, out, layout, split_at, jobs, online, archive_path):
    """Write self-contained HTML, per document: the question, a matrix of claims × models coloured by
    verdict (each cell shows the model's note, evidence and reply), the replies rendered from Markdown
    with their verdicts as a table, suspect citations highlighted, new papers and earlier replies
    listed, and the claims no reply addressed; a summary band on top. It needs nothing but itself:
    no scripts, it opens from file:// and can be mailed.

    Past --split-at documents (200) the report is a folder, -o DIR (`report.html` becomes `report/`):
    index.html (by name), index-by-overturned.html and a page per document.

    With nothing answered yet, the page still lists the claims, untested (with PATHS, even before
    anything was sent); exit 0. --online looks the cited papers up first, as `claims --online` does."""
    import os
    from pathlib import Path

    from ..archive import locate, open_for_reading
    from ..terminal.messages import error_line
    from ..results.pages import refuse, write_report
    from ..terminal.unread import read_unread

    if paths and source:
        raise click.UsageError("give PATHS or --source, not both")
    if out == "-" and layout == "folder":
        raise click.UsageError("a folder of pages cannot go to stdout: give -o DIR")
    where = locate(archive_path)[0]
    forbidden = [f"{where}{suffix}" for suffix in ("", "-wal", "-shm", "-journal")]
    page, folder = out, out
    if out != "-" and os.path.isdir(out):
        page = os.path.join(out, "index.html")  # a folder given: the report starts at its index.html
    elif out.endswith(".html"):
        folder = out[: -len(".html")]  # report.html, past --split-at documents, becomes report/
    if out != "-":  # at once, before any work: never the archive
        for name in ([page] if layout == "page" else []) + [os.path.join(folder, "index.html")] * (layout != "page"):
            refuse(Path(name), forbidden)
        if layout == "auto":
            refuse(Path(page), forbidden)
    archive = open_for_reading(archive_path)
    if archive is None:
        click.echo(f"nothing archived yet at {where}: the report lists the claims untested", err=True)
    else:
        if online:
            from ..terminal.facts import look_up

            look_up(archive, paths=list(paths) or None, source=source)
        read_unread(archive)
    try:
        result = write_report(archive, page, folder=folder, layout="page" if out == "-" else layout,
                              paths=list(paths) or None, source=source, model=model, split_at=split_at,
                              on_error=error_line, forbidden=forbidden, workers=jobs)
    finally:
        if archive is not None:
            archive.close()
    if out == "-":
        return
    what = f"{result['claims']} claims in {result['documents']} document(s), {result['models']} model(s)"
    if result["folder"]:
        click.echo(f"wrote {result['path']} and {result['pages'] - 1} more page(s): {what}", err=True)
    else:
        click.echo(f"wrote {result['path']}: {what}", err=True)
    if result["claims"] and not result["models"]:
        click.echo("nothing answered yet: every claim is listed as untested", err=True)
