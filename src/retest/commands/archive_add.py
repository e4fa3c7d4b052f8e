"""``retest archive add``: a reply from elsewhere (a chat app, a colleague, a saved page) into the archive."""

from __future__ import annotations

import click

from .common import parse_vars, template_options


@click.command("add", short_help="Add a reply pasted from a chat app to the archive and the ledger.")
@click.argument("reply", metavar="REPLY|-")
@click.option("--document", metavar="PATH", help="The document whose prompt the reply answers (the prompt "
              "`retest build` gives for it with the same --template/--var/--today).")
@click.option("--prompt", "prompt_ref", metavar="ID|SHA", help="Or: the archived prompt it answers.")
@click.option("--model", required=True, metavar="NAME", help="Who answered (e.g. chatgpt-deep-research).")
@template_options
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def command(reply, document, prompt_ref, model, template, variables, today, archive_path):
    """Record REPLY (a file, or - for stdin) as MODEL's reply to a prompt: its verdicts and citations are read
    as for any reply (Markdown links and footnotes become its sources), it is marked pasted (no usage, no
    cost), and it is one more voice in `retest claims` and the report. Adding the same text again adds
    nothing."""
    from pathlib import Path

    from ..archive import Archive
    from ..check.pasted import add_pasted, prompt_in_archive, prompt_of_document, reply_text
    from ..cli import warn
    from ..errors import RetestError
    from .send import arrived

    if bool(document) == bool(prompt_ref):
        raise click.UsageError("give --document PATH or --prompt ID|SHA (one of them)")
    if not model.strip() or not model.isprintable():
        raise click.UsageError("--model: give a name such as chatgpt-deep-research")
    try:
        data = click.get_binary_stream("stdin").read() if reply == "-" else Path(reply).read_bytes()
    except OSError as exc:
        raise RetestError(f"{reply}: cannot read it ({exc.strerror or exc})") from None
    text = reply_text(data, "stdin" if reply == "-" else reply)
    if document:  # built before the archive is opened: a document that is not an inquiring line stores nothing
        job = prompt_of_document(document, template, parse_vars(variables), today.date() if today else None)
    with Archive(archive_path, create=bool(document)) as archive:
        if prompt_ref:
            job = prompt_in_archive(archive, prompt_ref)
        reply_id, added = add_pasted(archive, job, model.strip(), text)
        found = arrived(archive, reply_id) if added else None
    if not added:
        warn(f"the same reply was added before: reply {reply_id} (nothing added)")
        return
    counts = f"{found['verdicts']} of {found['claims']} claims given verdicts" if found else ""
    warn(f"added reply {reply_id} from {model.strip()} (pasted){'; ' + counts if counts else ''}")
