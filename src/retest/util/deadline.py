"""Wall-clock bounds for work that could otherwise wait forever on a server's bytes: one shape for every
network read and call that must end in time (``check.arxiv_api`` reads, ``batch.api`` calls).

``Deadline`` is what is left of a budget at each blocking step of one read; ``within`` runs a call that
cannot be bounded from inside (an SDK call) in a daemon thread and stops waiting when its time is up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Deadline:
    """A budget of ``seconds`` from now."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds still left (zero or less once it has passed)."""
        return self.at - time.monotonic()


def within(fn: Callable, seconds: float, on_timeout: Callable[[], BaseException], *args, name: str = "retest-call",
           **kwargs):
    """``fn(*args, **kwargs)``'s value (or its exception), or ``on_timeout()`` raised once ``seconds`` pass.

    The call runs in a daemon thread: one past its deadline is abandoned, and never keeps the process alive.
    """
    box: dict = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 — handed to the caller
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, daemon=True, name=name).start()
    if not done.wait(seconds):
        raise on_timeout()
    if "error" in box:
        raise box["error"]
    return box["value"]
