"""``retest build``: documents → research prompts, within a token budget."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import fit_tokens_option, max_size_option, parse_vars, passing_over, template_options, write_file
from ..terminal.related import related_options, related_request


_SAID: set[str] = set()  # encoding notes already given in this run: each is said once


def tokens_line(p) -> str:
    """``1,234 tokens (o200k_base)``; ``~1,234 tokens (estimated with …)`` offline — the reason said once."""
    label = p.encoding_label or ""
    if label in _SAID and ":" in label:
        label = label.split(":", 1)[0]  # "estimated with cl100k_base", the why already said
    _SAID.add(p.encoding_label or "")
    return f"{'~' if p.tokens_estimated else ''}{p.tokens:,} tokens ({label})"


def _report(p, where: str | None = None) -> None:
    from ..terminal.messages import message, say

    prefix = f"{message(where)}: " if where else ""
    say(f"{prefix}{tokens_line(p)}")
    for item in p.dropped:
        say(f"  dropped to fit: {message(item)}")


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
@fit_tokens_option("Fit each prompt into N tokens, dropping the least important material first.")
@click.option("-o", "--out", metavar="FILE", help="Write the prompt to FILE.")
@click.option("--out-dir", metavar="DIR",
              help="Write one file per prompt here (NAME.TEMPLATE.prompt.txt; never read back as a document).")
@click.option("--copy", is_flag=True, help="Copy the prompt to the clipboard.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: {prompt, tokens, encoding, template, sha256, source, claims, dropped, ...}.")
@click.option("--no-verdicts", is_flag=True, help="Leave out the request for a retest_verdicts block.")
@related_options
@click.option("--archive", "archive_path", metavar="FILE",
              help="The archive that caches --related look-ups [env: RETEST_ARCHIVE].")
@max_size_option
def command(paths, template, variables, today, model, encoding, max_tokens, out, out_dir, copy, fmt, no_verdicts,
            related, archive_path, max_size):
    """Build research prompts from inquiring lines.

    Prompts go to stdout (several are separated by a ----- line), or to --out,
    --out-dir or the clipboard; token counts and anything dropped to fit
    --fit-tokens go to stderr. To fit a budget, material is dropped in this
    order: note detail, claim detail, body paragraphs, undated claims (last
    first), dated claims (oldest first), anchor papers; a dropped claim takes
    its anchors and the task sentences about its figures with it.
    """
    from ..build.prompter import InputFailure, Recipe, build_all, count_documents
    from ..build.templates import compile_template, find
    from ..terminal.messages import error_line

    if model and encoding:
        raise click.UsageError("give --model or --encoding, not both")
    if sum(map(bool, (out, out_dir, copy))) > 1:
        raise click.UsageError("give one of --out, --out-dir and --copy")
    variables = parse_vars(variables)
    tpl = find(template)
    compile_template(tpl)
    if encoding:
        from ..build.tokens import counter

        counter(None, encoding)  # an unknown encoding stops here, once
    prompts_expected = 1 if tpl.kind == "corpus" else count_documents(tuple(paths))
    if (out or copy) and prompts_expected > 1:
        raise click.UsageError(f"{prompts_expected} documents make {prompts_expected} prompts: give --out-dir DIR "
                               "for one file each, or --template corpus for one prompt of them all")
    found = stdin = read = None
    wanted = related_request(related, today, archive_path)
    if wanted:  # looked up first, all of it: a service that fails stops the build before anything is written
        from ..extract.inputs import stdin_now
        from ..terminal.related import mapping_for

        stdin = stdin_now(paths, max_size * 1024 * 1024)
        found, read = mapping_for(paths, *wanted, max_size * 1024 * 1024, stdin=stdin, keep=True)
    recipe = Recipe(tuple(paths), template, variables, today.date() if today else None, model, max_tokens,
                    max_size * 1024 * 1024, count_tokens=True, verdicts=not no_verdicts, related=found,
                    stdin=stdin)
    folder = Path(out_dir) if out_dir else None
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise click.UsageError(f"--out-dir {out_dir}: cannot create it ({exc.strerror})") from None
    taken: set[str] = set()
    built = failed = 0
    for prompt in passing_over(build_all(recipe, encoding=encoding, read=read)):
        if isinstance(prompt, InputFailure):
            failed += 1
            error_line(prompt)
            continue
        built += 1
        text = prompt.model_dump_json(indent=2) + "\n" if fmt == "json" else prompt.prompt
        if folder is not None:
            source = "corpus" if isinstance(prompt.source, list) else prompt.source
            path = folder / out_name(source, tpl.name, taken, ".prompt.json" if fmt == "json" else ".prompt.txt")
            write_file(path, text, "--out-dir")
            _report(prompt, f"wrote {path}")
        elif out:
            write_file(out, text, "--out")
            _report(prompt, f"wrote {out}")
        elif copy:
            _copy(prompt.prompt)
            _report(prompt, "copied to the clipboard")
        else:
            _print(prompt, built, prompts_expected, fmt)
    if not built:
        sys.exit(2)
    if failed:
        sys.exit(1)


def _print(prompt, n: int, expected: int, fmt: str) -> None:
    from ..util.display import for_stream

    source = prompt.source if isinstance(prompt.source, str) else "corpus"
    if fmt == "json":  # JSON lines: one prompt per line
        sys.stdout.write(prompt.model_dump_json() + "\n")
    else:
        if expected > 1:
            sys.stdout.write(("\n" if n > 1 else "") + for_stream(f"----- prompt {n} of {expected}: {source} -----\n"))
        sys.stdout.write(for_stream(prompt.prompt.rstrip("\n") + "\n"))
    sys.stdout.flush()
    _report(prompt, source if expected > 1 else None)


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
