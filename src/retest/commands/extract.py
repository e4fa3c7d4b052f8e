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
    jsonl = _jsonl_writer(out) if fmt == "jsonl" else None
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
        if jsonl is not None:
            jsonl(item)
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


def _jsonl_writer(out):
    """A function writing one document a line to ``out``, with one encoder built once.

    Where ``out`` writes UTF-8 and leaves newlines alone, the line goes straight to its byte buffer: the text is
    encoded once and the check for terminal controls is made on the bytes (``safe_json_utf8``).
    """
    import json

    from ..util.display import safe_json, safe_json_utf8

    encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode  # the documents are trees
    buffer = _utf8_buffer(out)
    if buffer is None:
        return lambda doc: out.write(safe_json(encode(doc)) + "\n")
    out.flush()  # what was written as text goes first
    errors = out.errors or "strict"
    return lambda doc: buffer.write(safe_json_utf8(encode(doc) + "\n", errors))


def _utf8_buffer(out):
    """The byte stream under ``out`` if text written to ``out`` reaches it as UTF-8 unchanged, else None."""
    import codecs
    import os

    try:
        if out.line_buffering or os.linesep != "\n" or codecs.lookup(out.encoding).name != "utf-8":
            return None
        return out.buffer
    except (AttributeError, LookupError, TypeError, ValueError):
        return None
