"""Ctrl-C during a run: the first starts nothing new and lets the requests in flight finish (their replies are
paid for, so they are archived); a second stops at once.

A terminal sends SIGINT to the whole process group; the prompt builders ignore it (see ``build.prompter``),
so that only this decides what a Ctrl-C does.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable

from ..archive import valid_text
from ..errors import RetestError
from .protocols.usage import estimate

STOPPED = "not sent: the run was stopped by Ctrl-C before it; the next run sends it"


def hard_stop(summary) -> str:
    """What a second Ctrl-C says: how many requests the server may bill, what of them was kept."""
    n = summary.cut_at_stop
    kept = (f"; the text {summary.kept_cut} of them had streamed is kept as cut repl"
            f"{'y' if summary.kept_cut == 1 else 'ies'} (finish 'interrupted')") if summary.kept_cut else ""
    billed = (f"{n} request{'s were' if n != 1 else ' was'} in flight: the server may bill "
              f"{'them' if n != 1 else 'it'}{kept}"
              if n else "no request was in flight")
    return (f"stopped at once (a second Ctrl-C); {billed}; {summary.total('ok')} replies were archived; "
            "run the same command again to send the rest")


class Interrupted(RetestError):
    """A second Ctrl-C: the run stopped at once."""

    exit_code = 130


class Stop:
    """What the run has been asked to do by Ctrl-C, and waits that give way to it."""

    def __init__(self, on_first: Callable[[], None], on_second: Callable[[], None]):
        self.draining = False  # first Ctrl-C: nothing new starts
        self.hard = False  # second: everything stops now
        self.event = asyncio.Event()
        self.on_first, self.on_second = on_first, on_second
        self.installed = False

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            loop.add_signal_handler(signal.SIGINT, self._signal)
            self.installed = True
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            pass

    def remove(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.installed:
            try:
                loop.remove_signal_handler(signal.SIGINT)
            except (NotImplementedError, RuntimeError, ValueError):
                pass

    @contextlib.contextmanager
    def handling(self):
        """Ctrl-C taken by this in code that runs no event loop (``batch submit``): the handler runs in the main
        thread between its steps, so ``on_second`` may raise there to stop at once."""
        previous = signal.signal(signal.SIGINT, lambda signum, frame: self._signal())
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)

    def _signal(self) -> None:
        if not self.draining:
            self.draining = True
            self.event.set()
            self.on_first()
        elif not self.hard:
            self.hard = True
            self.on_second()

    async def pause(self, seconds: float) -> None:
        """Sleep, unless a Ctrl-C comes first."""
        try:
            await asyncio.wait_for(self.event.wait(), seconds)
        except TimeoutError:
            pass

    async def acquire(self, limiter) -> float | None:
        """A place in ``limiter`` (the time the request starts), or None if a Ctrl-C came first."""
        if self.draining:
            return None
        place = asyncio.ensure_future(limiter.acquire())
        stopped = asyncio.ensure_future(self.event.wait())
        try:
            await asyncio.wait({place, stopped}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            place.cancel()
            stopped.cancel()
            raise
        stopped.cancel()
        if place.done() and not place.cancelled():
            if not self.draining:
                return place.result()
            await limiter.release(place.result(), ok=False)  # won at the same moment: give the place back
            return None
        place.cancel()
        try:
            await place
        except asyncio.CancelledError:
            pass
        else:
            await limiter.release(place.result(), ok=False)
        return None


def keep_cut(archive, summary, job, reply_id: int, text: str, attempt_no: int, at: str, latency: int) -> None:
    """What a stream had brought when a second Ctrl-C stopped it: paid for, so kept, marked as cut."""
    text, _ = valid_text(text)
    archive.attempt(reply_id, attempt_no, started_at=at, latency_ms=latency, outcome="failed",
                    error="stopped by a second Ctrl-C while the reply was coming")
    archive.complete(reply_id, reply=text, finish_reason="interrupted",
                     usage=estimate(None, job.tokens, text, None, job.settings.model, prompt=job.text),
                     latency_ms=latency, note="cut: only the text received before a second Ctrl-C")
    summary.kept_cut += 1
