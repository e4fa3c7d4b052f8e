"""Semantic Scholar's Graph API: papers by ``ARXIV:`` ID, citers page by page.

- resolve: ``POST /graph/v1/paper/batch?fields=…`` with ``{"ids": ["ARXIV:…", …]}``, up to 500 a request;
  the answer is a list in the order asked, ``null`` for a paper it does not know;
- citing: ``GET /graph/v1/paper/ARXIV:{id}/citations?fields=…&offset=&limit=1000`` →
  ``{offset, next, data: [{citingPaper: {…}}]}``. The API cannot sort citers, so at most ``PAGES`` pages
  are read (a paper with 50,000 citers costs three requests) and dates are filtered here.

The key goes in the ``x-api-key`` header (``SEMANTIC_SCHOLAR_API_KEY``); a keyed client may make one
request a second. ``RETEST_S2_URL`` points at a mirror. Retractions are not reported (``retracted`` null).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from .http import OverHttp, Polite, base_url
from .models import (ABSTRACT_MAX, TITLE_MAX, Citing, Work, arxiv_of_doi, bare_doi, clean, clean_count,
                     clean_date)
from .keys import key_from

DEFAULT_URL = "https://api.semanticscholar.org"
KEY_HINT = ("set SEMANTIC_SCHOLAR_API_KEY to a key from "
            "https://www.semanticscholar.org/product/api#api-key-form")
BATCH = 500
LIMIT = 1000
PAGES = 3
RATE = 1.0
FIELDS = "paperId,externalIds,title,publicationDate,citationCount"


class SemanticScholar(OverHttp):
    name = "Semantic Scholar"
    source = "s2"

    def __init__(self):
        self.url = base_url("RETEST_S2_URL", DEFAULT_URL)
        official = urlsplit(self.url).hostname == "api.semanticscholar.org"
        key = key_from("SEMANTIC_SCHOLAR_API_KEY")
        self.http = Polite(self.name, self.url, rate=RATE, concurrency=2, key_hint=KEY_HINT,
                           headers={"x-api-key": key} if key else None, official=official)

    async def resolve(self, ids: list[str]) -> dict[str, Work | None]:
        out: dict[str, Work | None] = {}
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            status, data = await self.http.call("POST", "/graph/v1/paper/batch", {"fields": FIELDS},
                                                {"ids": [f"ARXIV:{i}" for i in batch]})
            if status != 200:
                out.update({i: None for i in batch})
                continue
            if not isinstance(data, list) or len(data) != len(batch):
                raise self.http.problem("answered the batch look-up with something other than one entry per ID")
            for ident, item in zip(batch, data):
                out[ident] = work_of(item)
        return out

    async def citing(self, work: Work, arxiv_id: str, since: str) -> Citing | None:
        works: dict[str, Work] = {}
        offset = 0
        for _ in range(PAGES):
            status, data = await self.http.call(
                "GET", f"/graph/v1/paper/ARXIV:{quote(arxiv_id, safe='')}/citations",
                {"fields": FIELDS.replace("paperId,", "paperId,abstract,"), "offset": str(offset),
                 "limit": str(LIMIT)})
            if status != 200:
                return None if not works else Citing(works=list(works.values()))
            rows = data.get("data") if isinstance(data, dict) else None
            if not isinstance(rows, list):
                raise self.http.problem("answered without a list of citing papers")
            for row in rows[:LIMIT]:
                w = work_of(row.get("citingPaper")) if isinstance(row, dict) else None
                if w is not None and (w.date or "") >= since:
                    works.setdefault(w.key, w)
            nxt = data.get("next")
            if not isinstance(nxt, int) or isinstance(nxt, bool) or nxt <= offset:
                break
            offset = nxt
        return Citing(works=list(works.values()), total=work.cited_by_count)


def work_of(item) -> Work | None:
    if not isinstance(item, dict):
        return None
    key = item.get("paperId")
    title = clean(item.get("title"), TITLE_MAX)
    if not isinstance(key, str) or not key or len(key) > 200 or not title:
        return None
    ext = item.get("externalIds") if isinstance(item.get("externalIds"), dict) else {}
    doi = bare_doi(ext.get("DOI"))
    arxiv_id = None
    if isinstance(ext.get("ArXiv"), str):
        from ..extract import arxiv

        found = arxiv.find("arXiv:" + ext["ArXiv"][:40])
        arxiv_id = found[0].id if found else None
    return Work(key=key, title=title, date=clean_date(item.get("publicationDate")),
                arxiv_id=arxiv_id or arxiv_of_doi(doi), doi=doi, cited_by_count=clean_count(item.get("citationCount")),
                retracted=None, abstract=clean(item.get("abstract"), ABSTRACT_MAX))
