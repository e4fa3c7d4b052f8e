"""OpenAlex's works API: arXiv IDs resolved through arXiv's DOIs, citers by the ``cites:`` filter.

- resolve: ``GET /works?filter=doi:10.48550/arxiv.A|10.48550/arxiv.B|…`` — up to 50 DOIs a request (the
  OR syntax's limit), matched back by DOI, never by position;
- citing: ``GET /works?filter=cites:W…,from_publication_date:YYYY-MM-DD`` twice, one page each, sorted by
  the server — ``cited_by_count:desc`` and ``publication_date:desc`` — so that a paper with 50,000 citers
  costs two requests and the candidates are both the most cited and the newest;
- ``select=`` asks only for the fields used; ``is_retracted`` says when a work was retracted.

The key goes as the ``api_key`` query parameter (``OPENALEX_API_KEY``); ``RETEST_OPENALEX_URL`` points at a
mirror. Each list call is billed (see the README's costs).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .http import KeyProblem, OverHttp, Polite, base_url
from .models import (ABSTRACT_MAX, TITLE_MAX, Citing, Work, arxiv_of_doi, arxiv_of_url, bare_doi, clean,
                     clean_count, clean_date)
from .keys import key_from

DEFAULT_URL = "https://api.openalex.org"
KEY_HINT = "set OPENALEX_API_KEY to your free key from https://openalex.org/settings/api"
OR_LIMIT = 50
PAGE = 50
RATE = 20.0  # requests a second (OpenAlex allows 100)
CONCURRENCY = 8
FIELDS = "id,doi,display_name,publication_date,cited_by_count,is_retracted,locations"


class OpenAlex(OverHttp):
    name = "OpenAlex"
    source = "openalex"

    def __init__(self):
        self.url = base_url("RETEST_OPENALEX_URL", DEFAULT_URL)
        official = urlsplit(self.url).hostname == "api.openalex.org"
        key = key_from("OPENALEX_API_KEY")
        if key is None and official:
            raise KeyProblem(f"OpenAlex wants a free API key since 2026: {KEY_HINT}")
        self.http = Polite(self.name, self.url, rate=RATE, concurrency=CONCURRENCY, key_hint=KEY_HINT,
                           params={"api_key": key} if key else None, official=official)

    async def resolve(self, ids: list[str]) -> dict[str, Work | None]:
        out: dict[str, Work | None] = {}
        for start in range(0, len(ids), OR_LIMIT):
            batch = ids[start : start + OR_LIMIT]
            dois = "|".join(f"10.48550/arxiv.{i}" for i in batch)
            status, data = await self.http.call("GET", "/works", {
                "filter": f"doi:{dois}", "per-page": str(OR_LIMIT), "select": FIELDS})
            found: dict[str, Work] = {}
            if status == 200:
                for work in self._results(data):
                    if work.arxiv_id in batch:
                        found.setdefault(work.arxiv_id, work)
            out.update({i: found.get(i) for i in batch})
        return out

    async def citing(self, work: Work, arxiv_id: str, since: str) -> Citing | None:
        wid = work.key.rsplit("/", 1)[-1]
        seen: dict[str, Work] = {}
        total = None
        for order in ("cited_by_count:desc", "publication_date:desc"):
            status, data = await self.http.call("GET", "/works", {
                "filter": f"cites:{wid},from_publication_date:{since}", "sort": order, "per-page": str(PAGE),
                "select": FIELDS + ",abstract_inverted_index"})
            if status != 200:
                return None
            meta = data.get("meta") if isinstance(data, dict) else None
            if isinstance(meta, dict) and clean_count(meta.get("count")) is not None:
                total = meta["count"]
            for w in self._results(data):
                seen.setdefault(w.key, w)
        return Citing(works=list(seen.values()), total=total)

    def _results(self, data) -> list[Work]:
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise self.http.problem("answered without a list of results")
        return [w for w in map(work_of, results[: PAGE * 4]) if w is not None]


def work_of(item) -> Work | None:
    """One OpenAlex work object → ``Work`` (None when it has no usable ID or title)."""
    if not isinstance(item, dict):
        return None
    key = item.get("id")
    title = clean(item.get("display_name") or item.get("title"), TITLE_MAX)
    if not isinstance(key, str) or not key or len(key) > 200 or not title:
        return None
    doi = bare_doi(item.get("doi"))
    arxiv_id = arxiv_of_doi(doi)
    locations = item.get("locations")
    if arxiv_id is None and isinstance(locations, list):
        for loc in locations[:50]:
            if isinstance(loc, dict):
                arxiv_id = arxiv_of_url(loc.get("landing_page_url")) or arxiv_of_url(loc.get("pdf_url"))
                if arxiv_id:
                    break
    retracted = item.get("is_retracted")
    return Work(key=key, title=title, date=clean_date(item.get("publication_date")), arxiv_id=arxiv_id, doi=doi,
                cited_by_count=clean_count(item.get("cited_by_count")),
                retracted=retracted if isinstance(retracted, bool) else None,
                abstract=abstract_of(item.get("abstract_inverted_index")))


def abstract_of(index) -> str | None:
    """OpenAlex's inverted index (``{word: [positions]}``) back to text, bounded."""
    if not isinstance(index, dict):
        return None
    placed: dict[int, str] = {}
    for word, positions in list(index.items())[:2000]:
        if isinstance(word, str) and isinstance(positions, list):
            for p in positions[:50]:
                if isinstance(p, int) and 0 <= p < 2000:
                    placed[p] = word
    return clean(" ".join(placed[p] for p in sorted(placed)), ABSTRACT_MAX)
