"""``--online`` wherever verdicts are shown: ask arXiv (and OpenAlex, for retractions) about papers, keep the
answers in the archive, never fail the command over a look-up.

The answers are facts about papers (see ``facts``): once kept, they reach every reply citing the paper. A
look-up that fails is a problem to report in one line; the caller goes on with what the archive knows.
"""

from __future__ import annotations

import os


def openalex_configured() -> bool:
    return bool(os.environ.get("OPENALEX_API_KEY") or os.environ.get("RETEST_OPENALEX_URL"))


def learn(archive, ids: list[str], retraction_ids: list[str] | None = None) -> list[str]:
    """Look ``ids`` up on arXiv and ``retraction_ids`` (default ``ids``) on OpenAlex, each from the archive's
    cache where it is fresh; returns what could not be looked up and why, one line each."""
    from ..errors import RetestError
    from .arxiv_api import OfflineError, verify

    problems = []
    if ids:
        try:
            _, client = verify(ids, archive)
            if client.problems:
                problems.append("--online: " + "; ".join(client.problems))
        except OfflineError as exc:
            problems.append(str(exc))
    wanted = ids if retraction_ids is None else retraction_ids
    if wanted:
        if not openalex_configured():
            problems.append("--online: retractions were not checked (set OPENALEX_API_KEY to ask OpenAlex)")
        else:
            from ..related.lookup import Settings, works_for

            try:
                works_for(wanted, Settings(source="openalex"), archive)
            except RetestError as exc:
                problems.append(f"--online: retractions were not checked ({exc})")
    return problems
