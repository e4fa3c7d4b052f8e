"""Related papers cited by DOI: a paper the prompt supplied (``--related``) with only a DOI is used when the
reply names its DOI (``10.1000/xyz.1``, ``doi:…``, a ``doi.org`` URL), as an arXiv one is by its ID.

Such a citation's ID is ``doi:`` and the DOI in lower case. A supplied paper is real (the citation graph
named it), so it needs no look-up; a DOI the prompt did not supply is not judged here (arXiv cannot say).
"""

from __future__ import annotations

from ..extract import dois
from .citations import CitedId

PREFIX = "doi:"


def is_doi(ident: str) -> bool:
    return ident.startswith(PREFIX)


def label(ident: str) -> str:
    """How a cited ID is shown: ``arXiv:2509.00001``, or ``doi:10.1000/xyz.1`` as it is."""
    return ident if is_doi(ident) else f"arXiv:{ident}"


def by_doi(supplied: list[dict]) -> dict[str, dict]:
    return {p["doi"].lower(): p for p in supplied if isinstance(p.get("doi"), str) and p["doi"]}


def cited(reply: str, supplied: list[dict], have: set[str]) -> list[CitedId]:
    """The supplied papers ``reply`` cites by DOI (those in ``have`` already counted), each once."""
    papers = by_doi(supplied)
    if not papers:
        return []
    out = []
    for doi in dois.find(reply):
        paper = papers.get(doi)
        ident = PREFIX + doi
        if paper is None or ident in have:
            continue
        have.add(ident)
        retracted = bool(paper.get("retracted"))
        out.append(CitedId(ident, ident, "retracted" if retracted else "known", "supplied", online="found",
                           title=paper.get("title"), published=paper.get("date"),
                           detail="the paper is retracted (OpenAlex)" if retracted else None))
    return out


def evidence(item: str, by_id: dict[str, CitedId]) -> list[CitedId]:
    """The supplied papers a verdict's evidence item names by DOI."""
    return [by_id[PREFIX + doi] for doi in dois.find(item) if PREFIX + doi in by_id]
