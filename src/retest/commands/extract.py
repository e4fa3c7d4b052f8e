"""``retest extract``: documents → their question, notes, dated claims and anchors."""

from __future__ import annotations

import sys

import click

from .common import max_size_option


@click.command("extract")
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "fmt", flag_value="json", help="One JSON array of documents.")
@click.option("--jsonl", "fmt", flag_value="jsonl", help="One JSON object per line.")
@max_size_option
def command(paths: tuple[str, ...], fmt: str | None, max_size: int) -> None:
    """Extract the question, notes, dated claims and papers from inquiring lines.

    PATHS are files, folders (searched for *.txt and *.md) or - for stdin.
    Plain text as copied from the library's page and Markdown exports are both
    read; see the README for the layouts and link forms recognised.
    """
    import json

    from ..terminal.messages import message, say
    from ..util.display import safe_json
    from ..errors import InputError, Skipped
    from ..extract import extract_paths

    out = sys.stdout
    good = bad = 0
    table = None
    if fmt is None:
        from ..terminal.tables import DocumentTable
        table = DocumentTable()
    elif fmt == "json":
        out.write("[")
    for item in extract_paths(paths, max_size * 1024 * 1024, raw=True):
        if isinstance(item, Skipped):
            say(f"retest: skipped {message(item)}")
            continue
        if isinstance(item, InputError):
            bad += 1
            say(f"retest: error: {message(item)}")
            continue
        if fmt == "jsonl":
            out.write(safe_json(json.dumps(item, ensure_ascii=False)) + "\n")
        elif fmt == "json":
            out.write(("," if good else "") + "\n" + safe_json(json.dumps(item, ensure_ascii=False, indent=2)))
        else:
            table.add(item)
        good += 1
    if fmt == "json":
        out.write("\n]\n" if good else "]\n")
    elif table is not None and good:
        out.write(table.render() + "\n")
    if bad:
        sys.exit(2 if good == 0 else 1)
