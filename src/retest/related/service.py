"""The small interface both literature services speak, and how one is chosen and keyed.

A service resolves arXiv IDs to its own works (``resolve``: many per request)
and lists the works citing one of them from a date on (``citing``: a page or
two, sorted by the service where it can sort). Keys come from the environment
only, and are registered with ``redact`` so no message can show them.
"""

from __future__ import annotations

from typing import Protocol

from ..errors import RetestError
from .models import Citing, Work

SOURCES = ("openalex", "s2")


class Service(Protocol):
    name: str  # as the user sees it: "OpenAlex", "Semantic Scholar"
    source: str  # as --source and the JSON name it

    async def resolve(self, ids: list[str]) -> dict[str, Work | None]: ...

    async def citing(self, work: Work, arxiv_id: str, since: str) -> Citing | None: ...




def make(source: str):
    """The service for ``--source``, configured from the environment (a ``Polite`` context manager inside)."""
    if source == "openalex":
        from .openalex import OpenAlex

        return OpenAlex()
    if source == "s2":
        from .s2 import SemanticScholar

        return SemanticScholar()
    raise RetestError(f"--source {source}: choose one of {', '.join(SOURCES)}")
