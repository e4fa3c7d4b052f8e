"""Send prompts to an OpenAI-compatible endpoint, many at once, retrying politely.

The openai SDK does the HTTP (its own retries off); tenacity owns retrying
(what to retry is in ``faults``): exponential backoff with jitter that yields
to the server's ``retry-after-ms`` or ``Retry-After``. Streams are read line
by line so that a stream cut short is seen as such — the SDK's own iterator
ends quietly when ``[DONE]`` never comes.

Every attempt and every complete reply goes into the archive as it happens.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .archive import Archive, now
from .endpoint import ConfigError, Settings
from .faults import IncompleteReply, describe, fatal, retry_after, retryable, transport_errors

MAX_RETRY_WAIT = 120.0


@dataclass
class Job:
    """One prompt to send, and where it came from."""

    text: str
    label: str
    template: str | None = None
    template_sha256: str | None = None
    source: str | None = None
    source_sha256: str | None = None
    tokens: int | None = None
    encoding: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @classmethod
    def from_prompt(cls, p) -> Job:
        source = p.source if isinstance(p.source, str) or p.source is None else ", ".join(p.source)
        return cls(text=p.prompt, label=source or p.template, template=p.template,
                   template_sha256=p.template_sha256, source=source, source_sha256=p.source_sha256,
                   tokens=p.tokens, encoding=p.encoding)


@dataclass
class Outcome:
    job: Job
    status: str  # ok | failed | skipped | busy | cancelled
    reply_id: int | None = None
    reply: str | None = None
    error: str | None = None
    attempts: int = 0
    usage: dict = field(default_factory=dict)


class Events:
    """What a run reports as it goes; the CLI draws its progress from these."""

    def started(self, job: Job) -> None: ...
    def delta(self, job: Job, text: str) -> None: ...
    def retrying(self, job: Job, attempt: int, error: str, wait: float) -> None: ...
    def finished(self, outcome: Outcome) -> None: ...


# -- one request ----------------------------------------------------------------

def client_for(s: Settings):
    import httpx2
    import openai

    return openai.AsyncOpenAI(
        api_key=s.api_key or "not-needed",
        base_url=s.base_url,
        max_retries=0,
        timeout=httpx2.Timeout(s.timeout, connect=min(10.0, s.timeout)),
    )


def _request_args(s: Settings, text: str) -> dict:
    messages = ([{"role": "system", "content": s.system}] if s.system else []) + [{"role": "user", "content": text}]
    args: dict = {"model": s.model, "messages": messages}
    if s.temperature is not None:
        args["temperature"] = s.temperature
    if s.max_output_tokens is not None:
        # OpenAI's newer models take only max_completion_tokens; other servers know max_tokens.
        key = "max_completion_tokens" if s.endpoint == "api.openai.com" else "max_tokens"
        args[key] = s.max_output_tokens
    return args


async def request(client, s: Settings, text: str, on_delta: Callable[[str], None] | None = None):
    """One attempt: ``(reply, finish_reason, usage)`` or an exception."""
    args = _request_args(s, text)
    if not s.stream:
        completion = await client.chat.completions.create(**args)
        if not completion.choices or completion.choices[0].finish_reason is None:
            raise IncompleteReply("the response has no finish reason")
        choice = completion.choices[0]
        usage = completion.usage.model_dump() if completion.usage else None
        return choice.message.content or "", choice.finish_reason, usage

    parts: list[str] = []
    finish = usage = None
    done = False
    transport = transport_errors()
    async with client.chat.completions.with_streaming_response.create(
        **args, stream=True, stream_options={"include_usage": True}
    ) as response:
        try:
            async for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    done = True
                    break
                chunk = json.loads(data)
                if isinstance(chunk, dict) and chunk.get("error"):
                    raise IncompleteReply(f"the stream reported an error: {chunk['error']}")
                for choice in chunk.get("choices") or []:
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        parts.append(content)
                        if on_delta:
                            on_delta(content)
                    finish = choice.get("finish_reason") or finish
                usage = chunk.get("usage") or usage
        except transport as exc:
            raise IncompleteReply(f"the stream broke ({type(exc).__name__})") from exc
        except json.JSONDecodeError as exc:
            raise IncompleteReply("the stream sent a malformed event") from exc
    if not done:
        raise IncompleteReply("the stream ended without [DONE]")
    if finish is None:
        raise IncompleteReply("the stream ended without a finish reason")
    return "".join(parts), finish, usage


# -- a run ----------------------------------------------------------------------

class _Wait:
    """Backoff with jitter, unless the server said how long to wait."""

    def __init__(self, multiplier: float):
        from tenacity import wait_random_exponential

        self.backoff = wait_random_exponential(multiplier=multiplier, max=30)

    def __call__(self, state) -> float:
        hinted = retry_after(state.outcome.exception())
        return min(hinted, MAX_RETRY_WAIT) if hinted is not None else self.backoff(state)


async def _send_job(client, s: Settings, archive: Archive, job: Job, force: bool, events: Events) -> Outcome:
    from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

    prompt_id = archive.add_prompt(
        job.text, job.sha256, template=job.template, template_sha256=job.template_sha256,
        source=job.source, source_sha256=job.source_sha256, tokens=job.tokens, encoding=job.encoding,
    )
    reply_id, state = archive.claim(prompt_id, model=s.model, endpoint=s.endpoint, params=s.params,
                                    params_sha256=s.params_sha256, force=force)
    if reply_id is None:
        outcome = Outcome(job, "skipped" if state == "done" else "busy")
        if state == "done":
            outcome.reply_id, outcome.reply = archive.latest_reply(prompt_id, s.params_sha256)
        events.finished(outcome)
        return outcome
    events.started(job)
    wait = _Wait(s.wait_multiplier)
    attempt_no = 0

    def before_sleep(state) -> None:
        exc = state.outcome.exception()
        events.retrying(job, state.attempt_number, describe(exc, s), state.upcoming_sleep)

    try:
        async for attempt in AsyncRetrying(stop=stop_after_attempt(s.max_attempts), wait=wait,
                                           retry=retry_if_exception(retryable), reraise=True,
                                           before_sleep=before_sleep):
            with attempt:
                attempt_no = attempt.retry_state.attempt_number
                t0, at = time.monotonic(), now()
                try:
                    reply, finish, usage = await request(client, s, job.text, lambda d: events.delta(job, d))
                except Exception as exc:
                    code = getattr(exc, "status_code", None)
                    will_retry = retryable(exc) and attempt_no < s.max_attempts
                    archive.attempt(reply_id, attempt_no, started_at=at, latency_ms=_ms(t0),
                                    outcome="retry" if will_retry else "failed", status_code=code,
                                    error=describe(exc, s))
                    raise
                archive.attempt(reply_id, attempt_no, started_at=at, latency_ms=_ms(t0), outcome="ok")
                archive.complete(reply_id, reply=reply, finish_reason=finish, usage=usage, latency_ms=_ms(t0))
    except asyncio.CancelledError:
        archive.release(reply_id)
        raise
    except Exception as exc:
        message = describe(exc, s, attempt_no)
        archive.fail(reply_id, message)
        if fatal(exc):
            raise ConfigError(message) from None
        outcome = Outcome(job, "failed", reply_id, error=message, attempts=attempt_no)
        events.finished(outcome)
        return outcome
    outcome = Outcome(job, "ok", reply_id, reply=reply, attempts=attempt_no, usage=usage or {})
    events.finished(outcome)
    return outcome


def _ms(t0: float) -> int:
    return int((time.monotonic() - t0) * 1000)


async def reachable(s: Settings, timeout: float = 10.0) -> None:
    """Fail fast, naming the setting, when nothing listens at the endpoint.

    Skipped behind an HTTP proxy, where only the proxy knows.
    """
    if s.proxied:
        return
    parts = urlsplit(s.base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, port), timeout)
    except (OSError, asyncio.TimeoutError) as exc:
        reason = "timed out" if isinstance(exc, asyncio.TimeoutError) else (exc.strerror or str(exc))
        raise ConfigError(f"cannot reach {s.display_url}: {reason} (check --base-url or OPENAI_BASE_URL)") from None
    writer.close()


async def run(jobs: Iterable[Job], s: Settings, archive: Archive, *, force: bool = False,
              events: Events | None = None) -> list[Outcome]:
    """Send every job with at most ``s.concurrency`` in flight; archive as they finish.

    ``jobs`` is consumed lazily, so prompts can be built while earlier ones
    are in flight, and a batch of any size never sits in memory.
    """
    s.check()
    await reachable(s)
    events = events or Events()
    pending = iter(jobs)
    outcomes: list[Outcome] = []
    client = client_for(s)

    async def worker() -> None:
        for job in pending:  # workers share one iterator: each job is taken once
            outcomes.append(await _send_job(client, s, archive, job, force, events))

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(60)
            archive.heartbeat()

    beat = asyncio.create_task(heartbeat())
    workers = [asyncio.create_task(worker()) for _ in range(max(1, s.concurrency))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    finally:
        beat.cancel()
        await client.close()
    return outcomes
