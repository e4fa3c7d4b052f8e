"""Documents → prompts, built ahead of the senders in a child process.

Reading, parsing and rendering cost CPU that the sender's event loop should
not pay: a child process does it on another core and hands the prompts back
through a bounded queue, so memory stays flat for any number of documents and
the parent only ever waits on the network. A document that cannot be read or
built is reported in the stream (an ``InputFailure``) and the rest go on; a
setting that makes every prompt fail (an unknown template, a bad ``--var``)
stops the run with its own message.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import RetestError

QUEUE_SIZE = 8  # hand-overs of up to HAND_OVER prompts each
HAND_OVER = 16


class InputFailure(RetestError):
    """A document that could not become a prompt (named by ``label``); the run goes on."""

    def __init__(self, label: str, message: str, skipped: bool = False):
        super().__init__(message)
        self.label = label
        self.skipped = skipped  # a file in a folder that is not an inquiring line: a note, not a failure


@dataclass(frozen=True)
class Recipe:
    """Everything that decides the prompts: picklable, so a child process can build them."""

    paths: tuple[str, ...]
    template: str
    variables: dict
    today: object = None  # datetime.date
    model: str | None = None
    max_tokens: int | None = None
    max_bytes: int = 10 * 1024 * 1024
    count_tokens: bool = False
    verdicts: bool = True
    stdin: object = None  # what ``-`` held (Input or InputError), read by the parent: a child has no stdin
    related: dict | None = None  # {related_key: ClaimRelated}, looked up by the parent (--related)


def count_documents(paths: tuple[str, ...]) -> int:
    """How many documents ``paths`` names (files are not read): the size of a progress bar."""
    from ..extract.inputs import is_document_name

    n = 0
    for name in paths:
        if name == "-" or not os.path.isdir(name):
            n += 1
            continue
        for root, dirs, files in os.walk(name):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            n += sum(1 for f in files if is_document_name(f))
    return n


def build_all(recipe: Recipe, encoding: str | None = None, share: tuple[int, int] = (0, 1),
              read: list | None = None) -> Iterator:
    """Prompts (or ``InputFailure``s) for the recipe, built here, one document at a time.

    ``share=(k, n)``: only the k-th of every n documents (one per input, failures included), so that n
    builders split the work and their outputs interleave back into order. ``read``: documents already read.
    """
    from ..errors import InputError, Skipped
    from ..extract.inputs import iter_inputs
    from ..extract.paths import documents_of
    from . import BudgetError, build
    from .templates import find

    tpl = find(recipe.template)
    kw = dict(today=recipe.today, variables=recipe.variables, max_tokens=recipe.max_tokens, model=recipe.model,
              encoding=encoding, count_tokens=recipe.count_tokens or recipe.max_tokens is not None,
              verdicts=recipe.verdicts, related=recipe.related)
    corpus: list = []
    k, n = share
    if read is not None:  # the documents (and InputErrors) already read, in order (build --related read them)
        documents = iter(read)
    else:
        inputs = iter_inputs(recipe.paths, recipe.max_bytes, stdin=recipe.stdin)
        documents = documents_of(item for i, item in enumerate(inputs) if i % n == k)
    for item in documents:
        if isinstance(item, InputError):
            yield InputFailure(item.source, str(item), skipped=isinstance(item, Skipped))
            continue
        if tpl.kind == "corpus":
            corpus.append(item)
            continue
        try:
            yield build(item, tpl, **kw)
        except BudgetError as exc:
            yield InputFailure(item.source, f"{item.source}: {exc}")
    if corpus:
        try:
            yield build(corpus, tpl, **kw)
        except BudgetError as exc:
            yield InputFailure("corpus", f"corpus: {exc}")


def _die_with(parent: int) -> None:
    """End this process when ``parent`` ends, however it ends (``kill -9`` included): the kernel's
    parent-death signal where there is one, and a watch on the parent's ID everywhere."""
    import threading
    import time

    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError, TypeError):
        pass
    if os.getppid() != parent:  # it ended before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="retest-parent-watch").start()


def _child(recipe: Recipe, out, share: tuple[int, int] = (0, 1), parent: int | None = None) -> None:
    """The child's whole life: build, hand over, say when done (or what stopped it)."""
    if parent is not None:
        _die_with(parent)
    # handed over a few at a time (each hand-over costs both processes more than a small prompt): 1, 2, 4, …
    # up to HAND_OVER, so that the first prompts of a run leave at once
    batch: list = []
    size = 1
    try:
        for item in build_all(recipe, share=share):
            if isinstance(item, InputFailure):
                batch.append(("failure", item.label, str(item), item.skipped))
            else:
                batch.append(("prompt", item.model_dump(mode="python")))
            if len(batch) >= size:
                out.put(("items", batch))
                batch, size = [], min(HAND_OVER, size * 2)
        if batch:
            out.put(("items", batch))
        out.put(("done",))
    except RetestError as exc:
        out.put(("fatal", str(exc), exc.exit_code))
    except BaseException as exc:  # noqa: BLE001 — a bug: reported by the parent as one
        out.put(("bug", f"{type(exc).__name__}: {exc}"))


class BuiltElsewhere:
    """``build_all`` in child processes (``builders`` of them, each building every n-th document), started
    at once (while this process has one thread, so that forking is safe); iterate it for the prompts, in
    order, as they are made."""

    def __init__(self, recipe: Recipe, builders: int = 1):
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.outs, self.children = [], []
        for k in range(builders):
            out = context.Queue(maxsize=QUEUE_SIZE)
            child = context.Process(target=_child, args=(recipe, out, (k, builders), os.getpid()),
                                    name="retest-prompt-builder", daemon=True)
            child.start()
            self.outs.append(out)
            self.children.append(child)
        self.out, self.child = self.outs[0], self.children[0]

    def __iter__(self) -> Iterator:
        """Each builder's items in turn, one document at a time (builder k built every n-th document)."""
        from collections import deque

        from ..models import Prompt, RelatedPaper, SentClaim

        pending = [deque() for _ in self.outs]
        turn = 0
        try:
            while True:
                if not pending[turn]:
                    item = self._next(turn)
                    kind = item[0]
                    if kind == "done":
                        return
                    if kind == "fatal":
                        error = RetestError(item[1])
                        error.exit_code = item[2]
                        raise error
                    if kind != "items":
                        raise RuntimeError(item[1])
                    pending[turn].extend(item[1])
                    continue
                one = pending[turn].popleft()
                turn = (turn + 1) % len(self.outs)
                if one[0] == "prompt":
                    data = one[1]
                    claims = [SentClaim.model_construct(**c | {"related": [RelatedPaper.model_construct(**r)
                                                                           for r in c.get("related") or []]})
                              for c in data.pop("claims")]
                    yield Prompt.model_construct(**data, claims=claims)
                else:
                    yield InputFailure(one[1], one[2], one[3])
        finally:
            self.close()

    def _next(self, k: int):
        """Builder k's next hand-over, waiting for it as long as the builder lives."""
        while True:
            try:
                return self.outs[k].get(timeout=1.0)
            except queue_module.Empty:
                if not self.children[k].is_alive():
                    raise RetestError(f"building prompts stopped unexpectedly (exit {self.children[k].exitcode})") \
                        from None

    def close(self) -> None:
        for child in self.children:
            if child.is_alive():
                child.terminate()
            child.join(timeout=5)


class NoDocuments(RetestError):
    """PATHS named no document to build from (an empty folder, …); ``failures`` say why, one per input."""

    def __init__(self, failures: list):
        super().__init__("no documents")
        self.failures = failures


def prompt_source(paths, template, variables, today, model, max_tokens, max_size=10, count_tokens=False,
                  verdicts=True, builders=1, related=None):
    """The prompts for PATHS, built ahead in child processes (``builders`` of them where the documents can be
    split: files, a template per document), and how many there will be (at most). ``send`` and ``batch``
    share it; ``NoDocuments`` when there is nothing to build. ``related``: ``stdin → {related_key:
    ClaimRelated}``, called once here, before any prompt is built (``--related``)."""
    from ..extract.inputs import stdin_now
    from .templates import compile_template, find

    tpl = find(template)
    compile_template(tpl)  # a template that does not parse stops here, before anything is read or sent
    stdin = stdin_now(paths, max_size * 1024 * 1024)
    recipe = Recipe(tuple(paths), template, variables, today.date() if today else None, model, max_tokens,
                    max_size * 1024 * 1024, count_tokens, verdicts, stdin,
                    related=related(stdin) if related is not None else None)
    count = count_documents(tuple(paths))
    if count == 0:  # nothing to send: say why (an empty folder, …) and stop
        raise NoDocuments(list(build_all(recipe)))
    if tpl.kind == "corpus" or "-" in paths or count < 1000:
        builders = 1
    return BuiltElsewhere(recipe, builders), 1 if tpl.kind == "corpus" else count
