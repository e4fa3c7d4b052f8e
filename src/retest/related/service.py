"""The small interface both literature services speak, and how one is chosen and keyed.

A service resolves arXiv IDs to its own works (``resolve``: many per request)
and lists the works citing one of them from a date on (``citing``: a page or
two, sorted by the service where it can sort). Keys come from the environment
only, and are registered with ``redact`` so no message can show them.
"""

from __future__ import annotations

import os
from typing import Protocol

from ..errors import RetestError
from .models import Citing, Work

SOURCES = ("openalex", "s2")


class Service(Protocol):
    name: str  # as the user sees it: "OpenAlex", "Semantic Scholar"
    source: str  # as --source and the JSON name it

    async def resolve(self, ids: list[str]) -> dict[str, Work | None]: ...

    async def citing(self, work: Work, arxiv_id: str, since: str) -> Citing | None: ...


def key_from(env: str) -> str | None:
    """The key in ``env``, registered as a secret; a key with whitespace is refused (as the model key is)."""
    from ..util.redact import register

    value = os.environ.get(env)
    if not value:
        return None
    register(value)
    if value != value.strip() or any(c.isspace() for c in value):
        raise RetestError(f"{env}: the key has whitespace in it; set it to the key alone")
    return value


def make(source: str):
    """The service for ``--source``, configured from the environment (a ``Polite`` context manager inside)."""
    if source == "openalex":
        from .openalex import OpenAlex

        return OpenAlex()
    if source == "s2":
        from .s2 import SemanticScholar

        return SemanticScholar()
    raise RetestError(f"--source {source}: choose one of {', '.join(SOURCES)}")
