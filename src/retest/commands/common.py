"""Options and helpers shared by several commands: the one module a command imports besides its own (no command
imports another)."""

from __future__ import annotations

import functools
import math
import re
import sys

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


class ReplyRef(click.ParamType):
    """A reply's ID, or counted from the newest: ``last`` (or ``latest``) is ``-1``, the one before it ``-2``, …
    A reference from the end is kept negative; ``resolve_reply`` turns it into an ID once the archive is open."""

    name = "ID"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        if text in ("last", "latest"):
            return -1
        if text.startswith("-") and text[1:].isascii() and text[1:].isdigit() and 0 < int(text[1:]) <= MAX_ID:
            return int(text)
        return Number(1, MAX_ID, integer=True).convert(value, param, ctx)


def resolve_reply(archive, ref: int) -> int:
    """A ``ReplyRef`` as an ID in ``archive`` (a reference past the oldest reply is one plain error)."""
    if ref > 0:
        return ref
    from ..errors import RetestError

    found = archive.newest_id(-ref)
    if found is None:
        count = archive.count()
        held = "no replies" if count == 0 else f"only {count} repl{'y' if count == 1 else 'ies'}"
        raise RetestError(f"no reply {ref}: {archive.path} holds {held}")
    return found


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
    from ..util.files import write_text

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


def endpoint_options(f):
    """Where requests go and how they are asked: shared by ``send`` and ``batch``."""
    f = click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")(f)
    f = click.option("--max-output-tokens", type=Number(1, 10_000_000, integer=True), metavar="N",
                     help="Ask the model for at most N tokens of reply.")(f)
    f = click.option("--temperature", type=Number(0, 2), metavar="X",
                     help="Sampling temperature, 0 to 2 (default: the server's).")(f)
    f = click.option("--system", metavar="TEXT", help="A system message (Responses API: instructions).")(f)
    f = click.option("--api", type=click.Choice(["chat", "responses"]), default=None,
                     help="Wire protocol: /v1/chat/completions or /v1/responses [env: RETEST_API; default chat].")(f)
    f = click.option("--base-url", metavar="URL", help="OpenAI-compatible endpoint [env: OPENAI_BASE_URL; "
                     "default https://api.openai.com/v1]. The key comes from OPENAI_API_KEY.")(f)
    f = click.option("-m", "--model", "models", multiple=True, metavar="MODEL[@NAME]",
                     help="Model to ask; repeat to ask several [env: RETEST_MODEL]. MODEL@NAME asks it at the named "
                          "endpoint NAME (endpoints.toml, or a known provider: see `retest models`).")(f)
    return f


# -- send --background ------------------------------------------------------------------------

poll_option = click.option("--poll", type=Number(0.01, 3600), default=5, show_default=True, metavar="SECONDS",
                     help="First pause between polls of a response; each pause is 1.5x the last, up to a minute.")


def background_options(f):
    """``send``'s options for background mode (they arrive in its ``**background`` keyword arguments)."""
    f = poll_option(f)
    f = click.option("--resend-unknown", is_flag=True,
                     help="With --background: send again prompts whose create call's outcome is unknown "
                          "(check the provider first: if it did make the response, this pays twice).")(f)
    f = click.option("--retry-failed", is_flag=True,
                     help="With --background: send again prompts whose background response failed, was "
                          "cancelled, or ended without text.")(f)
    f = click.option("--no-wait", is_flag=True,
                     help="With --background: return once every prompt is submitted (collect later with "
                          "`retest background collect` or the same command).")(f)
    f = click.option("--background", is_flag=True,
                     help="Create each prompt as a background response (Responses API; implies --api responses) "
                          "and poll for it: for deep research and other replies that take minutes.")(f)
    return f


def check_background(options: dict, api: str | None) -> bool:
    """Whether ``send`` runs in background mode; refuses flags that need it, or contradict it."""
    if not options.get("background"):
        given = [f"--{k.replace('_', '-')}" for k in ("no_wait", "retry_failed", "resend_unknown") if options.get(k)]
        if given:
            raise click.UsageError(f"{', '.join(given)} only apply with --background")
        return False
    if api == "chat":
        raise click.UsageError("--background uses the Responses API: drop --api chat")
    return True


# -- reading the archive ----------------------------------------------------------------------

def open_or_explain(path, as_json: bool = False):
    """The archive for reading, or None after saying that nothing is archived yet (exit 0)."""
    from ..archive import locate, open_for_reading

    archive = open_for_reading(path)
    if archive is None:
        if as_json:
            click.echo("[]")
        click.echo(f"no replies yet — `retest send` fills the archive at {locate(path)[0]}", err=True)
    return archive


def since_day(value: str | None) -> str | None:
    if not value:
        return None
    import datetime as dt

    try:
        return dt.datetime.strptime(value, "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date written YYYY-MM-DD", param_hint="--since") from None


def prompts_or_exit(paths, template, variables, today, model, max_tokens, max_size=10, **kwargs):
    """``build.prompter.prompt_source``, or each reason there is nothing to build on stderr and exit 2."""
    from ..build.prompter import NoDocuments, prompt_source
    from ..terminal.messages import message, say

    try:
        prompts, total = prompt_source(paths, template, variables, today, model, max_tokens, max_size, **kwargs)
    except NoDocuments as exc:
        for item in exc.failures:
            say(f"retest: error: {message(item)}")
        sys.exit(2)
    return passing_over(prompts), total


def passing_over(prompts):
    """The prompts, less the files a folder walk found that are not inquiring lines: one line each on stderr."""
    from ..terminal.messages import message, say

    for item in prompts:
        if getattr(item, "skipped", False):
            say(f"retest: skipped {message(item)}")
            continue
        yield item


# -- what a request may cost, and whether it searches the web --------------------------------

def cost_options(f):
    """``--max-cost`` and ``--price``: shared by ``send`` and ``batch submit``."""
    f = click.option("--price", "prices", multiple=True, metavar="[MODEL=]IN/OUT",
                     help="Your price in USD per million tokens, input/output (e.g. 0/0 for your own server); "
                          "MODEL= for one model. Beats the price table and the prices file.")(f)
    f = click.option("--max-cost", type=Number(0, 1e9), metavar="USD",
                     help="A ceiling for the run: before each request its worst case is reserved, and nothing new "
                          "starts once the next one could break it (needs --max-output-tokens).")(f)
    return f


# --search, --search-context and --search-domains reach the command as one ``search`` mapping of ``Settings``
# fields, so that each command passes them on whole.

def _domains(ctx, param, value):
    if value is None:
        return None
    domains = tuple(dict.fromkeys(d.strip().lower() for d in value.split(",") if d.strip()))
    if not domains:
        raise click.BadParameter("give domain names separated by commas, e.g. arxiv.org,openreview.net")
    return domains


def search_options(f):
    @functools.wraps(f)
    def wrapper(*args, search, search_context, search_domains, **kwargs):
        kwargs["search"] = {"search": search, "search_context": search_context, "search_domains": search_domains}
        return f(*args, **kwargs)

    wrapper = click.option("--search-domains", metavar="A,B", callback=_domains,
                           help="Search only these domains, e.g. arxiv.org,openreview.net (implies "
                           "the search option; Perplexity, OpenRouter and the Responses API).")(wrapper)
    wrapper = click.option("--search-context", type=click.Choice(["low", "medium", "high"]),
                           help="How much search context the model takes in (implies the search option).")(wrapper)
    wrapper = click.option("--search", is_flag=True, default=None,
                           help="Ground replies in a web search (Responses API: the web_search tool; chat: "
                           "web_search_options) [env: RETEST_SEARCH=1]. Sources are archived either way.")(wrapper)
    return wrapper


def model_check_option(f):
    """``--no-model-check``: send even a model the endpoint does not list."""
    return click.option("--no-model-check", is_flag=True,
                        help="Do not refuse a model the endpoint's /v1/models does not list.")(f)


def check_served(settings, skip: bool) -> None:
    """Refuse a model its endpoint does not serve, before anything is built or sent (``send.served``)."""
    if not skip:
        from ..send.served import check_models

        check_models(settings)
