"""``retest build``: documents → research prompts, within a token budget."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import parse_vars, read_documents, template_options


def _tokens_line(p) -> str:
    return f"{p.tokens:,} tokens ({p.encoding_label})"


def _report(p, where: str | None = None) -> None:
    prefix = f"{where}: " if where else ""
    click.echo(f"{prefix}{_tokens_line(p)}", err=True)
    for item in p.dropped:
        click.echo(f"  dropped to fit: {item}", err=True)


def _out_name(source: str, template: str, taken: set[str]) -> str:
    stem = "stdin" if source == "<stdin>" else Path(source).stem
    tname = Path(template).stem
    name, n = f"{stem}.{tname}.txt", 1
    while name in taken:
        n += 1
        name = f"{stem}.{tname}.{n}.txt"
    taken.add(name)
    return name


@click.command("build")
@click.argument("paths", nargs=-1, required=True)
@template_options
@click.option("--model", metavar="MODEL", help="Count tokens with this model's encoding.")
@click.option("--encoding", metavar="NAME", help="Count tokens with this tiktoken encoding instead.")
@click.option("--max-tokens", type=click.IntRange(min=1), metavar="N",
              help="Fit the prompt into N tokens, dropping the least important material first.")
@click.option("-o", "--out", type=click.Path(dir_okay=False, writable=True), help="Write the prompt to FILE.")
@click.option("--out-dir", type=click.Path(file_okay=False), help="With several documents: one file per prompt here.")
@click.option("--copy", is_flag=True, help="Copy the prompt to the clipboard.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: {prompt, tokens, encoding, template, sha256, source, dropped, ...}.")
def command(paths, template, variables, today, model, encoding, max_tokens, out, out_dir, copy, fmt):
    """Build research prompts from inquiring lines.

    The prompt goes to stdout (nothing else does); its token count and anything
    dropped to fit --max-tokens go to stderr. To fit a budget, material is
    dropped in this order: note detail, claim detail, body paragraphs, undated
    claims (last first), dated claims (oldest first), anchor papers.
    """
    from ..build import build
    from ..templates import find

    if model and encoding:
        raise click.UsageError("give --model or --encoding, not both")
    if out and out_dir:
        raise click.UsageError("give --out or --out-dir, not both")
    variables = parse_vars(variables)
    tpl = find(template)
    docs, failed = read_documents(paths)
    if not docs:
        sys.exit(2)
    day = today.date() if today else None
    kw = dict(today=day, variables=variables, max_tokens=max_tokens, model=model, encoding=encoding)

    if tpl.kind == "corpus" or len(docs) == 1:
        prompt = build(docs, tpl, **kw)
        text = prompt.model_dump_json(indent=2) + "\n" if fmt == "json" else prompt.prompt
        if out:
            Path(out).write_text(text, encoding="utf-8")
            _report(prompt, f"wrote {out}")
        elif copy:
            _copy(prompt.prompt)
            _report(prompt, "copied to the clipboard")
        else:
            sys.stdout.write(text)
            _report(prompt)
    elif out_dir:
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        taken: set[str] = set()
        for doc in docs:
            prompt = build(doc, tpl, **kw)
            name = _out_name(doc.source, tpl.name, taken)
            text = prompt.model_dump_json(indent=2) + "\n" if fmt == "json" else prompt.prompt
            (folder / name).write_text(text, encoding="utf-8")
            _report(prompt, f"wrote {folder / name}")
    elif fmt == "json" and not (out or copy):
        for doc in docs:  # JSON lines: one prompt per document
            prompt = build(doc, tpl, **kw)
            sys.stdout.write(prompt.model_dump_json() + "\n")
            _report(prompt, doc.source)
    else:
        raise click.UsageError(
            f"{len(docs)} documents: give --out-dir DIR for one prompt each, "
            "--format json for JSON lines, or --template corpus for one prompt of them all"
        )
    if failed:
        sys.exit(1)


def _copy(text: str) -> None:
    import pyperclip

    from ..errors import RetestError

    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException:
        raise RetestError(
            "--copy: no clipboard is available here (install xclip, xsel or wl-clipboard, "
            "or use --out FILE)"
        ) from None
