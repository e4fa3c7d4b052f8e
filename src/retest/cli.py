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


COMMANDS = {  # name → module in retest.commands; imported only when that command runs
    "extract": "extract", "build": "build", "templates": "templates",
    "send": "send", "archive": "archive", "check": "check",
}


class _Group(click.Group):
    """Loads commands lazily; turns RetestError (and stray exceptions) into one line and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str):
        if name not in COMMANDS:
            return None
        from importlib import import_module

        return import_module(f".commands.{COMMANDS[name]}", __package__).command

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

