"""``retest related``: each claim's newer papers from the citation graph, as a table or JSON."""

from __future__ import annotations

import sys

import click

from ..terminal.related import lookup_options
from .common import max_size_option


@click.command("related")
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON array of documents, their claims and related papers.")
@lookup_options
@click.option("--archive", "archive_path", metavar="PATH", help="The archive that caches look-ups (RETEST_ARCHIVE).")
@max_size_option
def command(paths, as_json, since, max_related, source, refresh, offline, archive_path, max_size):
    """The newer papers citing each claim's papers, best first.

    For every claim, the papers that cite its arXiv papers, published from the
    claim's date on (or from --since), ranked by citations, recency and overlap
    with the claim's words. Look-ups are cached in the archive for 7 days.
    """
    import json

    from ..terminal.messages import error_line
    from ..util.display import safe_json
    from ..errors import InputError
    from ..extract.inputs import iter_inputs
    from ..extract.paths import documents_of
    from ..related.lookup import documents
    from ..terminal.related import gather_for, public, settings, table

    s = settings(since, max_related, source, refresh, offline, strict=False)
    docs, failed = [], 0
    for item in documents_of(iter_inputs(tuple(paths), max_size * 1024 * 1024)):
        if isinstance(item, InputError):
            failed += 1
            error_line(item)
        else:
            docs.append(item)
    if not docs:
        sys.exit(2)
    g = gather_for(docs, s, archive_path)
    results = documents(docs, g)
    if as_json:
        click.echo(safe_json(json.dumps([public(d) for d in results], ensure_ascii=False, indent=2)))
    else:
        from ..util.display import for_stream

        sys.stdout.write(for_stream(table(results)))
    if failed or g.tally.failed:
        sys.exit(1)


