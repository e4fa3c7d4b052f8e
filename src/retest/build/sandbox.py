"""Where templates run: Jinja's immutable sandbox, with budgets of time and size.

A template is code the user may have downloaded. Jinja's sandbox already keeps
it from Python's internals; this module keeps it from exhausting the machine:

- **Size.** Every operation that can make a value much bigger than its inputs
  (``*``, ``**``, ``%``, ``+``, ``~``, ``lipsum``, padding filters and string
  methods) is checked before it runs, so no single value exceeds
  ``MAX_CHARS``; the rendered output is counted as it is produced.
- **Time.** A watchdog thread raises ``RenderTimeout`` inside a render that
  outlives its deadline (``RETEST_RENDER_TIMEOUT``, default 30 s).
- **Memory.** Values can each stay under ``MAX_CHARS`` and still add up
  (forty ``split()``s of one long string, all kept in variables), and one
  call can build a gigabyte before any watchdog could look (``s|list`` of 12
  million emoji). While a render runs, the process's address space is capped
  (``RLIMIT_AS``) at what it maps now plus ``RETEST_RENDER_MEMORY`` MB
  (default 1024): an allocation past it fails at once, and the render stops
  with the peak near the bound. Where there is no such limit, the watchdog
  checks the process's memory as it runs and stops a render past the bound.
- **Files.** ``ConfinedLoader`` reads only ``*.j2`` files inside its folder,
  after resolving symbolic links, and never a dotfile.
"""

from __future__ import annotations

import ctypes
import os
import re
import threading
import time
from pathlib import Path

from jinja2 import BaseLoader, TemplateNotFound
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from . import address_space

MAX_CHARS = 16_000_000  # ~4M tokens: larger than any model's context
MAX_POWER_BITS = 100_000
DEFAULT_TIMEOUT = 30.0
TEMPLATE_SUFFIX = ".j2"
_DIGITS = re.compile(r"\d++")


class RenderTimeout(Exception):
    """Raised inside a render that ran past its deadline."""


class BudgetExceeded(SecurityError):
    """An operation in a template would build a value over the size budget."""


class _MemoryOver(Exception):
    """Raised inside a render that grew the process past its memory budget."""


DEFAULT_MEMORY_MB = 1024
MEMORY_POLL = 0.05  # seconds between looks at the process's memory while a render runs


def render_memory() -> int:
    """RETEST_RENDER_MEMORY (MB) in bytes: how much a render may add to the process's memory."""
    from ..util.settings import env_number

    value = env_number("RETEST_RENDER_MEMORY", DEFAULT_MEMORY_MB, lambda v: 16 <= v < 1e9,
                       "give a number of megabytes, at least 16")
    return int(value * 1024 * 1024)


def _memory() -> int | None:
    """The process's resident memory in bytes (its peak where the current figure is not to be had)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except (ImportError, OSError, ValueError):
        return None


def render_timeout() -> float:
    from ..util.settings import env_number

    return env_number("RETEST_RENDER_TIMEOUT", DEFAULT_TIMEOUT, lambda v: 0 < v < 1e6,
                      "give a number of seconds above 0")


def _size(value) -> int:
    if isinstance(value, str | bytes | list | tuple):
        return len(value)
    return len(str(value)) if isinstance(value, int | float) else 0


def _over(n: int, what: str) -> None:
    if n > MAX_CHARS:
        raise BudgetExceeded(f"{what} would make a value of {n:,} characters (the limit is {MAX_CHARS:,})")


def _widths(fmt: str) -> int:
    """Sum of the numbers written in a format string: a bound on the widths it asks for."""
    return sum(int(m.group(0)[:12]) for m in _DIGITS.finditer(fmt))


def _ints(args, kwargs) -> int:
    return sum(abs(a) for a in (*args, *kwargs.values()) if isinstance(a, int) and not isinstance(a, bool))


class _CodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a size-checked join."""

    def visit_Concat(self, node, frame) -> None:
        self.write("environment.checked_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.globals["lipsum"] = _lipsum
        for name in ("center", "indent", "wordwrap", "format", "replace", "join", "truncate"):
            if name in self.filters:
                self.filters[name] = _guard_filter(self.filters[name], name)

    def checked_concat(self, values) -> str:
        parts = [v if isinstance(v, str) else str(v) for v in values]
        _over(sum(len(p) for p in parts), "the ~ operator")
        return "".join(parts)

    def call_binop(self, context, operator: str, left, right):
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(n, int) and isinstance(seq, str | list | tuple):
                    _over(len(seq) * max(n, 0), "the * operator")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            if abs(left) > 1 and right * max(abs(left).bit_length(), 1) > MAX_POWER_BITS:
                raise BudgetExceeded(f"{left} ** {right} is too large a number for a template")
        elif operator == "%" and isinstance(left, str):
            right_args = right if isinstance(right, tuple) else (right,)
            _over(len(left) + _widths(left) + _ints(right_args, {}) + sum(_size(a) for a in right_args),
                  "the % operator")
        elif operator == "+" and isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
            _over(len(left) + len(right), "the + operator")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        target = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str):
            name = getattr(target, "__name__", "")
            if name in ("format", "format_map"):
                values = args[0].values() if name == "format_map" and args and isinstance(args[0], dict) else (
                    *args, *kwargs.values())
                _over(len(owner) + _widths(owner) + sum(_size(v) for v in values), f"str.{name}")
            elif name in ("center", "ljust", "rjust", "zfill"):
                _over(len(owner) + _ints(args, kwargs), f"str.{name}")
            elif name == "expandtabs":
                _over(len(owner) * max(_ints(args, kwargs), 8), "str.expandtabs")
            elif name == "replace" and len(args) >= 2 and isinstance(args[1], str):
                _over(len(owner) + (len(owner) + 1) * len(args[1]), "str.replace")
            elif name == "join" and args:
                items = args[0]
                if isinstance(items, list | tuple):
                    _over(sum(_size(i) for i in items) + len(owner) * len(items), "str.join")
        return super().call(__context, __obj, *args, **kwargs)


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
    from jinja2.utils import generate_lorem_ipsum

    if not (0 <= n <= 100 and 0 <= min <= max <= 1000):
        raise BudgetExceeded("lipsum() takes at most 100 paragraphs of at most 1,000 words")
    return generate_lorem_ipsum(n, html, min, max)


def _guard_filter(f, name: str):
    def guarded(*args, **kwargs):
        value = args[0] if args else ""
        if name == "indent":
            lines = str(value).count("\n") + 1
            _over(len(str(value)) + lines * _ints(args[1:], kwargs), "the indent filter")
        elif name == "format":
            fmt = str(value)
            _over(len(fmt) + _widths(fmt) + _ints(args[1:], kwargs) + sum(_size(a) for a in args[1:]),
                  "the format filter")
        elif name == "replace" and len(args) >= 3:
            _over(len(str(value)) + (len(str(value)) + 1) * len(str(args[2])), "the replace filter")
        elif name in ("center", "wordwrap", "truncate"):
            _over(len(str(value)) + _ints(args[1:], kwargs), f"the {name} filter")
        return f(*args, **kwargs)

    guarded.__name__ = getattr(f, "__name__", name)
    for attr in ("jinja_pass_arg",):  # keep Jinja's pass_context / pass_environment marks
        if hasattr(f, attr):
            setattr(guarded, attr, getattr(f, attr))
    return guarded


class ConfinedLoader(BaseLoader):
    """Loads ``*.j2`` templates from one folder: no way out by ``..`` or symlink, no dotfiles."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def get_source(self, environment, template: str):
        parts = [p for p in template.replace("\\", "/").split("/") if p not in ("", ".")]
        if not parts or any(p == ".." or p.startswith(".") for p in parts) or not parts[-1].endswith(
                TEMPLATE_SUFFIX):
            raise TemplateNotFound(template)
        try:
            root = self.folder.resolve(strict=True)
            path = root.joinpath(*parts).resolve(strict=True)
        except (OSError, RuntimeError):
            raise TemplateNotFound(template) from None
        if root not in path.parents or not path.is_file():
            raise TemplateNotFound(template)
        if any(p.startswith(".") for p in path.relative_to(root).parts):
            raise TemplateNotFound(template)
        try:
            source = path.read_text(encoding="utf-8")
            mtime = path.stat().st_mtime
        except (OSError, UnicodeDecodeError):
            raise TemplateNotFound(template) from None
        return source, str(path), lambda: _mtime(path) == mtime


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


# -- the watchdog ---------------------------------------------------------------

_set_async_exc = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.py_object)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi))
_clear_async_exc = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi))


class _Watch:
    __slots__ = ("thread", "deadline", "active", "fired", "limit", "over")

    def __init__(self, thread: int, deadline: float, limit: int | None):
        self.thread, self.deadline, self.active, self.fired = thread, deadline, True, False
        self.limit, self.over = limit, False  # the memory the process may reach, and whether it did


class _Watchdog:
    """One thread for the process: interrupts renders that outlive their deadline."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.watches: set[_Watch] = set()
        self.thread: threading.Thread | None = None
        self.wake_at = float("inf")  # when the thread will look next: a later deadline need not wake it

    def _run(self) -> None:
        with self.lock:
            while True:
                try:
                    self._look()
                except MemoryError:  # the render took what the address-space cap left: look again soon
                    self.lock.wait(0.001)

    def _look(self) -> None:
        now = time.monotonic()
        for watch in [w for w in self.watches if w.deadline <= now]:
            self.watches.discard(watch)
            if watch.active:
                watch.fired = True
                _set_async_exc(watch.thread, RenderTimeout)
        limited = [w for w in self.watches if w.limit is not None]
        if limited:
            used = _memory()
            for watch in limited:
                if used is not None and used > watch.limit and watch.active:
                    self.watches.discard(watch)
                    watch.fired = watch.over = True
                    _set_async_exc(watch.thread, _MemoryOver)
        self.wake_at = min((w.deadline for w in self.watches), default=now + 3600)
        wait = self.wake_at - now
        self.lock.wait(max(min(wait, MEMORY_POLL if limited else wait), 0.001))

    def watch(self, seconds: float, memory: int | None = None) -> _Watch:
        base = _memory() if memory is not None else None
        watch = _Watch(threading.get_ident(), time.monotonic() + seconds,
                       base + memory if base is not None and memory is not None else None)
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="retest-render-watchdog", daemon=True)
                self.thread.start()
            self.watches.add(watch)
            if watch.deadline < self.wake_at or (watch.limit is not None
                                                 and self.wake_at - time.monotonic() > MEMORY_POLL):
                self.lock.notify()  # an earlier deadline, or memory to watch sooner than the next look
        return watch

    def release(self, watch: _Watch) -> bool:
        """Stop watching; True when the deadline had already fired."""
        with self.lock:
            watch.active = False
            self.watches.discard(watch)
            if watch.fired:
                _clear_async_exc(watch.thread, None)  # cancel a delivery still pending
            return watch.fired


WATCHDOG = _Watchdog()


def render(compiled, context: dict, seconds: float | None = None) -> str:
    """Render ``compiled`` within the time, size and memory budgets."""
    seconds = render_timeout() if seconds is None else seconds
    memory = render_memory()
    watch = WATCHDOG.watch(seconds, memory)
    fired = False
    previous = address_space.cap(memory)
    try:
        try:
            parts, total = [], 0
            for chunk in compiled.generate(context):
                total += len(chunk)
                if total > MAX_CHARS:
                    raise BudgetExceeded(f"the output passed {MAX_CHARS:,} characters")
                parts.append(chunk)
        finally:
            address_space.restore(previous)
            fired = WATCHDOG.release(watch)
    except (RenderTimeout, _MemoryOver):
        fired = True
    except MemoryError:  # an allocation past the address-space cap
        watch.over = fired = True
    if watch.over:
        raise BudgetExceeded(f"the template kept more than {memory // 2**20:,} MB of values alive "
                             "(RETEST_RENDER_MEMORY)")
    if fired:
        raise RenderTimeout(f"rendering took longer than {seconds:g} s (RETEST_RENDER_TIMEOUT)")
    return "".join(parts)
