"""The prompts of a run, built on a thread of its own and handed to the senders through a bounded queue:
one job per prompt and model, with its tokens counted for that model."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable

from ..errors import RetestError
from .endpoint import Settings
from .job import Job


def feed(run, prompts: Iterable, queue: asyncio.Queue, loop, stop: threading.Event) -> None:
    from ..build.prompter import InputFailure

    def put(item) -> bool:
        future = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
        while not stop.is_set():
            try:
                future.result(timeout=0.5)
                return True
            except TimeoutError:
                continue
            except Exception:  # noqa: BLE001 — the loop is gone
                return False
        future.cancel()
        return False

    try:
        for item in prompts:
            if stop.is_set():
                return
            if isinstance(item, InputFailure):
                run.summary.input_failures += 1
                loop.call_soon_threadsafe(run.events.input_failed, getattr(item, "label", ""), str(item))
                continue
            for s in run.models:
                job = Job.from_prompt(item, s) if not isinstance(item, Job) else _for_model(item, s)
                if job.tokens is not None and len(run.models) > 1 and job.settings.model != run.models[0].model:
                    job.tokens = _recount(job.text, s.model, job.tokens)
                if not put(job):
                    return
    except BaseException as exc:  # noqa: BLE001 — handed to the loop, which stops the run
        put(Failure(exc))
        return
    put(None)


class Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc


def _for_model(job: Job, s: Settings) -> Job:
    from dataclasses import replace

    return replace(job, settings=s)


def _recount(text: str, model: str, fallback: int | None) -> int | None:
    try:
        from ..build.tokens import counter

        return counter(model).count(text)
    except RetestError:
        return fallback
