"""OpenAI's Batch API (files and batches), as OpenAI, Azure, Groq, Together and Mistral speak it.

A batch is a JSONL file of requests (``custom_id``, ``method``, ``url``,
``body``) uploaded with ``purpose=batch``, a batch created over it, and —
within the completion window — an output file and an error file whose lines
carry the ``custom_id`` back, in any order. vLLM's ``run-batch`` reads and
writes the same files. Each remote call is retried like a chat request
(429, 5xx, connection errors; the server's Retry-After wins) and fails with a
message naming the setting to fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..send.protocols import get as protocol

COMPLETION_WINDOW = "24h"
MAX_LINE = 64 * 1024 * 1024  # bytes of one result line
CALL_TIMEOUT = 120.0  # seconds, wall clock, for one attempt of a call that moves no file
ENDED = ("completed", "failed", "expired", "cancelled")
STATES = ("validating", "in_progress", "finalizing", "completed", "failed", "expired", "cancelling", "cancelled")


class Remote:
    """The files and batches endpoints of one base URL, through the openai SDK."""

    def __init__(self, settings):
        import httpx2
        import openai

        self.s = settings
        timeout = httpx2.Timeout(settings.timeout, connect=min(10.0, settings.timeout))
        self.client = openai.OpenAI(api_key=settings.api_key or "not-needed", base_url=settings.api_base,
                                    max_retries=0, timeout=timeout, default_query=settings.query or None,
                                    http_client=httpx2.Client(follow_redirects=False, timeout=timeout))

    def close(self) -> None:
        self.client.close()

    def _within(self, fn, *args, _deadline: float | None = None, **kwargs):
        """``fn`` under a wall-clock deadline, however slowly the server's bytes come: ``--timeout`` for
        transfers, at most ``CALL_TIMEOUT`` for the small calls (status, create, list, cancel)."""
        from ..send.faults import AttemptTimeout
        from ..util.deadline import within

        return within(fn, _deadline or min(self.s.timeout, CALL_TIMEOUT), AttemptTimeout, *args,
                      name="retest-batch-call", **kwargs)

    def _call(self, fn, *args, _deadline: float | None = None, **kwargs):
        from tenacity import (
            Retrying,
            retry_if_exception,
            stop_after_attempt,
            wait_random_exponential,
        )

        from ..errors import RetestError
        from ..send.endpoint import ConfigError
        from ..send.faults import (
            MAX_RETRY_WAIT,
            AttemptTimeout,
            describe,
            fatal,
            retry_after,
            retryable,
            transport_errors,
        )

        backoff = wait_random_exponential(multiplier=self.s.wait_multiplier, max=30)
        cut = transport_errors()

        def again(exc: BaseException) -> bool:
            return retryable(exc) or isinstance(exc, cut)

        def wait(state) -> float:
            hinted = retry_after(state.outcome.exception())
            return min(hinted, MAX_RETRY_WAIT) if hinted is not None else backoff(state)

        try:
            for attempt in Retrying(stop=stop_after_attempt(self.s.max_attempts), wait=wait, reraise=True,
                                    retry=retry_if_exception(again)):
                with attempt:
                    return self._within(fn, *args, _deadline=_deadline, **kwargs)
        except Exception as exc:  # noqa: BLE001 — said in one line, naming the setting
            import openai

            tries = self.s.max_attempts if again(exc) else 1
            if isinstance(exc, cut):
                raise RetestError(f"the connection to {self.s.endpoint} broke after {tries} attempts "
                                  f"({type(exc).__name__}: {exc})") from None
            if not isinstance(exc, openai.OpenAIError | AttemptTimeout):
                raise
            message = describe(exc, self.s, tries)
            error = (ConfigError if fatal(exc) else RetestError)(message)
            error.refused = not retryable(exc)  # the provider said no: asking again gets the same answer
            raise error from None

    # -- the calls ------------------------------------------------------------------
    def upload(self, path: Path) -> str:
        def send() -> str:
            with open(path, "rb") as fh:
                return self.client.files.create(file=(path.name, fh), purpose="batch").id

        return self._call(send, _deadline=self.s.timeout)

    def create(self, file_id: str, url: str, intent: str) -> dict:
        """Create the batch once: an attempt whose answer was lost may have created it, so look before retrying."""
        tried = False

        def create_once() -> dict:
            nonlocal tried
            if tried:
                found = self.find_by_intent({intent})
                if intent in found:
                    return found[intent]
            tried = True
            return describe_batch(self.client.batches.create(
                input_file_id=file_id, endpoint=url, completion_window=COMPLETION_WINDOW,
                metadata={"retest_intent": intent}))

        return self._call(create_once)

    def retrieve(self, remote_id: str) -> dict:
        return describe_batch(self._call(self.client.batches.retrieve, remote_id))

    def cancel(self, remote_id: str) -> dict:
        return describe_batch(self._call(self.client.batches.cancel, remote_id))

    def find_by_intent(self, intents: set[str]) -> dict[str, dict]:
        """Batches created for these intents (a run killed before it recorded them): ``{intent: batch}``."""
        found: dict[str, dict] = {}
        after = None
        for _ in range(100):  # at most 10,000 batches back
            page = self._call(self.client.batches.list, limit=100, **({"after": after} if after else {}))
            items = list(page.data)
            for b in items:
                metadata = b.metadata if isinstance(b.metadata, dict) else {}
                intent = metadata.get("retest_intent")
                if isinstance(intent, str) and intent in intents:
                    found[intent] = describe_batch(b)
            if not getattr(page, "has_more", False) or not items or len(found) == len(intents):
                break
            after = items[-1].id
        return found

    def lines(self, file_id: str) -> Iterator[str]:
        """The lines of a result file: downloaded whole to a temporary file first (a cut download is
        tried again from the start, into a new file), then read line by line, so memory stays flat."""
        import tempfile

        def download():
            spool = tempfile.TemporaryFile()
            try:
                with self.client.files.with_streaming_response.content(file_id) as response:
                    for chunk in response.iter_bytes():
                        spool.write(chunk)
                return spool
            except BaseException:
                spool.close()
                raise

        try:
            return _spooled_lines(self._call(download, _deadline=self.s.timeout))
        except OSError as exc:  # the temporary file: a full disk, most likely
            from ..errors import RetestError

            raise RetestError(f"cannot keep the download of {file_id} in a temporary file ({exc.strerror or exc}); "
                              "free some space (or set TMPDIR) and collect again") from None


def _spooled_lines(spool) -> Iterator[str]:
    with spool:
        spool.seek(0)
        while True:
            raw = spool.readline(MAX_LINE + 1)
            if not raw:
                return
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                while (rest := spool.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                    pass  # the rest of an over-long line: the part read is reported as unreadable
            line = raw.decode("utf-8", "replace")
            if line.strip():
                yield line


def describe_batch(b) -> dict:
    """The fields retest keeps of a provider batch, each checked for its type (odd ones become None)."""
    from ..util.jsonsafe import short, storable_int

    counts = getattr(b, "request_counts", None)
    errors = getattr(b, "errors", None)
    data = getattr(errors, "data", None) if errors is not None else None
    return {
        "remote_id": _str(getattr(b, "id", None)) or "?",
        "remote_status": _str(getattr(b, "status", None)),
        "counts": {k: storable_int(getattr(counts, k, None)) or 0 for k in ("total", "completed", "failed")}
        if counts is not None else {},
        "output_file_id": _str(getattr(b, "output_file_id", None)),
        "error_file_id": _str(getattr(b, "error_file_id", None)),
        "expires_at": storable_int(getattr(b, "expires_at", None)),
        "errors": [short(getattr(e, "message", None) or e) for e in data] if isinstance(data, list) else [],
    }


def _str(value) -> str | None:
    return value[:200] if isinstance(value, str) and value else None


def request_rest(settings, text: str) -> str:
    """A request line without its ``custom_id``: made once per prompt, whatever the ID."""
    proto = protocol(settings.api)
    return json.dumps({"method": "POST", "url": proto.PATH, "body": proto.body(settings, text)},
                      ensure_ascii=False)[1:] + "\n"


def request_line(custom_id: str, rest: str) -> str:
    """One line of a batch request file (``rest`` from ``request_rest``)."""
    return '{"custom_id": ' + json.dumps(custom_id) + ", " + rest


def result(line: str) -> tuple[str | None, dict | None, str | None]:
    """A result line → ``(custom_id, response body or None, error or None)``.

    Total: any line either yields its ``custom_id`` (with the body, or the reason
    there is none) or raises ValueError — whatever its fields hold.
    """
    from ..util.jsonsafe import loads, short

    data = loads(line)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    custom_id = data.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        raise ValueError("no custom_id")
    error = data.get("error")
    response = data.get("response") if isinstance(data.get("response"), dict) else None
    if error:
        message = error.get("message") if isinstance(error, dict) else error
        code = error.get("code") if isinstance(error, dict) else None
        return custom_id, None, f"{short(code) + ': ' if code else ''}{short(message) if message else 'failed'}"
    if response is None:
        return custom_id, None, "the result has no response"
    status = response.get("status_code")
    body = response.get("body")
    if status != 200 or not isinstance(body, dict):
        err = body.get("error") if isinstance(body, dict) else None
        message = (err.get("message") if isinstance(err, dict) else err) or body
        return custom_id, None, f"the provider answered {short(status, 20)}: {short(message)}"
    return custom_id, body, None


_CUSTOM_ID = None


def custom_id_in(line: str) -> str | None:
    """The ``custom_id`` of a line that cannot be read as a whole, when it can be found at all."""
    import re

    global _CUSTOM_ID
    if _CUSTOM_ID is None:
        _CUSTOM_ID = re.compile(r'"custom_id"\s*:\s*"(rt-[0-9]{1,19}(?:-[0-9]{1,19})?-[0-9a-f]{12})"')
    m = _CUSTOM_ID.search(line[:100_000])
    return m.group(1) if m else None


def timeout_from_env() -> float | None:
    """RETEST_TIMEOUT: the wall-clock limit of one attempt of a call to the Batch API (default 600 s)."""
    import math
    import os

    from ..send.endpoint import ConfigError

    value = os.environ.get("RETEST_TIMEOUT")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not 1 <= seconds <= 86_400:
        raise ConfigError(f"RETEST_TIMEOUT={value!r}: give a number of seconds from 1 to 86400")
    return seconds
