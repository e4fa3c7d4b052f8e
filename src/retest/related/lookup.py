"""Documents → each claim's newer papers: from the archive's cache, else from the service, each paper once.

The run gathers every arXiv ID the claims name and every ``(ID, since)`` pair, asks the cache first (unless
``refresh``), asks the service only for what is missing (never with ``offline``), stores each answer with
when it was made, and ranks per claim. With ``strict`` (``build --related``) a service that fails stops
the run (one line naming it); without (``retest related``), what could not be fetched is noted on its claims.
An ID the service does not know is always a note, never a failure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..models import ClaimRelated, Document, RelatedPaper, related_key
from . import cache
from .models import Citing, Work, since_for
from .rank import Scorer, ranked


@dataclass
class Settings:
    source: str = "openalex"
    since: dt.date | None = None
    max: int = 5
    refresh: bool = False
    offline: bool = False
    strict: bool = True
    today: dt.date = field(default_factory=dt.date.today)
    ttl: dt.timedelta = cache.TTL


@dataclass
class ClaimResult:
    text: str
    date: str | None
    arxiv_ids: list[str]
    related: list[RelatedPaper]
    papers: dict[str, dict]  # the claim's own papers: {title, date, retracted} or None when unknown
    notes: list[str]


@dataclass
class DocResult:
    source: str
    title: str | None
    claims: list[ClaimResult]
    anchors: list[tuple[object, ClaimResult]] = field(default_factory=list)  # (Anchor, its newer papers)


@dataclass
class Tally:
    service: str = ""
    requests: int = 0
    cached: int = 0
    fetched: int = 0
    missing: list[str] = field(default_factory=list)  # offline: not in the cache
    failed: list[str] = field(default_factory=list)


class Gathered:
    """Every look-up a set of documents needs, made or read once."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.works: dict[str, Work | None] = {}
        self.citing: dict[tuple[str, str], Citing | None] = {}
        self.problems: dict[str, str] = {}  # arXiv ID (or ID@since) → why it has no answer
        self.tally = Tally()
        self.scorer = Scorer(settings.today)
        self._given: dict[tuple, ClaimRelated] = {}

    def claim(self, text: str, date: str | None, ids: list[str]) -> ClaimResult:
        s = self.settings
        notes, found, papers = [], {}, {}
        name = self.tally.service
        for paper in ids:
            since = since_for(date, paper, s.since)
            problem = self.problems.get(paper) or self.problems.get(f"{paper}@{since}")
            work = self.works.get(paper)
            if problem:
                notes.append(f"arXiv:{paper}: {problem}")
            elif paper in self.works and work is None:
                notes.append(f"arXiv:{paper}: not known to {name}")
            papers[paper] = None if work is None else {"title": work.title, "date": work.date,
                                                       "retracted": work.retracted}
            citing = self.citing.get((paper, since))
            if citing is not None:
                found[paper] = citing.works
            elif work is not None and not problem and (paper, since) in self.citing:
                notes.append(f"arXiv:{paper}: {name} lists no citing papers")
        return ClaimResult(text=text, date=date, arxiv_ids=list(ids), papers=papers, notes=notes,
                           related=ranked(found, text, s.today, s.source, s.max, self.scorer))

    def related_of(self, claim) -> ClaimRelated:
        """What the prompt builder gives ``claim``: one object for every claim given the same papers (made from
        papers ranking already validated, so not validated again)."""
        result = self.claim(claim.text, claim.date, list(claim.arxiv_ids))
        retracted = [p for p, w in result.papers.items() if w and w.get("retracted")]
        key = (tuple(map(id, result.related)), tuple(retracted))  # the papers live as long as the run's Scorer
        made = self._given.get(key)
        if made is None:
            made = self._given[key] = ClaimRelated.model_construct(papers=result.related, retracted=retracted)
        return made


def gather(docs: list[Document], settings: Settings, archive) -> Gathered:
    """Look up everything ``docs`` need (see the module's docstring)."""
    pairs = {(paper, since_for(c.date, paper, settings.since)) for d in docs for c in d.claims for paper in c.arxiv_ids}
    pairs |= {(a.arxiv_id, since_for(a.date, a.arxiv_id, settings.since)) for d in docs for a in d.anchors}
    return gather_pairs(pairs, settings, archive)


def gather_pairs(pairs: set[tuple[str, str]], settings: Settings, archive) -> Gathered:
    from .service import make

    g = Gathered(settings)
    ids = sorted({p for p, _ in pairs})
    g.tally.service = {"openalex": "OpenAlex", "s2": "Semantic Scholar"}.get(settings.source, settings.source)
    if not settings.refresh and archive is not None:
        g.works.update(cache.works(archive, settings.source, ids, settings.ttl))
        g.citing.update(cache.citing(archive, settings.source, sorted(pairs), settings.ttl))
    g.tally.cached = len(g.works) + len(g.citing)
    need_works = [i for i in ids if i not in g.works]
    need_citing = sorted(k for k in pairs if k not in g.citing and not (k[0] in g.works and g.works[k[0]] is None))
    if settings.offline:
        for i in need_works:
            g.problems[i] = "not in the cache (asked --offline)"
        for i, since in need_citing:
            if i not in g.problems:
                g.problems[f"{i}@{since}"] = "its citing papers are not in the cache (asked --offline)"
        g.tally.missing = need_works + [f"{i}@{s}" for i, s in need_citing]
        return g
    if not need_works and not need_citing:
        return g
    import asyncio  # here: a run answered from the cache needs no event loop

    service = make(settings.source)
    asyncio.run(_fetch(service, g, need_works, need_citing, archive))
    g.tally.requests = service.http.requests
    return g


async def _fetch(service, g: Gathered, need_works: list[str], need_citing: list[tuple[str, str]], archive) -> None:
    import asyncio

    from .http import KeyProblem, ServiceError

    strict = g.settings.strict
    async with service:
        if need_works:
            try:
                fresh = await service.resolve(need_works)
            except KeyProblem:
                raise
            except ServiceError as exc:
                if strict:
                    raise
                for i in need_works:
                    g.problems[i] = f"could not be looked up ({exc})"
                g.tally.failed += need_works
                fresh = {}
            g.works.update(fresh)
            if archive is not None and fresh:
                _keep(cache.store_works, archive, g.settings.source, fresh)
        todo = [(i, since) for i, since in need_citing if g.works.get(i) is not None]

        async def one(key):
            try:
                citing = await service.citing(g.works[key[0]], key[0], key[1])
            except KeyProblem:
                raise
            except ServiceError as exc:
                if strict:
                    raise
                g.problems[f"{key[0]}@{key[1]}"] = f"its citing papers could not be fetched ({exc})"
                g.tally.failed.append(key[0])
                return
            g.citing[key] = citing if citing is not None else Citing()
            g.tally.fetched += 1
            if archive is not None:  # kept as it arrives: an interrupted or failed run resumes from here
                _keep(cache.store_citing, archive, g.settings.source, {key: g.citing[key]})

        await asyncio.gather(*(one(k) for k in todo))


def _keep(store, *args) -> None:
    """Cache what was fetched; an archive that cannot be written (read-only, a full disk) only loses the cache."""
    import sqlite3

    from ..archive import ArchiveError

    try:
        store(*args)
    except (sqlite3.Error, ArchiveError, OSError):
        pass


def documents(docs: list[Document], g: Gathered) -> list[DocResult]:
    return [DocResult(source=d.source, title=d.title,
                      claims=[g.claim(c.text, c.date, list(c.arxiv_ids)) for c in d.claims],
                      anchors=[(a, g.claim(a.label or "", a.date, [a.arxiv_id])) for a in d.anchors]) for d in docs]


def mapping(docs: list[Document], g: Gathered) -> dict[str, ClaimRelated]:
    """``{related_key: ClaimRelated}`` for every claim of ``docs``: what the prompt builder is given."""
    out: dict[str, ClaimRelated] = {}
    for d in docs:
        for c in d.claims:
            key = related_key(c.text, c.date, list(c.arxiv_ids))
            if key not in out:
                out[key] = g.related_of(c)
    return out


def works_for(ids: list[str], settings: Settings, archive) -> dict[str, Work | None]:
    """The service's works for ``ids`` (``None``: not known), from the cache where possible: what
    ``check --online`` asks OpenAlex about retractions."""
    found: dict[str, Work | None] = {}
    if archive is not None and not settings.refresh:
        found.update(cache.works(archive, settings.source, ids, settings.ttl))
    missing = [i for i in ids if i not in found]
    if missing and not settings.offline:
        import asyncio

        from .service import make

        service = make(settings.source)

        async def ask():
            async with service:
                return await service.resolve(missing)

        fresh = asyncio.run(ask())
        found.update(fresh)
        if archive is not None and fresh:
            _keep(cache.store_works, archive, settings.source, fresh)
    return found
