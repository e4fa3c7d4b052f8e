"""The ``retest`` command: parse arguments, call the library, print.

Each command imports what it needs inside its own body so that ``retest
--help`` and ``retest extract`` never pay for openai or tiktoken.
"""

from __future__ import annotations

import os
import sys

import click

from .errors import RetestError


def fail(message: str, code: int = 2) -> None:
    """One line on stderr, then exit."""
    click.echo(f"retest: error: {message}", err=True)
    sys.exit(code)


class _Group(click.Group):
    """Turns RetestError (and stray exceptions) into one line and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except RetestError as exc:
            fail(str(exc), exc.exit_code)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("retest: interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug: say so in one line, traceback on request
            if os.environ.get("RETEST_DEBUG"):
                raise
            fail(f"internal error: {type(exc).__name__}: {exc} (set RETEST_DEBUG=1 for details)", 3)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="retest")
def main() -> None:
    """Turn dated research findings into re-test prompts, send them, archive and check the replies."""


from .commands import archive as _archive  # noqa: E402
from .commands import build as _build  # noqa: E402
from .commands import check as _check  # noqa: E402
from .commands import extract as _extract  # noqa: E402
from .commands import send as _send  # noqa: E402
from .commands import templates as _templates  # noqa: E402

for _module in (_extract, _build, _templates, _send, _archive, _check):
    main.add_command(_module.command)
