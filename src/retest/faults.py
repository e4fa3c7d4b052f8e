"""Which failures to retry, how long to wait, and how to say what went wrong.

Retried: 408, 409, 429 (but not ``insufficient_quota``), 5xx, connection
errors, timeouts, and incomplete replies. Never retried: 400/401/403/404/422;
of those, 401, 403, 404 and an exhausted quota stop the whole run, since no
other prompt can succeed either. Every message names the setting to fix and
never contains the key.
"""

from __future__ import annotations

import datetime as dt
import email.utils

from .endpoint import Settings


class IncompleteReply(Exception):
    """The stream broke, or ended without a finish reason or [DONE]."""


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


def retryable(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, IncompleteReply):
        return True
    if isinstance(exc, openai.APIStatusError):
        code = exc.status_code
        if code == 429:
            return _error_code(exc) != "insufficient_quota"
        return code in (408, 409) or code >= 500
    return isinstance(exc, (openai.APIConnectionError, openai.APITimeoutError))


def retry_after(exc: BaseException | None) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms`` or ``Retry-After``)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value else None
        if when is None:
            return None
        return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def describe(exc: BaseException, s: Settings, attempts: int = 1) -> str:
    """One line, naming the setting to fix; never the key."""
    import openai

    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if isinstance(exc, IncompleteReply):
        text = f"the reply from {s.endpoint} was incomplete{tries}: {exc}"
    elif isinstance(exc, openai.APITimeoutError):
        text = f"{s.endpoint} did not answer in time{tries} (timeout {s.timeout:g}s)"
    elif isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        detail = str(cause) if cause else str(exc)
        text = f"cannot reach {s.display_url}{tries}: {detail or type(cause).__name__} (check --base-url or OPENAI_BASE_URL)"
    elif isinstance(exc, openai.APIStatusError):
        message = _server_message(exc)
        code = exc.status_code
        if code == 401:
            text = f"OPENAI_API_KEY was rejected by {s.endpoint} (401: {message})"
        elif code == 403:
            text = f"OPENAI_API_KEY may not use --model {s.model} at {s.endpoint} (403: {message})"
        elif code == 404:
            text = f"--model {s.model}: not found at {s.display_url} (404: {message}); check --model and --base-url"
        elif code == 429 and _error_code(exc) == "insufficient_quota":
            text = f"the account behind OPENAI_API_KEY has no quota left at {s.endpoint} (429: {message})"
        elif code in (400, 422):
            text = (f"{s.endpoint} rejected the request ({code}: {message}); "
                    "check --max-output-tokens, --temperature, --system and the prompt's length")
        elif code == 429:
            text = f"rate-limited by {s.endpoint}{tries} (429: {message})"
        else:
            text = f"{s.endpoint} failed{tries} ({code}: {message})"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return s.redact(" ".join(text.split()))


def _server_message(exc) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:300]
    return str(getattr(exc, "message", "") or exc)[:300]


def fatal(exc: BaseException) -> bool:
    """Errors that no other prompt can escape: stop the run."""
    import openai

    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (401, 403, 404) or (
            exc.status_code == 429 and _error_code(exc) == "insufficient_quota"
        )
    return False
