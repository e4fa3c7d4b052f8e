"""Options and helpers shared by several commands."""

from __future__ import annotations

import math
import re

import click

_VAR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
MAX_ID = 2**63 - 1  # SQLite's largest integer


def parse_vars(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        m = _VAR.match(value)
        if not m:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE (KEY a name such as audience)", param_hint="--var")
        out[m.group(1)] = m.group(2)
    return out


class Number(click.ParamType):
    """A finite number in a range: ``nan`` and ``inf`` are refused, as they compare as anything."""

    name = "number"

    def __init__(self, low: float | None = None, high: float | None = None, integer: bool = False):
        self.low, self.high, self.integer = low, high, integer

    def convert(self, value, param, ctx):
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = int(value, 10) if self.integer else float(value)
            except (TypeError, ValueError):
                kind = "a whole number" if self.integer else "a number"
                self.fail(f"{value!r} is not {kind}", param, ctx)
        if not self.integer and not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            low = "" if self.low is None else f"{self.low:g}"
            high = "" if self.high is None else f"{self.high:g}"
            span = f"from {low} to {high}" if low and high else (f"at least {low}" if low else f"at most {high}")
            self.fail(f"{value} is out of range (give a number {span})", param, ctx)
        return number


def reply_id_type() -> Number:
    return Number(1, MAX_ID, integer=True)


def max_size_option(f):
    from ..extract.inputs import MAX_SIZE_MB

    return click.option("--max-size", type=Number(1, MAX_SIZE_MB, integer=True), default=10, show_default=True,
                        metavar="MB", help="Refuse documents larger than this.")(f)


def fit_tokens_option(help: str):
    """``--fit-tokens N``: the prompt's budget (not the reply's: that is --max-output-tokens). The old name
    ``--max-tokens`` still works, unlisted."""

    def apply(f):
        f = click.option("--max-tokens", "max_tokens", type=Number(1, 100_000_000, integer=True), hidden=True)(f)
        return click.option("--fit-tokens", "max_tokens", type=Number(1, 100_000_000, integer=True), metavar="N",
                            help=help)(f)

    return apply


max_tokens_option = fit_tokens_option("Fit each prompt into N tokens first, dropping the least important material "
                                      "(see `retest build --help`).")


def template_options(f):
    """--template, --var, --today: what decides a prompt's text."""
    f = click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
                     help="Date that 'the last N months' is counted back from (default: today).")(f)
    f = click.option("--var", "variables", multiple=True, metavar="KEY=VALUE",
                     help="Extra template variable (repeatable).")(f)
    f = click.option("-t", "--template", default="retest", show_default=True, metavar="NAME|FILE",
                     help="Template name (see `retest templates`) or path to a .j2 file.")(f)
    return f


def write_file(path, text: str, label: str, archive=None) -> None:
    """Write ``text`` to ``path`` whole or not at all, never over the archive (``files.output``)."""
    from ..archive import locate
    from ..files import write_text

    write_text(path, text, label, archive=locate(archive)[0])


def same_file(a, b) -> bool:
    """Whether two paths name the same file (or would, once created)."""
    import os

    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def verdicts_option(f):
    """How replies are asked for their verdicts on the claims (see README: the verdict block)."""
    return click.option(
        "--verdicts", type=click.Choice(["block", "json-schema", "none"]), default="block", show_default=True,
        help="Ask for a retest_verdicts block after the prose (block), as structured output where the endpoint "
             "supports it (json-schema), or not at all (none).")(f)
