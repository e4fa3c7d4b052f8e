"""Deep research and other long replies: the Responses API in background mode, polled by id.

The create call answers at once with an id; the reply comes minutes later. A
client-side timeout does not stop a provider from working, so nothing here is
ever sent twice blindly: each step is recorded first (``archive.background``)
— the intent, whose key the create call carries as ``metadata``, then
``creating`` while the call is in flight, then the response id. A create
whose outcome is unknown (a timeout, a connection lost after sending, a
502/504 from a gateway, a run killed mid-call) is looked for by its key where
the provider lists responses, and is otherwise recorded as an unknown
outcome, sent again only when asked (``resend_unknown``).

Then each response is polled, backing off from ``poll`` seconds to a minute,
each poll under its own deadline; a response that ends becomes a reply through
the same parsing and archive path as ``send`` (``protocols.responses.parse``,
``Run._store``). An interrupted run leaves the responses running: the next run
(or ``Resume`` jobs, for ``retest background collect``) polls the recorded ids.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
import time
from dataclasses import dataclass, replace

from ..archive import now
from . import background_api as api
from .endpoint import ConfigError
from .faults import MAX_RETRY_WAIT, fatal, retry_after, retryable
from .job import Events, Job, Outcome
from .protocols import IncompleteReply, ReplyFailed, check_text
from .protocols import responses as protocol
from .background_cancel import Cancelling
from .run import Run

POLL_MAX = 60.0  # the longest pause between two polls of one response
CREATE_GRACE = 30.0  # how long an interrupted run waits for creates in flight, so that their ids are kept


class BackgroundEvents(Events):
    """``Events``, and each response's status as it moves (``creating``, ``queued``, ``in_progress``)."""

    def status(self, job: Job, status: str) -> None: ...
    def draining(self, creates: int, grace: float) -> None: ...


@dataclass
class _Created:
    """What one create call left: the provider's answer (its id already recorded), or the error."""

    answer: dict | None = None
    error: BaseException | None = None
    sent: bool = True  # False: the record was cancelled before the call, nothing was sent


@dataclass
class Resume(Job):
    """A recorded background response to follow (``retest background collect``), not a prompt to build."""

    reply_id: int = 0
    cancel: bool = False  # ask the provider to cancel it first (``retest background cancel``)
    note: str | None = None  # what went wrong cancelling it


class BackgroundRun(Cancelling, Run):
    """``Run`` with each prompt created in background mode and polled, instead of streamed.

    A create call runs as a task of its own that records the provider's id the moment it arrives; a signal
    (SIGTERM, Ctrl-C, SIGHUP, however many) stops the run, and the run waits for the create calls in flight,
    up to ``CREATE_GRACE``, so that every response the provider made is recorded by its id.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

    graceful_ctrl_c = False  # Ctrl-C already waits for the creates in flight (``_let_finish``); polls cost nothing

    def __init__(self, models, archive, *, poll: float = 5.0, wait: bool = True, retry_failed: bool = False,
                 resend_unknown: bool = False, **kwargs):
        super().__init__(models, archive, **kwargs)
        self.poll, self.wait = poll, wait
        self.retry_failed, self.resend_unknown = retry_failed, resend_unknown
        self.slots: asyncio.Semaphore | None = None
        self.creates: set[asyncio.Task] = set()  # create calls in flight

    # -- what to do with each prompt ---------------------------------------------------------
    async def _process(self, job: Job) -> None:
        if isinstance(job, Resume):
            await self._resume(job)
        else:
            await super()._process(job)

    def _plan(self, job: Job, sha256: str | None = None, params_sha256: str | None = None):
        return self.writer.call(self.archive.background_plan, sha256 or job.sha256,
                                params_sha256 or job.settings.params_sha256, force=self.force,
                                retry_failed=self.retry_failed, resend_unknown=self.resend_unknown)

    async def _claim_and_send(self, job: Job) -> None:
        action, reply_id, record = await self._plan(job)
        if action == "claim":
            await super()._claim_and_send(job)  # claims a reply, then ``_send`` below (or ``_skip``)
        else:
            await self._act(job, action, reply_id, record)

    async def _skip(self, job: Job, state: str, prompt_id: int) -> None:
        if state == "background":  # held by a background response another run recorded: follow it
            action, reply_id, record = await self._plan(job)
            if action != "claim":
                await self._act(job, action, reply_id, record)
                return
            state = "busy"
        await super()._skip(job, state, prompt_id)

    async def _resume(self, job: Resume) -> None:
        record = await self.writer.call(self.archive.background_record, job.reply_id)
        if record is None or record["reply_status"] != "pending":
            self._finish(Outcome(job, "skipped", job.reply_id))
            return
        params = json.loads(record["params"] or "{}")
        job.settings = replace(job.settings, model=record["model"], api="responses",
                               max_output_tokens=params.get("max_output_tokens"))
        if job.cancel:
            record = await self._cancel(job, record)
            if record is None:
                return
        action, reply_id, record = await self._plan(job, record["prompt_sha256"], record["params_sha256"])
        if action == "claim":  # nothing left to follow
            self._finish(Outcome(job, "skipped", job.reply_id))
        elif action == "create":  # recorded, never sent: collecting sends nothing new
            self._finish(Outcome(job, "unsent", reply_id, error="never sent; `retest send --background` with the "
                                 "same documents sends it"))
        else:
            await self._act(job, action, reply_id, record)

    async def _act(self, job: Job, action: str, reply_id: int | None, record: dict | None) -> None:
        if action == "poll":
            if record.get("cancel_requested"):  # asked for while its create was in flight: send it now
                await self._cancel_remote(job, reply_id, record["response_id"])
            self._follow(job, reply_id, record["response_id"], record["status"], resumed=True)
        elif action == "create":
            await self._create(job, reply_id, record)
        elif action == "lost":
            await self._lost(job, reply_id, record, "an earlier run stopped while its create call was in flight")
        elif action == "unknown":
            self._finish(Outcome(job, "unknown", reply_id, error=_unknown_note(record["reason"])))
        elif action == "held":
            self._finish(Outcome(job, "held", reply_id, error=f"its background response {record['response_id']} "
                                 f"ended {record['status']}: {record['reason'] or 'no reason given'}"))
        else:  # busy: another run is creating it
            self._finish(Outcome(job, "busy", reply_id))

    async def _send(self, job: Job, reply_id: int) -> None:
        """A claimed reply: record the intent, then create its response."""
        try:
            record = await self.writer.call(self.archive.background_intent, reply_id, job.settings.endpoint)
        except asyncio.CancelledError:
            await asyncio.shield(self.writer.call(self.archive.release, reply_id))
            raise
        await self._create(job, reply_id, record)

    # -- creating ---------------------------------------------------------------------------
    async def _create(self, job: Job, reply_id: int, record: dict) -> None:
        s = job.settings
        body = api.body(s, job.text, record["intent"])
        self.events.started(job)
        self.events.status(job, "creating")
        attempt = counted = 0
        while True:
            attempt += 1
            call = asyncio.ensure_future(self._create_call(s, body, reply_id))
            self.creates.add(call)
            call.add_done_callback(self.creates.discard)
            done = await asyncio.shield(call)  # interrupted here, the run still waits for it (``_drain``)
            if not done.sent:
                reason = "cancelled before it was sent"
                self._finish(Outcome(job, "failed", reply_id, error=reason))
                return
            error = done.error
            if error is None:
                await self._created(job, reply_id, done.answer, recorded=True)
                return
            message = api.say(error, s)
            if not api.refused(error):  # it may have reached the provider: never send it again blindly
                await self._lost(job, reply_id, record, message)
                return
            counted += 1
            again = retryable(error) and not fatal(error) and counted < s.max_attempts
            await self.writer.call(self.archive.attempt, reply_id, attempt, started_at=now(), latency_ms=None,
                                   outcome="retry" if again else "failed",
                                   status_code=getattr(error, "status_code", None), error=message)
            if not again:
                final = api.say(error, s) if attempt == 1 else f"{message} (after {attempt} attempts)"
                await self.writer.call(self.archive.background_end, reply_id, None, final, error=final)
                if fatal(error):
                    raise ConfigError(final)
                self._finish(Outcome(job, "failed", reply_id, error=final, attempts=attempt))
                return
            wait = retry_after(error)
            wait = self.backoff(_Attempt(counted)) if wait is None else min(wait, MAX_RETRY_WAIT)
            self.events.retrying(job, attempt, message, wait)
            await asyncio.sleep(wait)

    async def _create_call(self, s, body: dict, reply_id: int) -> _Created:
        """One create, as one unit no signal splits: marked ``creating`` (unless cancelled meanwhile), sent, and
        the id the provider returned committed at once — or, refused, the record made sendable again."""
        if not await self.writer.call(self.archive.background_creating, reply_id):
            return _Created(sent=False)
        try:
            answer = await self._call(s, "post", "/responses", body, limit=api.CREATE_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 — classified by the caller
            if api.refused(exc):  # nothing was made
                await self.writer.call(self.archive.background_refused, reply_id, api.say(exc, s))
            return _Created(error=exc)
        if api.valid_id(answer.get("id")):
            if await self.writer.call(self.archive.background_submitted, reply_id, answer["id"],
                                      api.status_of(answer)):
                answer = await self._cancel_remote(None, reply_id, answer["id"]) or answer
        return _Created(answer=answer)

    async def _drain(self) -> None:
        """Stopping: wait for the create calls in flight (up to ``CREATE_GRACE``, whatever signals come), so
        that each id the provider returned is recorded; one still unanswered is left ``creating``, and the
        next run looks for it by its key."""
        if not self.creates:
            return
        if hasattr(self.events, "draining"):
            self.events.draining(len(self.creates), CREATE_GRACE)
        deadline = time.monotonic() + CREATE_GRACE
        while self.creates and time.monotonic() < deadline:
            try:
                await asyncio.wait(set(self.creates), timeout=deadline - time.monotonic())
            except asyncio.CancelledError:  # another signal: the wait holds
                continue
        for call in list(self.creates):
            call.cancel()

    async def _created(self, job: Job, reply_id: int, answer: dict, recorded: bool = False) -> None:
        if not api.valid_id(answer.get("id")):
            reason = "the create call was answered without a usable response id"
            await self.writer.call(self.archive.background_unknown, reply_id, reason)
            self._finish(Outcome(job, "unknown", reply_id, error=_unknown_note(reason)))
            return
        status = api.status_of(answer)
        if not recorded and await self.writer.call(self.archive.background_submitted, reply_id, answer["id"],
                                                   status):
            answer = await self._cancel_remote(job, reply_id, answer["id"]) or answer
            status = api.status_of(answer)
        if status in api.ENDED:  # a provider that answered at once
            await self._ended(job, reply_id, answer)
        else:
            self._follow(job, reply_id, answer["id"], status)

    async def _lost(self, job: Job, reply_id: int, record: dict, why: str) -> None:
        """A create whose outcome is unknown: look for the response by its key; never create it again here."""
        self.events.status(job, "creating")
        found, how = await api.look_up(self.clients.of(job.settings), job.settings, record["intent"])
        if found is not None:
            await self._created(job, reply_id, found)
            return
        reason = f"{why}; {how}"
        await self.writer.call(self.archive.background_unknown, reply_id, reason)
        self._finish(Outcome(job, "unknown", reply_id, error=_unknown_note(reason)))

    # -- polling ------------------------------------------------------------------------------
    def _follow(self, job: Job, reply_id: int, response_id: str, status: str | None, resumed: bool = False) -> None:
        self.events.status(job, status if status in api.RUNNING else "queued")
        if self.wait or resumed:
            self.busy_tasks.append(asyncio.ensure_future(self._poll(job, reply_id, response_id, once=not self.wait)))
        else:
            self._finish(Outcome(job, "submitted", reply_id, note=response_id))

    async def _poll(self, job: Job, reply_id: int, response_id: str, once: bool = False) -> None:
        import openai

        s = job.settings
        self.slots = self.slots or asyncio.Semaphore(s.concurrency)
        delay, failures, first = self.poll, 0, True
        while True:
            if not (once and first):
                await asyncio.sleep(delay)
                delay = min(delay * 1.5, POLL_MAX)
            first = False
            async with self.slots:
                try:
                    data, error = await self._call(s, "get", api.path_of(response_id)), None
                except Exception as exc:  # noqa: BLE001 — classified below
                    data, error = None, exc
            if isinstance(error, openai.NotFoundError):
                reason = (f"the provider has no response {response_id} (expired, deleted, or made with another "
                          "key or project)")
                await self.writer.call(self.archive.background_end, reply_id, "gone", reason, error=reason)
                self._finish(Outcome(job, "failed", reply_id, error=reason))
                return
            if error is not None:
                if fatal(error):
                    raise ConfigError(api.say(error, s))
                failures += 1
                message = api.say(error, s)
                await self.writer.call(self.archive.background_polled, reply_id, None, f"polling failed: {message}")
                if once or failures >= s.max_attempts:
                    self._finish(Outcome(job, "running", reply_id, error=f"{response_id}: polling failed {failures} "
                                         f"time(s) in a row ({message}); it keeps running"))
                    return
                continue
            status = api.status_of(data)
            if status is None:  # no readable status: a failed poll, not a state to wait in for ever
                failures += 1
                await self.writer.call(self.archive.background_polled, reply_id, None, "polling failed: the "
                                       "answer had no status")
                if once or failures >= s.max_attempts:
                    self._finish(Outcome(job, "running", reply_id, error=f"{response_id}: {failures} answer(s) in "
                                         "a row had no status; it may keep running"))
                    return
                continue
            failures = 0
            if status not in api.RUNNING:  # ended, or a status the API does not define (``expired``): over
                await self._ended(job, reply_id, data)
                return
            await self.writer.call(self.archive.background_polled, reply_id, status)
            self.events.status(job, status if status in api.RUNNING else "in_progress")
            if once:
                self._finish(Outcome(job, "running", reply_id, note=response_id, error=getattr(job, "note", None)))
                return

    async def _ended(self, job: Job, reply_id: int, data: dict) -> None:
        """A response that has ended: its reply archived, or its reason recorded (and the prompt re-sendable)."""
        s, status = job.settings, api.status_of(data)
        if not await self.writer.call(self.archive.background_pending, reply_id):
            record = await self.writer.call(self.archive.background_record, reply_id)
            paid = status in ("completed", "incomplete") and record["reply_status"] == "failed"
            if not (paid and _has_text(data) and await self.writer.call(self.archive.background_reopen, reply_id)):
                await self.writer.call(self.archive.background_end, reply_id, status, None)
                self._finish(Outcome(job, "skipped", reply_id, note="archived by another run"))
                return
        record = await self.writer.call(self.archive.background_record, reply_id)
        at = record["submitted_at"] or record["created_at"]
        latency = _since(at)
        details = data.get("incomplete_details") if isinstance(data.get("incomplete_details"), dict) else {}
        error: str | None = None
        if status == "cancelled":
            error = f"the response {record['response_id']} was cancelled"
        elif status not in api.ENDED:
            error = (f"the response {record['response_id']} is {status!r}, a status the Responses API does not "
                     "define; it was not polled further")
        else:
            try:
                received = check_text(protocol.parse(data), s.max_output_tokens)
            except (IncompleteReply, ReplyFailed) as exc:
                error = str(exc)
                if status == "incomplete":
                    error = f"the response ended incomplete ({details.get('reason') or 'no reason given'}): {error}"
        if error is not None:
            def record_failure() -> None:
                self.archive.attempt(reply_id, 1, started_at=at, latency_ms=latency, outcome="failed", error=error)
                self.archive.background_end(reply_id, status, error, error=error)

            await self.writer.call(record_failure)
            if status in ("completed", "incomplete"):  # it ran, and was billed for what its usage says
                await self.spend.billed_without_reply(self.writer, self.archive, reply_id, 1, job,
                                                      protocol.normalise(data.get("usage")))
            self._finish(Outcome(job, "failed", reply_id, error=error, attempts=1))
            return
        await self._store(job, reply_id, received, 1, at, latency)  # committed: the reply is safe from here on
        await self.writer.call(self.archive.background_end, reply_id, status, details.get("reason"))

    async def _call(self, s, method: str, path: str, payload: dict | None = None, **kwargs) -> dict:
        return await api.call(self.clients.of(s), s, method, path, payload, **kwargs)


def _has_text(data: dict) -> bool:
    try:
        return bool(protocol.parse(data).text)
    except Exception:  # noqa: BLE001 — no text to keep
        return False


class _Attempt:
    def __init__(self, n: int):
        self.attempt_number = n


def _since(stamp: str | None) -> int | None:
    try:
        started = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    return max(0, int((dt.datetime.now(dt.timezone.utc) - started).total_seconds() * 1000))


def _unknown_note(reason: str | None) -> str:
    return (f"the outcome of its create call is unknown ({reason or 'no detail'}); it was not sent again. If the "
            "provider shows no such response, send it again with `retest send --background --resend-unknown`")
