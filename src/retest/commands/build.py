"""``retest build``: documents → research prompts, within a token budget."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import max_size_option, parse_vars, read_documents, template_options, write_file


def tokens_line(p) -> str:
    """``1,234 tokens (o200k_base)``; ``~1,234 tokens (estimated with …)`` offline."""
    return f"{'~' if p.tokens_estimated else ''}{p.tokens:,} tokens ({p.encoding_label})"


def _report(p, where: str | None = None) -> None:
    from ..cli import message

    prefix = f"{message(where)}: " if where else ""
    click.echo(f"{prefix}{tokens_line(p)}", err=True)
    for item in p.dropped:
        click.echo(f"  dropped to fit: {message(item)}", err=True)


def out_name(source: str, template: str, taken: set[str], suffix: str = ".prompt.txt") -> str:
    """``notes/line.txt`` + ``retest`` → ``line.retest.prompt.txt`` (numbered when taken)."""
    stem = "stdin" if source == "<stdin>" else Path(source).stem
    tname = Path(template).stem
    name, n = f"{stem}.{tname}{suffix}", 1
    while name in taken:
        n += 1
        name = f"{stem}.{tname}.{n}{suffix}"
    taken.add(name)
    return name


@click.command("build")
@click.argument("paths", nargs=-1, required=True)
@template_options
@click.option("--model", metavar="MODEL", help="Count tokens with this model's encoding.")
@click.option("--encoding", metavar="NAME", help="Count tokens with this tiktoken encoding instead.")
@click.option("--max-tokens", type=click.IntRange(min=1), metavar="N",
              help="Fit each prompt into N tokens, dropping the least important material first.")
@click.option("-o", "--out", metavar="FILE", help="Write the prompt to FILE.")
@click.option("--out-dir", metavar="DIR",
              help="Write one file per prompt here (NAME.TEMPLATE.prompt.txt; never read back as a document).")
@click.option("--copy", is_flag=True, help="Copy the prompt to the clipboard.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: {prompt, tokens, encoding, template, sha256, source, claims, dropped, ...}.")
@max_size_option
def command(paths, template, variables, today, model, encoding, max_tokens, out, out_dir, copy, fmt, max_size):
    """Build research prompts from inquiring lines.

    Prompts go to stdout (several are separated by a ----- line), or to --out,
    --out-dir or the clipboard; token counts and anything dropped to fit
    --max-tokens go to stderr. To fit a budget, material is dropped in this
    order: note detail, claim detail, body paragraphs, undated claims (last
    first), dated claims (oldest first), anchor papers; a dropped claim takes
    its anchors and the task sentences about its figures with it.
    """
    from ..build import build
    from ..templates import find

    if model and encoding:
        raise click.UsageError("give --model or --encoding, not both")
    if sum(map(bool, (out, out_dir, copy))) > 1:
        raise click.UsageError("give one of --out, --out-dir and --copy")
    variables = parse_vars(variables)
    tpl = find(template)
    docs, failed = read_documents(paths, max_size)
    if not docs:
        sys.exit(2)
    day = today.date() if today else None
    kw = dict(today=day, variables=variables, max_tokens=max_tokens, model=model, encoding=encoding)
    groups = [docs] if tpl.kind == "corpus" else [[d] for d in docs]

    def text_of(prompt) -> str:
        return prompt.model_dump_json(indent=2) + "\n" if fmt == "json" else prompt.prompt

    if out_dir:
        folder = Path(out_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise click.UsageError(f"--out-dir {out_dir}: cannot create it ({exc.strerror})") from None
        taken: set[str] = set()
        suffix = ".prompt.json" if fmt == "json" else ".prompt.txt"
        for group in groups:
            prompt = build(group, tpl, **kw)
            source = "corpus" if len(group) > 1 else group[0].source
            path = folder / out_name(source, tpl.name, taken, suffix)
            write_file(path, text_of(prompt), "--out-dir")
            _report(prompt, f"wrote {path}")
    elif out or copy:
        if len(groups) > 1:
            raise click.UsageError(f"{len(docs)} documents make {len(groups)} prompts: give --out-dir DIR for one "
                                   "file each, or --template corpus for one prompt of them all")
        prompt = build(groups[0], tpl, **kw)
        if out:
            write_file(out, text_of(prompt), "--out")
            _report(prompt, f"wrote {out}")
        else:
            _copy(prompt.prompt)
            _report(prompt, "copied to the clipboard")
    else:
        _to_stdout(groups, tpl, kw, fmt)
    if failed:
        sys.exit(1)


def _to_stdout(groups, tpl, kw, fmt) -> None:
    from ..build import build
    from ..display import for_stream

    for n, group in enumerate(groups, start=1):
        prompt = build(group, tpl, **kw)
        if fmt == "json":  # JSON lines: one prompt per line
            sys.stdout.write(prompt.model_dump_json() + "\n")
        else:
            if len(groups) > 1:
                sys.stdout.write(("\n" if n > 1 else "")
                                 + for_stream(f"----- prompt {n} of {len(groups)}: {group[0].source} -----\n"))
            sys.stdout.write(for_stream(prompt.prompt.rstrip("\n") + "\n"))
        sys.stdout.flush()
        _report(prompt, group[0].source if len(groups) > 1 else None)


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
