"""Options and helpers shared by several commands."""

from __future__ import annotations

import re

import click

_VAR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)


def parse_vars(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        m = _VAR.match(value)
        if not m:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE (KEY a name such as audience)", param_hint="--var")
        out[m.group(1)] = m.group(2)
    return out


def read_documents(paths: tuple[str, ...], max_size: int = 10) -> tuple[list, int]:
    """Parse every document under ``paths``; report each failure on one line."""
    from ..errors import InputError
    from ..extract import extract_paths

    docs, failed = [], 0
    for item in extract_paths(paths, max_size * 1024 * 1024):
        if isinstance(item, InputError):
            failed += 1
            click.echo(f"retest: error: {item}", err=True)
        else:
            docs.append(item)
    return docs, failed


def template_options(f):
    """--template, --var, --today: what decides a prompt's text."""
    f = click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
                     help="Date that 'the last N months' is counted back from (default: today).")(f)
    f = click.option("--var", "variables", multiple=True, metavar="KEY=VALUE",
                     help="Extra template variable (repeatable).")(f)
    f = click.option("-t", "--template", default="retest", show_default=True, metavar="NAME|FILE",
                     help="Template name (see `retest templates`) or path to a .j2 file.")(f)
    return f
