"""A reply weighed against the claims it was sent: coverage, verdicts, and their evidence.

The claims come from the archive (the prompt's numbered claims) or, for a
file, from the document or prompt given with ``--against``. A claim counts as
re-tested when the reply gives it a verdict (see ``verdicts``), else when it
cites its papers or repeats its distinctive figures. Cited IDs are judged in
``citations``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

from ..extract import arxiv
from .citations import SUSPECT, CitedId, verdicts


@dataclass
class ClaimCoverage:
    index: int
    text: str
    addressed: bool
    via: list[str] = field(default_factory=list)
    status: str | None = None  # the reply's verdict on it, when it gave one
    evidence: list[str] = field(default_factory=list)
    evidence_check: list[dict] = field(default_factory=list)
    supported: bool | None = None
    note: str | None = None
    claim_id: int | None = None


@dataclass
class Report:
    as_of: str
    cited: list[CitedId]
    claims: list[ClaimCoverage]
    verdicts_problem: str | None = None
    verdicts_warnings: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)

    @property
    def suspect_count(self) -> int:
        return sum(c.suspect for c in self.cited)

    @property
    def has_verdicts(self) -> bool:
        return any(c.status for c in self.claims)

    def to_dict(self) -> dict:
        return {
            "as_of": self.as_of,
            "cited": [asdict(c) | {"suspect": c.suspect} for c in self.cited],
            "claims": [asdict(c) for c in self.claims],
            "suspect": self.suspect_count,
            "verdicts_problem": self.verdicts_problem,
            "verdicts_warnings": self.verdicts_warnings,
            "sources": self.sources,
        }


# -- claims ------------------------------------------------------------------------

_SPACED = str.maketrans({"–": "-", "—": "-", "×": "x"})


def _figure_in(figure: str, spaced: str) -> bool:
    """The figure stands in the reply as a whole token: ``8B`` is found in "an 8B model" and "Llama-3-8B", never
    inside a run id such as ``f53c2d8b3070``; spaces and ``~`` between its characters do not matter."""
    from ..build.context import normal_figure

    chars = normal_figure(figure)
    if not chars:
        return False
    body = r"[\s~]*+".join(re.escape(ch) for ch in chars)
    return re.search(rf"(?<![0-9a-z])(?<![0-9]\.){body}(?![0-9a-z])", spaced) is not None


def _mentions(claim, reply: str, spaced: str, cited_ids: set[str]) -> list[str]:
    from ..build.context import figures

    text = claim.text if hasattr(claim, "text") else claim["text"]
    ids = claim.arxiv_ids if hasattr(claim, "arxiv_ids") else claim["arxiv_ids"]
    via = [f"arXiv:{x}" for x in ids if x in cited_ids]
    via += [f for f in figures([_Text(text)]) if _figure_in(f, spaced)]
    title = getattr(claim, "note_title", None) if hasattr(claim, "text") else claim.get("note_title")
    if title and title.lower().rstrip("?") in reply.lower():
        via.append("its question")
    return via


class _Text:
    def __init__(self, text: str):
        self.text = text


def coverage(claims: list, reply: str, cited: list[CitedId], parsed=None,
             sources: list[dict] | None = None) -> list[ClaimCoverage]:
    """Which sent claims the reply speaks to: by its verdict on them, else their papers or figures."""
    cited_ids = {c.id for c in cited}
    spaced = reply.translate(_SPACED).lower()
    given = {v.claim: v for v in (parsed.verdicts if parsed else [])}
    by_id = {c.id: c for c in cited}
    out = []
    for i, claim in enumerate(claims, start=1):
        index = getattr(claim, "index", None) or (claim.get("index") if isinstance(claim, dict) else None) or i
        text = claim.text if hasattr(claim, "text") else claim["text"]
        via = _mentions(claim, reply, spaced, cited_ids)
        cov = ClaimCoverage(index, text, bool(via), via,
                            claim_id=claim.get("claim_id") if isinstance(claim, dict) else None)
        verdict = given.get(index)
        if verdict is not None:
            cov.status, cov.evidence, cov.note = verdict.status, verdict.evidence, verdict.note
            cov.addressed = True
            cov.evidence_check, cov.supported = _check_evidence(verdict.evidence, by_id, sources or [])
        out.append(cov)
    return out


def _check_evidence(evidence: list[str], by_id: dict[str, CitedId],
                    sources: list[dict] | None = None) -> tuple[list[dict], bool | None]:
    """Each evidence item checked: an ID by its citation verdict, a URL against the reply's sources.

    Unsupported when every ID or URL given is suspect (a URL is, unless the reply's source or a real paper).
    """
    from ..extract.paper_urls import paper_of
    from .dois import evidence as doi_evidence
    from .grounding import find_source, is_url, label

    checks = []
    for item in evidence:
        if is_url(item):  # a URL names a paper only on arXiv's own hosts (``paper_urls``)
            paper = paper_of(item.strip().strip("<>()[]"))
            found = [paper] if paper else []
        else:
            found = arxiv.find_all(item)
        source = find_source(item, sources or [])
        if not found and (by_doi := doi_evidence(item, by_id)):
            found = by_doi  # supplied papers named by DOI (--related)
        if not found:
            if source is not None:
                checks.append({"evidence": item, "id": None, "verdict": "source", "suspect": False,
                               "source": label(source), "url": source["url"]})
            elif is_url(item):
                checks.append({"evidence": item, "id": None, "verdict": "not a source of the reply",
                               "suspect": True, "url": item.strip()})
            else:
                checks.append({"evidence": item, "id": None, "verdict": "not an arXiv ID", "suspect": False})
            continue
        for ident in found:
            cited = by_id.get(ident.id)
            verdict = cited.verdict if cited else ("malformed" if ident.problem else "unchecked")
            suspect = cited.suspect if cited else bool(ident.problem)
            check = {"evidence": item, "id": ident.id, "verdict": verdict, "suspect": suspect,
                     "online": cited.online if cited else None}
            if cited is not None and cited.relation == "supplied":
                check["supplied"] = True  # among the newer papers the prompt gave (--related)
            source = source or next((s for s in sources or [] if s.get("arxiv_id") == ident.id), None)
            if source is not None:
                check["source"] = label(source)
            checks.append(check)
    weighed = [c for c in checks if c["id"] or c.get("url")]
    if not weighed:
        return checks, None
    return checks, not all(c["suspect"] for c in weighed)


def prompt_context(prompt: str | None) -> tuple[set[str], list]:
    """The IDs a prompt (or document) names, and the claims it sent, when it has any."""
    if not prompt:
        return set(), []
    from ..errors import NotAnInquiringLine
    from ..extract.parser import parse

    known = {i.id for i in arxiv.find(prompt)}
    try:
        doc = parse(prompt)
    except NotAnInquiringLine:
        return known, []
    known |= set(doc.cited_ids()) | {x for n in doc.notes for x in n.arxiv_ids}
    return known, doc.claims


def check(reply: str, *, prompt: str | None = None, claims: list | None = None,
          as_of: dt.date | None = None, sources: list[dict] | None = None, supplied: list[dict] | None = None) -> Report:
    """Offline check of one reply (and its sources) against the prompt it answered (or the claims it sent).

    ``supplied``: the related papers the prompt gave (``--related``); a cited one is real without a look-up.
    """
    from . import verdicts as verdict_blocks
    from .dois import cited as supplied_dois
    from .grounding import from_sources, give_titles

    as_of = as_of or dt.date.today()
    if claims is None:
        known, claims = prompt_context(prompt)
    else:  # the claims it sent are given: the IDs the prompt names are all it takes, not a parse of it
        known = {i.id for i in arxiv.find(prompt)} if prompt else set()
    for c in claims:
        known |= set(c.arxiv_ids if hasattr(c, "arxiv_ids") else c["arxiv_ids"])
    sources = sources or []
    cited = verdicts(reply, known, as_of)
    cited += from_sources(sources, cited, known, as_of)
    mark_supplied(cited, supplied or [])
    cited += supplied_dois(reply, supplied or [], {c.id for c in cited})
    give_titles(cited, reply, sources)
    parsed = verdict_blocks.parse(reply, len(claims)) if claims else None
    report = Report(as_of.isoformat(), cited, coverage(claims, reply, cited, parsed, sources), sources=sources)
    if parsed is not None:
        report.verdicts_problem, report.verdicts_warnings = parsed.problem, parsed.warnings
    return report


def mark_supplied(cited: list[CitedId], supplied: list[dict]) -> None:
    """IDs the prompt supplied as newer papers: real (the citation graph named them), and retracted where
    OpenAlex said so."""
    by_id = {p["arxiv_id"]: p for p in supplied if p.get("arxiv_id")}
    for c in cited:
        paper = by_id.get(c.id)
        if paper is None or c.verdict == "malformed":
            continue
        c.relation = "supplied"
        c.online = c.online or "found"
        c.published = c.published or paper.get("date")
        c.title = c.title or paper.get("title")
        if paper.get("retracted"):
            c.verdict, c.detail = "retracted", "the paper is retracted (OpenAlex)"


def mark_retracted(report: Report, works: dict) -> None:
    """Fold OpenAlex's ``is_retracted`` into the verdicts: a cited retracted paper is suspect."""
    mark(report, {i for i, work in works.items() if work is not None and work.retracted})


def fold(report, archive) -> None:
    """Apply what the archive knows about the report's cited papers to its verdicts (and their evidence)."""
    ids = [c.id for c in report.cited if c.verdict != "malformed"]
    if not ids:
        return
    # an ID the prompt supplied (--related) is real without an arXiv look-up: its supplied record stands
    lookups = archive.known_lookups([c.id for c in report.cited
                                     if c.verdict != "malformed" and c.relation != "supplied"])
    retracted = archive.retracted_papers(ids)
    if not lookups and not retracted:
        return
    apply_online(report, lookups)
    mark(report, retracted)
    refresh_evidence(report)


def mark(report, retracted: set[str]) -> None:
    """A cited paper OpenAlex marks retracted is suspect: verdict ``retracted``."""
    for c in report.cited:
        if c.id in retracted and c.verdict != "malformed":
            c.verdict, c.detail = "retracted", "the paper is retracted (OpenAlex)"


def check_archived(archive, reply_id: int, *, as_of: dt.date | None = None, online: dict | None = None,
                   save: bool = True) -> Report:
    """Check an archived reply against the claims its prompt sent; store what was found."""
    rec = archive.get(reply_id)
    claims = archive.prompt_claims(rec["prompt_id"])
    as_of = as_of or dt.datetime.fromisoformat(rec["finished_at"] or rec["created_at"]).date()
    report = check(rec["reply"] or "", prompt=rec["prompt"], claims=claims or None, as_of=as_of,
                   sources=archive.sources(reply_id), supplied=archive.prompt_related(rec["prompt_id"]))
    fold(report, archive)  # what is known about the papers it cites, whoever looked them up
    if online:
        apply_online(report, online)
        refresh_evidence(report)
    if save:
        from ..archive.connection import is_storage_failure

        try:
            with archive.transaction():  # all of a reply's verdicts, or none
                store(archive, reply_id, report)
        except Exception as exc:  # noqa: BLE001 — a full disk: the verdicts are shown, read again next time
            if not is_storage_failure(exc):
                raise
    return report


def refresh_evidence(report: Report) -> None:
    by_id = {c.id: c for c in report.cited}
    for cov in report.claims:
        if cov.status:
            cov.evidence_check, cov.supported = _check_evidence(cov.evidence, by_id, report.sources)


def store(archive, reply_id: int, report: Report) -> None:
    archive.save_verdicts(reply_id, report.cited)
    rows = [{"index": c.index, "claim_id": c.claim_id, "status": c.status, "evidence": c.evidence,
             "evidence_check": c.evidence_check, "supported": c.supported, "note": c.note}
            for c in report.claims if c.status]
    note = report.verdicts_problem
    if report.verdicts_warnings:
        note = "; ".join(([note] if note else []) + report.verdicts_warnings)
    archive.save_claim_verdicts(reply_id, rows, note)


def apply_online(report: Report, results: dict[str, dict | None]) -> None:
    """Fold arXiv API results (``None`` = not found) into the report's verdicts."""
    for c in report.cited:
        if c.id not in results:
            continue
        found = results[c.id]
        if found is None:
            c.online = "not-found"
            if c.verdict not in SUSPECT:
                c.verdict, c.detail = "not-found", "arXiv has no paper with this identifier"
        else:
            c.online = "found"
            c.title, c.first_author, c.published = found.get("title"), found.get("first_author"), found.get("published")
    from .grounding import compare_titles

    compare_titles(report.cited)
