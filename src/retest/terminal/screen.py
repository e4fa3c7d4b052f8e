"""What a terminal gets beyond plain text: colour, word-wrapped lines, a pager, rendered Markdown.

Only a terminal gets any of it: a pipe or a file receives the plain text,
exactly. Colour follows the conventions people set once for every program:
``NO_COLOR`` (any value) turns it off, as does ``TERM=dumb``. The pager is
the user's (``PAGER``, else ``less``), with git's ``LESS=FRX`` unless
``LESS`` is set, so that a short page prints and returns at once.
"""

from __future__ import annotations

import os
import re
import sys

import click

# verdicts, consensus words, reply and batch states, citation verdicts → a colour
_STYLES = {
    "holds": "green", "all hold": "green", "ok": "green", "completed": "green", "known": "green",
    "new": "cyan", "collected": "green",
    "revised": "yellow", "all revised": "yellow", "pending": "yellow", "split": "yellow",
    "in_progress": "yellow", "validating": "yellow", "finalizing": "yellow", "submitted": "yellow",
    "overturned": "red", "all overturned": "red", "failed": "red", "expired": "red", "unsupported": "red",
    "malformed": "red", "impossible": "red", "implausible": "red", "not-found": "red", "date-mismatch": "red",
    "cancelled": "red",
}


def is_terminal(stream=None) -> bool:
    stream = stream if stream is not None else sys.stdout
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def colour_on(stream=None) -> bool:
    """Colour for this stream: a terminal, and neither NO_COLOR nor TERM=dumb."""
    return is_terminal(stream) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def style_of(word: str) -> str | None:
    """The colour of a status word (``holds (1 unsupported dissent)`` takes its first word's, muted to yellow)."""
    word = word.strip().lower()
    if word in _STYLES:
        return _STYLES[word]
    if "dissent" in word:
        return "yellow"
    if word.startswith("overturned by"):
        return "red"
    return _STYLES.get(word.split(" ")[0].split("(")[0])


def paint(text: str, word: str | None = None, stream=None, bold: bool = False) -> str:
    """``text`` in the colour of ``word`` (default: the text itself), on a terminal that takes colour."""
    if not colour_on(stream):
        return text
    colour = style_of(word if word is not None else text)
    if colour is None and not bold:
        return text
    return click.style(text, fg=colour, bold=bold or None)


def width_of(stream=None) -> int:
    """The stream's terminal width (COLUMNS wins), else 80."""
    from ..util.display import terminal_width

    if os.environ.get("COLUMNS", "").strip().isdigit() and int(os.environ["COLUMNS"]) > 0:
        return int(os.environ["COLUMNS"])
    stream = stream if stream is not None else sys.stdout
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return terminal_width()


def wrapped(text: str, stream=None, indent: str = "    ") -> str:
    """``text`` wrapped at word boundaries to the terminal's width, on a terminal; as is elsewhere."""
    if not is_terminal(stream):
        return text
    import textwrap

    width = max(20, width_of(stream) - 1)
    out = []
    for line in text.split("\n"):
        out += textwrap.wrap(line, width=width, subsequent_indent=indent, break_long_words=False,
                             break_on_hyphens=False) or [""]
    return "\n".join(out)


def say(text: str, err: bool = True) -> None:
    """One message, word-wrapped on a terminal."""
    stream = sys.stderr if err else sys.stdout
    click.echo(wrapped(text, stream), err=err)


# -- a pager, as git uses one --------------------------------------------------------------

def page(text: str) -> None:
    """Show ``text`` through the user's pager (PAGER, else less); straight out if there is none."""
    import shlex
    import shutil
    import subprocess

    command = os.environ.get("PAGER")
    if command is None:
        command = "less" if shutil.which("less") and _rows() > 0 else ""  # a terminal of no known height: print
    if not command.strip() or command.strip() == "cat":
        sys.stdout.write(text)
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # quit if one screen, raw colours, no screen clearing
    env.setdefault("LV", "-c")
    sys.stdout.flush()
    try:
        proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)  # noqa: S602 — the user's own
    except OSError:
        sys.stdout.write(text)
        return
    try:
        proc.stdin.write(text.encode("utf-8", "replace"))
        proc.stdin.close()
    except BrokenPipeError:  # the reader quit early (q in less): nothing is wrong
        pass
    try:
        proc.wait()
    except KeyboardInterrupt:
        proc.wait()
    if proc.returncode == 127:  # the shell found no such pager
        click.echo(f"retest: PAGER={shlex.quote(command)} could not be run; printing instead", err=True)
        sys.stdout.write(text)


_LINE_BREAK = re.compile(r"(?<=\S)\n(?=[^\n])")


def _rows() -> int:
    try:
        return os.get_terminal_size(sys.stdout.fileno()).lines
    except (OSError, ValueError, AttributeError):
        return 0


def markdown_for_terminal(text: str, width: int | None = None) -> str:
    """Markdown rendered by rich for this terminal (colour as ``colour_on`` says); links are never made live."""
    import io

    from rich.console import Console
    from rich.markdown import Markdown

    from ..util.display import neutral

    out = io.StringIO()
    colour = colour_on(sys.stdout)
    console = Console(file=out, width=width or width_of(sys.stdout), force_terminal=colour, no_color=not colour,
                      color_system="standard" if colour else None, legacy_windows=False, emoji=False,
                      highlight=False)
    text = _LINE_BREAK.sub("  \n", neutral(text))  # prompts are plain text: their line breaks stay breaks
    console.print(Markdown(text, hyperlinks=False, code_theme="ansi_dark" if colour else "bw"))
    return out.getvalue()


# -- search snippets ----------------------------------------------------------------------

def matched_passage(rec: dict, words: list[str], colour: bool = True) -> str:
    """The passage of a search hit that matched: in its reply, else in its prompt."""
    text = rec.get("reply") or ""
    if not any(w.lower() in text.lower() for w in words):
        text = rec.get("prompt") or text
    text = _HEADING.sub("", text)  # Markdown heading marks are not what anyone searched for
    return snippet(text, words, max(40, width_of() - 8), colour=colour and colour_on())


_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]", re.M)


def snippet(text: str, words: list[str], width: int = 80, colour: bool = False) -> str:
    """The part of ``text`` around the first match of any of ``words``, on one line; matches highlighted
    with ``colour``, else between »marks«."""
    from ..util.display import neutral

    flat = neutral(" ".join((text or "").split()), one_line=True)
    wanted = [w for w in words if w]
    if not flat or not wanted:
        return flat[:width]
    pattern = re.compile("|".join(re.escape(w) for w in sorted(wanted, key=len, reverse=True)), re.I)
    m = pattern.search(flat)
    if m is None:
        return flat[: max(width - 1, 1)] + ("…" if len(flat) > width else "")
    start = max(0, m.start() - width // 3)
    if start:
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < m.start() else start
    piece = flat[start : start + width]
    if start + width < len(flat):
        cut = piece.rfind(" ")
        piece = (piece[:cut] if cut > m.end() - start else piece) + "…"
    if start:
        piece = "…" + piece
    return pattern.sub(lambda x: click.style(x.group(0), bold=True, reverse=True) if colour else f"»{x.group(0)}«",
                       piece)
