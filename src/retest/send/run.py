"""Send prompts to an OpenAI-compatible endpoint, many at once, retrying politely.

The orchestrator. Work is split so that the event loop only ever waits on
the network:

- prompts are built ahead of the senders (in a child process, see
  ``prompter``) and handed over by a thread through a bounded queue, so
  memory stays flat for any number of prompts;
- each request goes through the wire protocol chosen by ``--api``
  (``protocols.chat`` or ``protocols.responses``), under a wall-clock
  deadline per attempt, on the SDK client of ``client``;
- ``concurrency.Limiter`` decides how many are in flight, one per model
  (``-j`` is its ceiling); overload lowers it, successes raise it again;
- every write goes through ``archive.writer`` on its own thread; a reply
  counts as received once it is committed, before anything else can fail.

Retries use tenacity's exponential backoff with jitter unless the server
said how long to wait. Only an attempt we cut ourselves (withdrawn, or cut
by our own next request) is free; what the server refused counts.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from types import SimpleNamespace

from ..archive import Archive, now, valid_text
from ..archive.writer import Writer
from ..errors import RetestError
from .client import Clients, reachable, request
from .concurrency import Flight, Limiters
from .endpoint import ConfigError, Settings
from .faults import (
    MAX_RETRY_WAIT,
    Withdrawn,
    describe,
    fatal,
    one_at_a_time,
    overload,
    retry_after,
    retryable,
    shape_refused,
)
from .feed import Failure, feed
from .interrupt import STOPPED, Interrupted, Stop, hard_stop, keep_cut
from .job import Events, Job, Outcome, Stopping, Summary, Terminated
from .protocols import IncompleteReply
from .protocols.usage import estimate
from .spend import Spend

EXTRA_ATTEMPTS = 40  # overload retries not counted against a prompt, at most this many more
BUSY_POLL = 1.0


# -- a run ----------------------------------------------------------------------

class Run:
    graceful_ctrl_c = True  # a first Ctrl-C lets the requests in flight finish (see ``interrupt``)
    SIGNALS = (signal.SIGTERM,)  # what stops a run in order (a graceful Ctrl-C apart: see ``interrupt``)

    def __init__(self, models: list[Settings], archive: Archive, *, force: bool = False,
                 events: Events | None = None, keep_single: bool = False,
                 after_reply: Callable | None = None, spend=None):
        self.models = models
        self.archive = archive
        self.force = force
        self.events = events or Events()
        self.keep_single = keep_single
        self.after_reply = after_reply
        self.spend = spend or Spend.for_settings(models)  # what each reply costs; --max-cost
        self.summary = Summary()
        self.inflight: dict[tuple[str, str], asyncio.Future] = {}
        self.busy_tasks: list[asyncio.Task] = []
        self.said_level = False
        self.refused: dict[tuple[str, str, str], str] = {}  # a model's server refused the request's form: why
        from tenacity import wait_random_exponential

        self.backoff = wait_random_exponential(multiplier=models[0].wait_multiplier, max=30)

    async def run(self, prompts: Iterable) -> Summary:
        """Send every prompt (built lazily from ``prompts``) to every model."""
        s = self.models[0]
        for m in self.models:
            m.check()
        for where in {m.base_url: m for m in self.models}.values():  # each endpoint once
            await reachable(where)
        loop = asyncio.get_running_loop()
        self.writer = Writer(self.archive, loop)
        self.limiter = Limiters(s.concurrency)  # one per model: see concurrency.Limiters
        self.clients = Clients()  # one per endpoint
        main = asyncio.current_task()
        stopping = Stopping(loop, main, self.SIGNALS)
        queue: asyncio.Queue = asyncio.Queue(maxsize=2 * s.concurrency + 8)
        stop = threading.Event()

        def on_first() -> None:  # Ctrl-C: nothing new starts; what is in flight is paid for, so it is awaited
            stop.set()
            self.events.stopping(self._in_flight())
            loop.create_task(queue.put(None))  # the senders waiting for a prompt stop

        def on_second() -> None:
            self.summary.cut_at_stop = self._in_flight()
            main.cancel()

        self.stop = Stop(on_first, on_second)
        if self.graceful_ctrl_c:
            self.stop.install(loop)
        builder = threading.Thread(target=feed, args=(self, prompts, queue, loop, stop), daemon=True,
                                   name="retest-prompt-builder")
        beat = None
        try:
            self.summary.run_id = await self.writer.call(
                self.archive.start_run, "send", endpoint=s.endpoint, models=[m.voice for m in self.models],
                ceiling=s.concurrency)
            beat = asyncio.create_task(self._heartbeat())
            builder.start()
            workers = [asyncio.create_task(self._worker(queue)) for _ in range(s.concurrency)]
            try:
                await asyncio.gather(*workers)
                while self.busy_tasks:
                    tasks, self.busy_tasks = self.busy_tasks, []
                    await asyncio.gather(*tasks)
            except BaseException:
                for t in workers + self.busy_tasks:
                    t.cancel()
                await asyncio.gather(*workers, *self.busy_tasks, return_exceptions=True)
                raise
        except asyncio.CancelledError:
            if stopping.heard:
                raise Terminated(f"stopped by {signal.Signals(stopping.heard[0]).name}; prompts in flight were "
                                 "released — run the same command again to finish", stopping.heard[0]) from None
            if self.stop.hard:
                raise Interrupted(hard_stop(self.summary)) from None
            raise
        finally:
            stop.set()
            if beat:
                beat.cancel()
            await self._drain()
            stopping.closing = True  # from here a signal changes nothing: what is left is to close in order
            self.summary.lowest, self.summary.level = self.limiter.lowest, self.limiter.level
            self.summary.overloads = self.limiter.reasons
            if self.summary.run_id is not None and self.writer.failed is None:
                try:
                    await self.writer.call(self.archive.finish_run, self.summary.run_id,
                                           lowest=self.limiter.lowest, final=self.limiter.level,
                                           note=_overload_note(self.limiter.reasons))
                except Exception:  # noqa: BLE001 — the run's own outcome matters more
                    pass
            await self.writer.close()
            await self.clients.close()
            stopping.remove()
            self.stop.remove(loop)
        self.summary.stopped = self.stop.draining
        return self.summary

    async def _drain(self) -> None:
        """What must finish before the run closes, however it stopped (see ``BackgroundRun``)."""

    def _in_flight(self) -> int:
        return sum(len(limiter.flights) for limiter in self.limiter.each.values())

    async def _worker(self, queue: asyncio.Queue) -> None:
        while True:
            job = await queue.get()
            if job is None:
                queue.put_nowait(None)  # let the other workers stop too
                return
            if isinstance(job, Failure):
                queue.put_nowait(None)
                raise job.exc
            if self.stop.draining:  # built, never claimed: a re-run sends it
                self.summary.counts[(job.settings.voice, "stopped")] += 1
                continue
            await self._process(job)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(60)
            await self.writer.call(self.archive.heartbeat)

    # -- one job -------------------------------------------------------------------
    async def _process(self, job: Job) -> None:
        s = job.settings
        key = (job.sha256, s.params_sha256)
        earlier = self.inflight.get(key)
        if earlier is not None:  # the same prompt twice in this run: wait for the first
            await asyncio.shield(earlier)
            # it may come from another document than the first: recorded, so that it keeps its claims
            await self.writer.call(job.archive_prompt, self.archive)
            self._finish(Outcome(job, "skipped", note="the same prompt appears twice in this run"))
            return
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        self.inflight[key] = done
        try:
            await self._claim_and_send(job)
        finally:
            if not done.done():
                done.set_result(None)

    async def _claim_and_send(self, job: Job) -> None:
        s = job.settings
        archive, run_id, force = self.archive, self.summary.run_id, self.force

        def add_and_claim() -> tuple[int, int | None, str]:
            prompt_id = job.archive_prompt(archive)
            return (prompt_id, *archive.claim(prompt_id, model=s.model, endpoint=s.endpoint, params=s.params,
                                             params_sha256=s.params_sha256, force=force, api=s.api, run_id=run_id,
                                             endpoint_name=s.endpoint_name))

        prompt_id, reply_id, state = await self.writer.call(add_and_claim)
        if state == "busy":
            self.busy_tasks.append(asyncio.create_task(self._wait_for_other(job, prompt_id)))
            return
        if reply_id is None:
            await self._skip(job, state, prompt_id)
            return
        await self._send(job, reply_id)

    async def _skip(self, job: Job, state: str, prompt_id: int) -> None:
        outcome = Outcome(job, "skipped" if state == "done" else state)
        if state == "done" and self.keep_single:  # one prompt: its archived reply is printed
            outcome.reply_id, outcome.reply = await self.writer.call(self.archive.latest_reply, prompt_id,
                                                                     job.settings.params_sha256)
        self._finish(outcome)

    async def _wait_for_other(self, job: Job, prompt_id: int) -> None:
        """Another process holds this prompt: wait for its reply, or take over if it fails or dies."""
        s = job.settings
        self.events.waiting_changed(1)
        try:
            while True:
                await asyncio.sleep(BUSY_POLL)
                reply_id, state = await self.writer.call(
                    self.archive.claim, prompt_id, model=s.model, endpoint=s.endpoint, params=s.params,
                    params_sha256=s.params_sha256, api=s.api, run_id=self.summary.run_id,
                    endpoint_name=s.endpoint_name)
                if state != "busy" or self.stop.draining:
                    break
        finally:
            self.events.waiting_changed(-1)
        if state == "busy":  # stopped by Ctrl-C while another run holds it
            self._finish(Outcome(job, "stopped"))
            return
        if reply_id is None:
            await self._skip(job, state, prompt_id)
            return
        await self._send(job, reply_id)

    async def _send(self, job: Job, reply_id: int) -> None:
        s = job.settings
        limiter = self.limiter.of(s)
        proto_events = self.events
        attempt_no = counted = 0
        heard: list[str] = []  # this attempt's streamed text: kept as a cut reply if a second Ctrl-C stops it
        at, t0 = now(), time.monotonic()
        self.events.started(job)
        form = (s.endpoint, s.model, s.params_sha256)
        try:
            while True:
                attempt_no += 1
                if form in self.refused:  # every request of this form would get the same answer: not sent
                    await self.writer.call(self.archive.fail, reply_id, self.refused[form])
                    return self._finish(Outcome(job, "failed", reply_id, error=self.refused[form],
                                                attempts=attempt_no - 1))
                if not self.spend.reserve(job):  # --max-cost: nothing new starts; a re-run sends the rest
                    await self.writer.call(self.archive.unclaim, reply_id)
                    return self._finish(Outcome(job, "unsent", reply_id, error=self.spend.why))
                started = await self.stop.acquire(limiter)
                if started is None:  # Ctrl-C: nothing new starts; a re-run sends it
                    await self.writer.call(self.archive.release, reply_id, STOPPED)
                    self.spend.withdraw(job)
                    return self._finish(Outcome(job, "stopped", reply_id))
                heard.clear()
                client = self.clients.of(s)
                t0, at = time.monotonic(), now()
                error: BaseException | None = None
                flight = Flight(started)

                def on_delta(d: str, flight=flight) -> None:
                    flight.heard = True
                    heard.append(d)
                    self.spend.hear(job, d)
                    proto_events.delta(job, d)

                # its own task, so that the limiter can withdraw this attempt alone
                flight.task = asyncio.ensure_future(request(client, s, job.text, on_delta))
                limiter.flights.add(flight)
                try:
                    received = await flight.task
                except asyncio.CancelledError:
                    if not flight.withdrawn or asyncio.current_task().cancelling():
                        flight.task.cancel()
                        await limiter.release(started, ok=False)
                        raise
                    error = Withdrawn()
                except Exception as exc:  # noqa: BLE001 — classified below
                    error = exc
                finally:
                    limiter.flights.discard(flight)
                latency = int((time.monotonic() - t0) * 1000)
                if error is None:
                    await limiter.release(started, ok=True)
                    await self._store(job, reply_id, received, attempt_no, at, latency)
                    return
                # overload only counts as such when we had others in flight: it is ours to fix
                kind = overload(error) if limiter.others_in_flight() else None
                lowered = await limiter.release(started, ok=False, overload=kind,
                                                one_at_a_time=bool(kind) and one_at_a_time(error)
                                                and limiter.others_all_waiting())
                if lowered:  # named with its model: one model's limit never slows another
                    self.events.level_changed(limiter.level, f"{lowered} for {s.model}")
                # free only if we cut it ourselves; what the server refused counts against --max-attempts
                ours = isinstance(error, Withdrawn) or (bool(lowered) and isinstance(error, IncompleteReply))
                counted += not ours
                will_retry = (retryable(error) and not fatal(error) and counted < s.max_attempts
                              and attempt_no < s.max_attempts + EXTRA_ATTEMPTS)
                message = describe(error, s)
                await self.writer.call(self.archive.attempt, reply_id, attempt_no, started_at=at,
                                       latency_ms=latency, outcome="retry" if will_retry else "failed",
                                       status_code=getattr(error, "status_code", None), error=message)
                await self.spend.failed_attempt(self.writer, self.archive, reply_id, attempt_no, job, error)
                if not will_retry:
                    final = describe(error, s, counted or attempt_no,
                                     reached=any(status == "ok" for _, status in self.summary.counts))
                    await self.writer.call(self.archive.fail, reply_id, final)
                    if shape_refused(error):
                        self.refused[form] = final
                    if fatal(error):
                        raise ConfigError(final)
                    self._finish(Outcome(job, "failed", reply_id, error=final, attempts=attempt_no))
                    return
                wait, note = self._wait(error, counted, ours)
                self.events.retrying(job, attempt_no, message + note, wait)
                await self.stop.pause(wait)
        except asyncio.CancelledError:
            if self.stop.hard and "".join(heard).strip():
                await asyncio.shield(self.writer.call(keep_cut, self.archive, self.summary, job, reply_id, "".join(heard),
                                                      attempt_no, at, int((time.monotonic() - t0) * 1000)))
            else:
                await asyncio.shield(self.writer.call(self.archive.release, reply_id))
            raise

    def _wait(self, error: BaseException, counted: int, ours: bool) -> tuple[float, str]:
        hinted = retry_after(error)
        if hinted is None:
            if ours and not counted and isinstance(error, Withdrawn | IncompleteReply):
                return 0.0, ""  # a stream we cut or had cut by sending too many: the limiter has answered it
            return self.backoff(SimpleNamespace(attempt_number=max(counted, 1))), ""
        if hinted > MAX_RETRY_WAIT:
            return MAX_RETRY_WAIT, (f" (the server asked to wait {hinted:,.0f} s; waiting {MAX_RETRY_WAIT:.0f} s, "
                                    "the most retest waits)")
        return hinted, ""

    async def _store(self, job: Job, reply_id: int, received, attempt_no: int, at: str, latency: int) -> None:
        s = job.settings
        archive, after = self.archive, self.after_reply

        def store() -> tuple[dict, str] | None:
            # text first made storable (surrogates joined or replaced): nothing below can fail on it
            text, note = valid_text(received.text)
            reasoning, _ = valid_text(received.reasoning)
            # one kept reply per reply row: the update takes only a pending reply, and the archive holds one
            # kept attempt per reply; either refusing means another run stored it first
            if not archive.complete(reply_id, reply=text, finish_reason=received.finish, usage=received.usage,
                                    latency_ms=latency, reasoning=reasoning,
                                    note="; ".join(n for n in (note, received.note) if n) or None,
                                    sources=received.sources) \
                    or not archive.attempt(reply_id, attempt_no, started_at=at, latency_ms=latency, outcome="ok"):
                return None
            if received.usage is None or received.usage.get("completion_tokens") is None:
                usage = estimate(received.usage, job.tokens, text, reasoning, s.model, prompt=job.text)
                archive.set_usage(reply_id, usage)
            else:
                usage = received.usage
            return usage, text

        stored = await self.writer.call(store)  # committed: the reply is safe from here on
        if stored is None:
            self._finish(Outcome(job, "skipped", reply_id, note="archived by another run"))
            return
        usage, text = stored
        await self.spend.kept_reply(self.writer, archive, reply_id, job, usage)
        outcome = Outcome(job, "ok", reply_id, reply=text, attempts=attempt_no, usage=usage,
                          finish=received.finish)
        if after is not None:
            try:
                outcome.check = await self.writer.call(after, archive, outcome)
            except RetestError:
                raise
            except Exception as exc:  # noqa: BLE001 — a check that fails must not cost the reply
                outcome.note = f"check failed: {type(exc).__name__}: {exc}"
        self._finish(outcome)

    def _finish(self, outcome: Outcome) -> None:
        keep = self.keep_single and outcome.status in ("ok", "skipped")
        self.summary.add(outcome, keep)
        self.events.finished(outcome)


def _overload_note(reasons: Counter) -> str | None:
    if not reasons:
        return None
    return "; ".join(f"{reason} ×{n}" for reason, n in reasons.most_common())


async def run(jobs: Iterable, s: Settings | list[Settings], archive: Archive, *, force: bool = False,
              events: Events | None = None) -> Summary:
    """Send every prompt in ``jobs`` (``Prompt`` or ``Job`` objects) to every model in ``s``."""
    models = s if isinstance(s, list) else [s]
    return await Run(models, archive, force=force, events=events).run(jobs)
