"""How many requests to keep in flight: ``-j`` is a ceiling, the server sets the level.

Additive increase, multiplicative decrease. When the server shows overload
(429, 503, timeouts, streams cut while other requests are in flight — as
llama.cpp's server does to the stream in progress whenever a new request
arrives) the level halves, down to 1; after a run of successes in a row it
grows back by one. Failures of requests that started before the last decrease
belong to the overload already answered and do not halve again.

The run needed is the level times a patience that doubles with every decrease
and halves again with every increase that held (a full run at the new level
without overload), so that a level that failed is tried again ever more rarely.

A server that takes one request at a time and ends the stream it serves
whenever another waits (llama.cpp's, by default) shows itself by ending a
stream cleanly before any text while every other request in flight still waits
for its first word. Then halving would only waste more streams on the way down:
the level drops straight to 1, the patience starts high (each probe costs the
stream it cuts), and the requests still waiting there are withdrawn, all but
the oldest, to be sent again in turn — left queued, each would cut the stream
served before it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

MAX_PATIENCE = 64
ONE_AT_A_TIME_PATIENCE = 16


class Flight:
    """One attempt in flight: its task, when it started, and whether any of the reply has come."""

    __slots__ = ("task", "started", "heard", "withdrawn")

    def __init__(self, started: float):
        self.task: asyncio.Future | None = None
        self.started = started
        self.heard = False
        self.withdrawn = False


class Limiter:
    def __init__(self, ceiling: int):
        self.ceiling = max(1, ceiling)
        self.level = self.ceiling
        self.lowest = self.ceiling
        self.in_flight = 0
        self.streak = 0
        self.patience = 1
        self.probing = False  # the last change was an increase not yet confirmed by a full run
        self.decreased_at = 0.0
        self.reasons: Counter[str] = Counter()
        self.changes: list[tuple[float, int, str]] = []  # (time, new level, why)
        self.flights: set[Flight] = set()
        self._cond = asyncio.Condition()

    async def acquire(self) -> float:
        """Wait for a place; return the time the request starts (to tell old failures from new)."""
        async with self._cond:
            await self._cond.wait_for(lambda: self.in_flight < self.level)
            self.in_flight += 1
            return time.monotonic()

    async def release(self, started: float, *, ok: bool, overload: str | None = None,
                      one_at_a_time: bool = False) -> str | None:
        """Record how a request ended; returns a message when the level was lowered."""
        async with self._cond:
            self.in_flight -= 1
            message = None
            if overload:
                self.reasons[overload] += 1
                self.streak = 0
                if started >= self.decreased_at and self.level > 1:
                    self.level = 1 if one_at_a_time else self.level // 2
                    floor = ONE_AT_A_TIME_PATIENCE if one_at_a_time else 1
                    self.patience = min(max(self.patience * 2, floor), MAX_PATIENCE)
                    self.probing = False
                    self.lowest = min(self.lowest, self.level)
                    self.decreased_at = time.monotonic()
                    self.changes.append((self.decreased_at, self.level, overload))
                    message = overload
                    if one_at_a_time:
                        self._withdraw_unheard()
            elif ok:
                self.streak += 1
                if self.probing and self.streak >= self.level:  # the last increase held
                    self.patience = max(1, self.patience // 2)
                    self.probing = False
                if self.streak >= self.level * self.patience and self.level < self.ceiling:
                    self.level += 1
                    self.streak = 0
                    self.probing = True
                    self.changes.append((time.monotonic(), self.level, "successes"))
            self._cond.notify_all()
            return message

    def _withdraw_unheard(self) -> None:
        unheard = sorted((f for f in self.flights if not f.heard and f.task is not None), key=lambda f: f.started)
        room = max(0, self.level - (len(self.flights) - len(unheard)))
        for flight in unheard[room:]:
            if flight.task.cancel():
                flight.withdrawn = True

    def others_all_waiting(self) -> bool:
        """Whether requests other than the caller's are in flight and none has had a word of its reply yet."""
        return bool(self.flights) and not any(f.heard for f in self.flights)

    def others_in_flight(self) -> bool:
        """Whether any request besides the caller's is in flight now."""
        return self.in_flight > 1


class Limiters:
    """One ``Limiter`` per (endpoint, model): one model's overload never slows another.

    ``-j`` is each one's ceiling (the senders, ``-j`` of them, bound the run as a
    whole); ``level``, ``lowest`` and ``reasons`` sum up the run for its summary.
    """

    def __init__(self, ceiling: int):
        self.ceiling = ceiling
        self.each: dict[tuple[str, str], Limiter] = {}

    def of(self, s) -> Limiter:
        key = (s.endpoint, s.model)
        if key not in self.each:
            self.each[key] = Limiter(self.ceiling)
        return self.each[key]

    @property
    def level(self) -> int:
        return min((l.level for l in self.each.values()), default=max(1, self.ceiling))

    @property
    def lowest(self) -> int:
        return min((l.lowest for l in self.each.values()), default=max(1, self.ceiling))

    @property
    def reasons(self) -> Counter[str]:
        """How often each model's requests showed each kind of overload (``answered 429 … for MODEL``)."""
        total: Counter[str] = Counter()
        for (_, model), limiter in self.each.items():
            for reason, n in limiter.reasons.items():
                total[f"{reason} for {model}"] += n
        return total
