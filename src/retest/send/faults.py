"""Which failures to retry, which mean the server is overloaded, how long to wait, what to say.

Retried: 408, 409, 429 (but not ``insufficient_quota``), 5xx, connection
errors, timeouts, and incomplete replies. Never retried: 400/422 and replies
the server failed on purpose (that prompt fails); 401, 403, 404, an exhausted
quota and a redirect stop the whole run, since no other prompt can succeed
either. 429, 503, timeouts and streams cut while other requests were in flight
are *overload*: the run sends fewer at once (see ``concurrency``). Every
message names the setting to fix and passes through ``redact``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import re

from .endpoint import Settings, online_hint
from .protocols import IncompleteReply, ReplyFailed

MAX_RETRY_WAIT = 120.0
WENT_AWAY = "went away"  # in the message of a server that answered earlier in the run and now refuses connections


class Withdrawn(Exception):
    """We took the request back before any reply came, to send fewer at once (see ``concurrency``)."""

    def __str__(self) -> str:
        return "withdrawn before any reply came, to send one at a time (the server cuts a stream for each newcomer)"


class AttemptTimeout(Exception):
    """An attempt ran past ``--timeout`` (wall clock, however slowly bytes kept coming)."""


def transport_errors() -> tuple[type[BaseException], ...]:
    import httpx2

    return (httpx2.TransportError, httpx2.DecodingError, httpx2.StreamError)


def _error_code(exc) -> str | None:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            return err.get("code") or err.get("type")
    return None


def _status(exc) -> int | None:
    import openai

    return exc.status_code if isinstance(exc, openai.APIStatusError) else None


_TRACEBACK = re.compile(r'\n\s*(?:File "|Traceback \(most recent)')
_PYDANTIC_ITEM = re.compile(r"'loc': \(([^()]*)\), 'msg': (\"[^\"]*\"|'[^']*')")
_VALIDATION = re.compile(r"\b(\d+) validation errors?\b", re.IGNORECASE)


def shape_refused(exc: BaseException) -> bool:
    """Whether the server refused the request's form rather than failed to serve it: a validation error
    (llama-cpp-python answers a ``response_format`` it does not take with a 500 carrying pydantic's
    message). Every request of the same form for the same model gets the same answer: never retried."""
    code = _status(exc)
    if code not in (400, 422, 500):
        return False
    message = _server_message(exc)
    return bool(_VALIDATION.search(message[:200])) or (code == 500 and "response_format" in message)


def clean_message(message: str) -> str:
    """A server's error message as one line: no traceback, a validation error as ``where: what``."""
    message = _TRACEBACK.split(message, maxsplit=1)[0]
    items = _PYDANTIC_ITEM.findall(message)
    if items:
        head = _VALIDATION.search(message)
        said = "; ".join(f"{_where(loc)}: {msg[1:-1]}" for loc, msg in items[:3])
        message = f"{head.group(0) if head else 'validation error'}: {said}"
    return " ".join(message.split())


def _where(loc: str) -> str:
    """``'body', 'response_format', 'type'`` → ``body.response_format.type``."""
    return ".".join(part.strip().strip("'\"") for part in loc.split(",") if part.strip())


def retryable(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, IncompleteReply | AttemptTimeout | Withdrawn):
        return True
    if shape_refused(exc):
        return False
    code = _status(exc)
    if code is not None:
        if code == 429:
            return _error_code(exc) != "insufficient_quota"
        return code in (408, 409) or code >= 500
    return isinstance(exc, openai.APIConnectionError | openai.APITimeoutError)


def overload(exc: BaseException) -> str | None:
    """What about this failure, had while other requests were in flight, says we sent too many at once."""
    import openai

    code = _status(exc)
    if code == 429 and _error_code(exc) != "insufficient_quota":
        return "answered 429 (too many requests)"
    if code == 503:
        return "answered 503 (overloaded)"
    if isinstance(exc, AttemptTimeout | openai.APITimeoutError):
        return "timed out"
    if refused(exc):
        return None  # nobody listens: no number in flight would help
    if isinstance(exc, IncompleteReply | openai.APIConnectionError):
        return "cut streams while others were in flight"
    return None


def refused(exc: BaseException) -> bool:
    """Whether nothing listens at the address (the server is down, or gone), rather than a live one failing."""
    import httpx2
    import openai

    if not isinstance(exc, openai.APIConnectionError) or isinstance(exc, openai.APITimeoutError):
        return False
    cause = exc.__cause__ or exc.__context__
    return cause is None or isinstance(cause, httpx2.ConnectError)


def one_at_a_time(exc: BaseException) -> bool:
    """Whether this failure looks like a server that serves one request at a time and ends the stream
    it starts, before any text, when others wait (the caller checks that the others are all waiting)."""
    return isinstance(exc, IncompleteReply) and exc.ended_early


def retry_after(exc: BaseException | None) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms`` or ``Retry-After``); None if unreadable."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            value = float(ms) / 1000
            if math.isfinite(value) and value >= 0:
                return value
        except ValueError:
            pass
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # "-0000" means UTC, with no zone given
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def describe(exc: BaseException, s: Settings, attempts: int = 1, reached: bool = False) -> str:
    """One line, naming the setting to fix; never the key. ``reached``: the server answered earlier in this run."""
    import openai

    from ..util.redact import scrub

    tries = f" after {attempts} attempts" if attempts > 1 else ""
    code = _status(exc)
    if isinstance(exc, IncompleteReply):
        text = f"the reply from {s.endpoint} was incomplete{tries}: {exc}"
    elif isinstance(exc, Withdrawn):
        text = f"{s.endpoint}: {exc}"
    elif isinstance(exc, ReplyFailed):
        text = f"{s.endpoint}: {exc}"
    elif isinstance(exc, AttemptTimeout | openai.APITimeoutError):
        text = f"{s.endpoint} did not finish the reply in time{tries} (--timeout {s.timeout:g} s)"
    elif isinstance(exc, openai.APIConnectionError):
        text = _connection_problem(exc, s, tries, reached)
    elif code is not None:
        message = clean_message(_server_message(exc))[:300]
        if shape_refused(exc):
            way = ("this server does not take structured output: use --verdicts block" if s.response_format else
                   "check --system, --temperature and --max-output-tokens")
            text = f"{s.endpoint} refused the form of the request for --model {s.model} ({code}: {message}); {way}"
        elif 300 <= code < 400:
            where = exc.response.headers.get("location") if getattr(exc, "response", None) is not None else None
            text = (f"--base-url {s.display_url}: the server redirects ({code}) to {where or 'another address'}; "
                    "give that URL instead")
        elif code == 401:
            text = f"OPENAI_API_KEY was rejected by {s.endpoint} (401: {message})"
        elif code == 403:
            text = f"OPENAI_API_KEY may not use --model {s.model} at {s.endpoint} (403: {message})"
        elif code == 404:
            text = (f"--model {s.model}: not found at {s.display_url} (404: {message}); check --model, --api "
                    "and --base-url")
        elif code == 429 and _error_code(exc) == "insufficient_quota":
            text = f"the account behind OPENAI_API_KEY has no quota left at {s.endpoint} (429: {message})"
        elif code in (400, 422):
            text = (f"{s.endpoint} rejected the request ({code}: {message}); "
                    "check --max-output-tokens, --temperature, --system and the prompt's length")
        elif code == 429:
            text = f"rate-limited by {s.endpoint}{tries} (429: {message})"
        else:
            text = f"{s.endpoint} failed{tries} ({code}: {message})"
        if code in (400, 404, 422) and s.model.endswith(":online"):
            text += online_hint(s)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return scrub(" ".join(text.split()))


def _connection_problem(exc, s: Settings, tries: str, reached: bool = False) -> str:
    """A refused or unresolvable connection is 'cannot reach' (or 'went away', after answering earlier in the
    run); a reset on a live one is not."""
    import httpx2

    cause = exc.__cause__ or exc.__context__
    detail = str(cause) if cause else str(exc)
    name = type(cause).__name__ if cause else "error"
    if reached and refused(exc):
        return (f"the server at {s.display_url} {WENT_AWAY}: it answered earlier in this run and refuses connections "
                f"now{tries} ({detail or name}); start it again and re-run: what arrived is archived")
    if isinstance(cause, httpx2.ConnectError | httpx2.ConnectTimeout) or cause is None:
        return f"cannot reach {s.display_url}{tries}: {detail or name} (check --base-url or OPENAI_BASE_URL)"
    return f"the connection to {s.endpoint} broke{tries} ({name}: {detail or 'no detail'})"


def server_message(exc) -> str:
    """The message in a server's error body (its first 1,000 characters), as sent."""
    return _server_message(exc)


def error_code(exc) -> str | None:
    return _error_code(exc)


def status(exc) -> int | None:
    """The HTTP status of an SDK error; None for anything else."""
    return _status(exc)


def _server_message(exc) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:1000]
        if isinstance(err, str) and err:
            return err[:1000]
    return str(getattr(exc, "message", "") or exc)[:1000]


def fatal(exc: BaseException) -> bool:
    """Errors that no other prompt can escape: stop the run."""
    code = _status(exc)
    if code is None:
        return False
    return code in (401, 403, 404) or 300 <= code < 400 or (code == 429 and _error_code(exc) == "insufficient_quota")
