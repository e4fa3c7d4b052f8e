"""How many requests to keep in flight: ``-j`` is a ceiling, the server sets the level.

Additive increase, multiplicative decrease. When the server shows overload
(429, 503, timeouts, streams cut while other requests are in flight — as
llama.cpp's server does to the stream in progress whenever a new request
arrives) the level halves, down to 1; after as many successes in a row as the
level, it grows back by one. Failures of requests that started before the
last decrease belong to the overload already answered and do not halve again.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter


class Limiter:
    def __init__(self, ceiling: int):
        self.ceiling = max(1, ceiling)
        self.level = self.ceiling
        self.lowest = self.ceiling
        self.in_flight = 0
        self.streak = 0
        self.decreased_at = 0.0
        self.reasons: Counter[str] = Counter()
        self.changes: list[tuple[float, int, str]] = []  # (time, new level, why)
        self._cond = asyncio.Condition()

    async def acquire(self) -> float:
        """Wait for a place; return the time the request starts (to tell old failures from new)."""
        async with self._cond:
            await self._cond.wait_for(lambda: self.in_flight < self.level)
            self.in_flight += 1
            return time.monotonic()

    async def release(self, started: float, *, ok: bool, overload: str | None = None) -> str | None:
        """Record how a request ended; returns a message when the level was lowered."""
        async with self._cond:
            self.in_flight -= 1
            message = None
            if overload:
                self.reasons[overload] += 1
                self.streak = 0
                if started >= self.decreased_at and self.level > 1:
                    self.level = max(1, self.level // 2)
                    self.lowest = min(self.lowest, self.level)
                    self.decreased_at = time.monotonic()
                    self.changes.append((self.decreased_at, self.level, overload))
                    message = overload
            elif ok:
                self.streak += 1
                if self.streak >= self.level and self.level < self.ceiling:
                    self.level += 1
                    self.streak = 0
                    self.changes.append((time.monotonic(), self.level, "successes"))
            self._cond.notify_all()
            return message

    def others_in_flight(self) -> bool:
        """Whether any request besides the caller's is in flight now."""
        return self.in_flight > 1
