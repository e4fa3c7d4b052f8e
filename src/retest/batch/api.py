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
ENDED = ("completed", "failed", "expired", "cancelled")
STATES = ("validating", "in_progress", "finalizing", "completed", "failed", "expired", "cancelling", "cancelled")


class Remote:
    """The files and batches endpoints of one base URL, through the openai SDK."""

    def __init__(self, settings):
        import httpx2
        import openai

        self.s = settings
        timeout = httpx2.Timeout(settings.timeout, connect=min(10.0, settings.timeout))
        self.client = openai.OpenAI(api_key=settings.api_key or "not-needed", base_url=settings.base_url,
                                    max_retries=0, timeout=timeout,
                                    http_client=httpx2.Client(follow_redirects=False, timeout=timeout))

    def close(self) -> None:
        self.client.close()

    def _call(self, fn, *args, **kwargs):
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
            describe,
            fatal,
            retry_after,
            retryable,
        )

        backoff = wait_random_exponential(multiplier=self.s.wait_multiplier, max=30)

        def wait(state) -> float:
            hinted = retry_after(state.outcome.exception())
            return min(hinted, MAX_RETRY_WAIT) if hinted is not None else backoff(state)

        try:
            for attempt in Retrying(stop=stop_after_attempt(self.s.max_attempts), wait=wait, reraise=True,
                                    retry=retry_if_exception(retryable)):
                with attempt:
                    return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 — said in one line, naming the setting
            import openai

            if not isinstance(exc, openai.OpenAIError):
                raise
            message = describe(exc, self.s, self.s.max_attempts if retryable(exc) else 1)
            error = (ConfigError if fatal(exc) else RetestError)(message)
            error.refused = not retryable(exc)  # the provider said no: asking again gets the same answer
            raise error from None

    # -- the calls ------------------------------------------------------------------
    def upload(self, path: Path) -> str:
        def send() -> str:
            with open(path, "rb") as fh:
                return self.client.files.create(file=(path.name, fh), purpose="batch").id

        return self._call(send)

    def create(self, file_id: str, url: str, intent: str) -> dict:
        batch = self._call(self.client.batches.create, input_file_id=file_id, endpoint=url,
                           completion_window=COMPLETION_WINDOW, metadata={"retest_intent": intent})
        return describe_batch(batch)

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
                intent = (b.metadata or {}).get("retest_intent")
                if intent in intents:
                    found[intent] = describe_batch(b)
            if not getattr(page, "has_more", False) or not items or len(found) == len(intents):
                break
            after = items[-1].id
        return found

    def lines(self, file_id: str) -> Iterator[str]:
        """The lines of a result file, streamed (never held whole in memory)."""
        from ..errors import RetestError

        def open_stream():
            return self.client.files.with_streaming_response.content(file_id)

        manager = self._call(open_stream)
        try:
            with manager as response:
                for line in response.iter_lines():
                    if line.strip():
                        yield line
        except RetestError:
            raise
        except Exception as exc:  # noqa: BLE001
            import openai

            if isinstance(exc, openai.OpenAIError):
                from ..send.faults import describe

                raise RetestError(f"cannot download {file_id}: {describe(exc, self.s)}") from None
            raise


def describe_batch(b) -> dict:
    counts = getattr(b, "request_counts", None)
    return {
        "remote_id": b.id,
        "remote_status": b.status,
        "counts": {"total": counts.total, "completed": counts.completed, "failed": counts.failed} if counts else {},
        "output_file_id": b.output_file_id,
        "error_file_id": b.error_file_id,
        "expires_at": b.expires_at,
        "errors": [e.message for e in (b.errors.data or [])] if getattr(b, "errors", None) and b.errors.data else [],
    }


def request_rest(settings, text: str) -> str:
    """A request line without its ``custom_id``: made once per prompt, whatever the ID."""
    proto = protocol(settings.api)
    return json.dumps({"method": "POST", "url": proto.PATH, "body": proto.body(settings, text)},
                      ensure_ascii=False)[1:] + "\n"


def request_line(custom_id: str, rest: str) -> str:
    """One line of a batch request file (``rest`` from ``request_rest``)."""
    return '{"custom_id": ' + json.dumps(custom_id) + ", " + rest


def result(line: str) -> tuple[str | None, dict | None, str | None]:
    """A result line → ``(custom_id, response body or None, error or None)``; unreadable lines raise ValueError."""
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    custom_id = data.get("custom_id")
    if not isinstance(custom_id, str):
        raise ValueError("no custom_id")
    error = data.get("error")
    response = data.get("response") if isinstance(data.get("response"), dict) else None
    if error:
        message = error.get("message") if isinstance(error, dict) else str(error)
        code = error.get("code") if isinstance(error, dict) else None
        return custom_id, None, f"{code + ': ' if code else ''}{message or 'failed'}"
    if response is None:
        return custom_id, None, "the result has no response"
    status = response.get("status_code")
    body = response.get("body")
    if status != 200 or not isinstance(body, dict):
        err = body.get("error") if isinstance(body, dict) else None
        message = (err.get("message") if isinstance(err, dict) else None) or str(body)[:300]
        return custom_id, None, f"the provider answered {status}: {message}"
    return custom_id, body, None
