"""The ``retest`` command: parse arguments, call the library, print.

Each command imports what it needs inside its own body so that ``retest
--help`` and ``retest extract`` never pay for openai or tiktoken. Every way a
command can fail ends here as one line on stderr and an exit code: 1 when
only some items failed, 2 for unusable input or settings, 3 for a bug.
"""

from __future__ import annotations

import errno
import os
import sys

import click

from .errors import RetestError
from .terminal.messages import message, say

# name → (module in retest.commands, one-line help); modules load only when run
COMMANDS = {
    "extract": ("extract", "Read documents: question, notes, dated claims, papers."),
    "build": ("build", "Build re-test prompts, within a token budget."),
    "templates": ("templates", "List the prompt templates, or show one."),
    "related": ("related", "The newer papers citing each claim's papers (OpenAlex, Semantic Scholar)."),
    "send": ("send", "Send prompts to an endpoint; archive every reply."),
    "batch": ("batch", "Send many prompts through a Batch API, or prepare files."),
    "background": ("background", "List, collect or cancel background responses (send --background)."),
    "models": ("models", "What each endpoint serves (-m MODEL@NAME picks one)."),
    "archive": ("archive", "Browse, search and export prompts and replies."),
    "check": ("check", "Check a reply's arXiv citations and verdicts."),
    "claims": ("claims", "The ledger: each claim's latest verdict per model."),
    "report": ("report", "A self-contained HTML page of claims and replies."),
}


class _Group(click.Group):
    """Loads commands lazily and lists them without importing them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str):
        if name not in COMMANDS:
            return None
        from importlib import import_module

        return import_module(f".commands.{COMMANDS[name][0]}", __package__).command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, short) in COMMANDS.items()])


@click.group(cls=_Group, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog="Run `retest COMMAND --help` for one command. Set RETEST_DEBUG=1 to see tracebacks.")
@click.version_option(package_name="retest", message="%(prog)s %(version)s")
@click.pass_context
def group(ctx: click.Context) -> None:
    """Turn dated research findings into re-test prompts, send them, archive and check the replies.

    \b
    Quick start, no key needed:
      retest extract seeds/                 what retest reads in each document
      retest build seeds/002_*.txt          a re-test prompt to paste into any chat
      retest send seeds/ -m gpt-4o --dry-run   what would be sent, and how many tokens
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(0)


class _ClosedStream:
    """Stands in for a closed stdin/stdout so that using it fails with a plain message."""

    def __init__(self, name: str):
        self.name = name

    def _closed(self, *args, **kwargs):
        raise OSError(errno.EBADF, f"{self.name} is closed")

    write = read = readline = fileno = _closed

    def flush(self) -> None:
        pass

    def close(self) -> None:  # what a child process does first with its stdin (multiprocessing)
        pass
    closed = True
    buffer = property(lambda self: self)

    def isatty(self) -> bool:
        return False


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _flush_stdout() -> None:
    if isinstance(sys.stdout, _ClosedStream):
        return
    sys.stdout.flush()


def main(args: list[str] | None = None, prog_name: str = "retest") -> None:
    if sys.stdin is None:
        sys.stdin = _ClosedStream("stdin")
    if sys.stdout is None:
        sys.stdout = _ClosedStream("stdout")
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")
    code = 0
    try:
        try:
            rv = group.main(args=args, prog_name=prog_name, standalone_mode=False)
            code = rv if isinstance(rv, int) else 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        _flush_stdout()
    except click.exceptions.Abort:
        code = _interrupted()
    except click.ClickException as exc:
        code = _usage_error(exc)
    except RetestError as exc:
        say(f"retest: error: {message(exc)}")
        code = exc.exit_code
    except KeyboardInterrupt:
        code = _interrupted()
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (`retest … | head`): nothing to say
        code = 1
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EBADF, errno.EIO, errno.EFBIG, errno.EDQUOT):
            _silence_stdout()
            click.echo(f"retest: error: cannot write to stdout: {exc.strerror or exc}", err=True)
            code = 2
        else:
            code = _internal(exc)
    except Exception as exc:  # a bug: say so in one line, traceback on request
        code = _storage(exc) or _internal(exc)
    sys.exit(code)


def _storage(exc: BaseException) -> int:
    """A full disk, a read-only folder, a damaged file under the archive: one line, not a bug."""
    from .archive.connection import is_storage_failure, sqlite_problem

    if not is_storage_failure(exc):
        return 0
    click.echo(f"retest: error: the archive: {message(sqlite_problem(exc))}; nothing received was lost "
               "— run the same command again once that is fixed", err=True)
    return 2


def _interrupted() -> int:
    click.echo("retest: interrupted", err=True)
    return 130


def _usage_error(exc: click.ClickException) -> int:
    text = exc.format_message().rstrip(".")
    text = text[:1].lower() + text[1:]
    ctx = getattr(exc, "ctx", None)
    where = f" (see `{ctx.command_path} --help`)" if ctx is not None and isinstance(exc, click.UsageError) else ""
    say(f"retest: error: {message(text)}{where}")
    return exc.exit_code if exc.exit_code not in (0, 1) else 2


def _internal(exc: BaseException) -> int:
    if os.environ.get("RETEST_DEBUG"):
        import traceback

        traceback.print_exception(exc)
    click.echo(f"retest: error: internal error: {type(exc).__name__}: {message(exc)} "
               "(a bug; set RETEST_DEBUG=1 for details)", err=True)
    return 3
