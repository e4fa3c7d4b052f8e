"""What a run passes around: the job to send, its outcome, the events a caller hears, the summary.

Kept apart from the orchestrator so that callers (the CLI, batch, tests) can name
these without loading the sending machinery.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from ..errors import RetestError
from .endpoint import Settings


class Terminated(RetestError):
    """The run was stopped by a signal (SIGTERM, or in background mode SIGINT and SIGHUP too): 128 + its number."""

    exit_code = 143

    def __init__(self, message: str, signum: int = 15):
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum


class Stopping:
    """The signals that stop a run in order: each cancels the run's task (which then closes in order), until
    ``closing`` is set; ``heard`` lists them."""

    def __init__(self, loop, task, signals):
        self.loop, self.task, self.heard, self.closing, self.handled = loop, task, [], False, []
        for sig in signals:
            try:
                loop.add_signal_handler(sig, self._on, sig)
                self.handled.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass

    def _on(self, sig: int) -> None:
        self.heard.append(sig)
        if not self.closing:
            self.task.cancel()

    def remove(self) -> None:
        for sig in self.handled:
            try:
                self.loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass


@dataclass
class Job:
    """One prompt to send to one model, and where it came from."""

    text: str
    label: str
    settings: Settings | None = None
    template: str | None = None
    template_sha256: str | None = None
    source: str | None = None
    source_sha256: str | None = None
    tokens: int | None = None
    encoding: str | None = None
    claims: list = field(default_factory=list)
    titles: dict = field(default_factory=dict)  # each document's question, by path

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def archive_prompt(self, archive) -> int:
        """The prompt's row id, archived with its claims the first time; each time, the document it came from is
        recorded (another document may have made the same prompt: each keeps its claims)."""
        return archive.add_prompt(
            self.text, self.sha256, template=self.template, template_sha256=self.template_sha256,
            source=self.source, source_sha256=self.source_sha256, tokens=self.tokens, encoding=self.encoding,
            claims=self.claims, titles=self.titles)

    @classmethod
    def from_prompt(cls, p, settings: Settings | None = None) -> Job:
        source = p.source if isinstance(p.source, str) or p.source is None else ", ".join(p.source)
        return cls(text=p.prompt, label=source or p.template, settings=settings, template=p.template,
                   template_sha256=p.template_sha256, source=source, source_sha256=p.source_sha256,
                   tokens=p.tokens, encoding=p.encoding, claims=list(p.claims),
                   titles=dict(getattr(p, "titles", None) or {}))


@dataclass
class Outcome:
    job: Job
    status: str  # ok | failed | skipped | busy | batched | background | unsent | stopped
    reply_id: int | None = None
    reply: str | None = None
    error: str | None = None
    attempts: int = 0
    usage: dict = field(default_factory=dict)
    finish: str | None = None
    note: str | None = None
    check: dict | None = None  # what --check found: {"suspect": n, "verdicts": n}

    @property
    def model(self) -> str:
        return self.job.settings.voice if self.job.settings else "?"


class Events:
    """What a run reports as it goes; the CLI draws its progress from these."""

    def started(self, job: Job) -> None: ...
    def delta(self, job: Job, text: str) -> None: ...
    def retrying(self, job: Job, attempt: int, error: str, wait: float) -> None: ...
    def finished(self, outcome: Outcome) -> None: ...
    def level_changed(self, level: int, reason: str | None) -> None: ...
    def waiting_changed(self, delta: int) -> None: ...
    def input_failed(self, label: str, message: str) -> None: ...
    def stopping(self, in_flight: int) -> None: ...


@dataclass
class Summary:
    """What a run did, small enough to keep for any number of prompts."""

    counts: Counter = field(default_factory=Counter)  # (model, status) → n
    failed: list[Outcome] = field(default_factory=list)
    cut: list[Outcome] = field(default_factory=list)
    tokens: int = 0
    tokens_estimated: bool = False
    single: Outcome | None = None
    input_failures: int = 0
    run_id: int | None = None
    lowest: int = 0
    level: int = 0
    overloads: Counter = field(default_factory=Counter)
    checked: Counter = field(default_factory=Counter)  # suspect citations, claims given verdicts
    stopped: bool = False  # a Ctrl-C: nothing new was started after it
    cut_at_stop: int = 0  # requests in flight when a second Ctrl-C stopped the run
    kept_cut: int = 0  # of them, those whose streamed text was kept as a cut reply

    def add(self, o: Outcome, keep: bool) -> None:
        self.counts[(o.model, o.status)] += 1
        if o.check:
            self.checked.update(o.check)
        if o.status == "failed":
            o.reply = None
            self.failed.append(o)
        if o.status == "ok":
            total = (o.usage or {}).get("total_tokens") or 0
            self.tokens += total
            self.tokens_estimated |= bool((o.usage or {}).get("estimated"))
            if o.finish == "length":
                self.cut.append(Outcome(o.job, o.status, o.reply_id, finish=o.finish))
        if keep:
            self.single = o

    def total(self, status: str) -> int:
        return sum(n for (_, s), n in self.counts.items() if s == status)
