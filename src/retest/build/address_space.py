"""The process's address space, capped while a template renders (``RLIMIT_AS``).

A watchdog that looks at memory every few milliseconds cannot stop one call
that builds a gigabyte at once (``s|list`` of twelve million emoji); a cap on
the address space makes that allocation fail (``MemoryError``) at the bound.
The cap is what the process maps when the render starts plus the render's
budget, and the previous limit comes back when it ends.
"""

from __future__ import annotations

import os


def mapped() -> int | None:
    """The process's address space in bytes (what ``RLIMIT_AS`` counts), where the system says."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def cap(memory: int):
    """Cap the address space at what is mapped now plus ``memory``; returns the limit to restore, or None."""
    try:
        import resource
    except ImportError:
        return None
    now = mapped()
    if now is None:
        return None
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = now + memory
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft != resource.RLIM_INFINITY and soft <= limit:
            return None  # already capped tighter
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):
        return None
    return soft, hard


def restore(previous) -> None:
    if previous is not None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, previous)
