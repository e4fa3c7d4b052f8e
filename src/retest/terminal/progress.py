"""What ``retest send`` shows while it runs: a progress bar on stderr, or one reply live on stdout; and the bar of
work a read command does before it shows anything."""

from __future__ import annotations

import sys



class Progress:
    """Events → a progress bar on stderr (many prompts) or a live reply on stdout (one)."""

    def __init__(self, total: int, live_reply: bool, models: list[str]):
        self.total = total
        self.live_reply = live_reply
        self.models = models
        self.counts = {"ok": 0, "failed": 0, "skipped": 0, "busy": 0, "batched": 0, "background": 0, "stopped": 0}
        self.in_retry: set[int] = set()
        self.queued: set[int] = set()  # taken back to send fewer at once: waiting for a slot, not failing
        self.tokens = 0
        self.estimated = False
        self.at_once = None
        self.waiting_for = 0
        self.said = False
        self.bar = None
        self.run = None
        self.ticker = None  # one reply live: "waiting for its first token" until it comes
        if total > 1:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as Bar
            from rich.table import Column

            fixed = dict(no_wrap=True, overflow="crop")  # the bar and the time keep their width; the status gives
            self.bar = Bar(
                TextColumn("sending", table_column=Column(**fixed, min_width=7)),
                BarColumn(bar_width=16, table_column=Column(**fixed, min_width=16)),
                MofNCompleteColumn(table_column=Column(**fixed, min_width=2 * len(str(total)) + 1)),
                TimeElapsedColumn(table_column=Column(**fixed, min_width=7)),
                TextColumn("{task.fields[status]}", table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1)),
                console=Console(stderr=True), transient=False,
            )
            self.task = self.bar.add_task("send", total=total, status="")

    def __enter__(self):
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *exc):
        self._stop_ticker()
        if self.bar:
            self._refresh()
            self.bar.stop()

    def _refresh(self) -> None:
        if not self.bar:
            return
        c = self.counts
        parts = [f"ok {c['ok']}", f"failed {c['failed']}"]
        if self.in_retry:
            parts.append(f"retrying {len(self.in_retry)}")
        if self.queued:
            parts.append(f"queued {len(self.queued)}")
        skipped = c["skipped"] + c["busy"] + c["batched"] + c["background"]
        if skipped:
            parts.append(f"skipped {skipped}")
        if self.waiting_for:
            parts.append(f"waiting for another run {self.waiting_for}")
        if self.at_once is not None:
            parts.append(f"at once {self.at_once}")
        parts.append(f"{'~' if self.estimated else ''}{self.tokens:,} tokens")
        room = self.bar.console.width - (7 + 16 + 2 * len(str(self.total)) + 1 + 7 + 5)  # the fixed columns
        self.bar.update(self.task, completed=sum(c.values()), status=fitted(parts, room))

    # Events protocol
    def started(self, job) -> None:
        if self.live_reply and self.ticker is None:
            from .screen import is_terminal

            if is_terminal(sys.stderr):
                self.ticker = FirstToken(getattr(getattr(job, "settings", None), "model", "the model"))
        self._refresh()

    def delta(self, job, text: str) -> None:
        if self.live_reply:
            from ..util.display import neutral

            self._stop_ticker()
            sys.stdout.write(neutral(text))
            sys.stdout.flush()

    def _stop_ticker(self) -> None:
        if self.ticker is not None:
            self.ticker.stop()
            self.ticker = None

    def retrying(self, job, attempt: int, error: str, wait: float) -> None:
        from .messages import warn

        self._stop_ticker()

        (self.queued if wait == 0 else self.in_retry).add(id(job))  # no pause: sent again as a slot frees
        (self.in_retry if wait == 0 else self.queued).discard(id(job))
        if self.live_reply:
            sys.stdout.write("\n")
        if not self.bar:
            warn(f"attempt {attempt} failed ({error}); retrying in {wait:.1f}s")
        self._refresh()

    def finished(self, outcome) -> None:
        self._stop_ticker()
        self.in_retry.discard(id(outcome.job))
        self.queued.discard(id(outcome.job))
        self.counts[outcome.status] = self.counts.get(outcome.status, 0) + 1
        if outcome.status == "ok":
            self.tokens += (outcome.usage or {}).get("total_tokens") or 0
            self.estimated |= bool((outcome.usage or {}).get("estimated"))
        if self.run is not None and self.run.limiter.level != self.run.limiter.ceiling:
            self.at_once = self.run.limiter.level
        self._refresh()

    def level_changed(self, level: int, reason: str | None) -> None:
        self.at_once = level
        if reason and not self.said:
            self.said = True
            from .messages import message, say

            line = f"retest: the server {reason}; sending fewer at once (now {level})"
            if self.bar:
                self.bar.console.print(message(line), markup=False, highlight=False)
            else:
                say(message(line))
        self._refresh()

    def waiting_changed(self, delta: int) -> None:
        self.waiting_for += delta
        self._refresh()

    def stopping(self, in_flight: int) -> None:
        what = (f"waiting for the {in_flight} request{'s' if in_flight != 1 else ''} in flight (their replies are "
                "paid for) to archive them" if in_flight else "nothing is in flight")
        self._line(f"retest: stopping: nothing new is sent; {what}; press Ctrl-C again to stop at once")

    def _line(self, line: str) -> None:
        from .messages import message, say

        if self.live_reply:
            sys.stdout.write("\n")
            sys.stdout.flush()
        if self.bar:
            self.bar.console.print(message(line), markup=False, highlight=False)
        else:
            say(message(line))

    def input_failed(self, label: str, text: str) -> None:
        from .messages import message, say

        if self.bar is not None:  # one document fewer to send, to each model
            self.total -= len(self.models)
            self.bar.update(self.task, total=max(self.total, 0))
        line = f"retest: error: {message(text)}"
        if self.bar:
            self.bar.console.print(line, markup=False, highlight=False)
        else:
            say(line)


class FirstToken:
    """A line on the terminal's stderr while one live reply has not begun: a slow local model can take half a
    minute before its first token, and a blank screen looks like a hang. Cleared as the first text arrives."""

    def __init__(self, model: str, every: float = 1.0):
        import threading
        import time

        self.model, self.every, self.began = model, every, time.monotonic()
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.shown = 0
        self.thread = threading.Thread(target=self._run, daemon=True, name="retest-first-token")
        self.thread.start()

    def _run(self) -> None:
        import time

        while not self.done.wait(self.every):
            import shutil

            line = f"waiting for {self.model}'s first token… {time.monotonic() - self.began:.0f} s"
            line = line[-(shutil.get_terminal_size().columns - 1):]  # one row, or \r cannot take it back
            with self.lock:
                if self.done.is_set():
                    return
                sys.stderr.write("\r" + line + " " * max(0, self.shown - len(line)))
                sys.stderr.flush()
                self.shown = len(line)

    def stop(self) -> None:
        with self.lock:
            self.done.set()
            if self.shown:
                sys.stderr.write("\r" + " " * self.shown + "\r")
                sys.stderr.flush()
                self.shown = 0


class Waiting:
    """``retest batch collect --wait``: a progress display on stderr while batches run, one line per batch."""

    def __init__(self, batches):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(bar_width=16), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("{task.fields[state]}"),
                                 console=Console(stderr=True), transient=False)
        from ..util.display import neutral

        self.neutral = neutral
        self.tasks = {b["id"]: self.progress.add_task(neutral(b["remote_id"] or str(b["id"]), one_line=True,
                                                              markup=True), total=b["requests"] or 1, state="")
                      for b in batches}

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def update(self, batches) -> None:
        for b in batches:
            counts = b["counts"] or {}
            done = counts.get("completed", 0) + counts.get("failed", 0)
            self.progress.update(self.tasks[b["id"]], completed=done, total=counts.get("total") or b["requests"] or 1,
                                 state=self.neutral(str(b["remote_status"] or b["state"]), one_line=True, markup=True))


def fitted(parts: list[str], width: int) -> str:
    """The parts of a status line that fit ``width``, whole: counts of zero give way first, then the parts
    before the last (the tokens), from the end; the first always stays. Never an end cut mid-word."""
    parts = list(parts)

    def joined() -> str:
        return " · ".join(parts)

    for zero in [p for p in parts[1:-1] if p.split(" ")[-1] == "0"]:
        if len(joined()) <= width:
            break
        parts.remove(zero)
    while len(joined()) > width and len(parts) > 2:
        parts.pop(-2)
    if len(joined()) > width and len(parts) == 2:
        parts.pop()
    return joined()


class Catching:
    """A transient progress bar on stderr for work done before a read command shows anything (``label``), made
    only once there are at least ``least`` items: ``update(done, total)``, used as a context manager."""

    def __init__(self, label: str, least: int = 50):
        self.label, self.least = label, least
        self.progress = self.task = None

    def update(self, done: int, total: int) -> None:
        if self.progress is None and total >= self.least:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn(self.label), BarColumn(bar_width=16), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self.progress.start()
            self.task = self.progress.add_task(self.label, total=total)
        if self.progress is not None:
            self.progress.update(self.task, completed=done)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()
