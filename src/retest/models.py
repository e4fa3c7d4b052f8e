"""The data passed between stages: parse → Document → render → Prompt.

The JSON of a ``Document`` (``retest extract --json``) is a stable interface;
fields are only ever added to it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

YearMonth = str  # "YYYY-MM"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Citation(_Model):
    """One paper a claim rests on, with the date the claim gives it."""

    arxiv_id: str
    version: int | None = None
    date: YearMonth | None = None
    date_source: Literal["written", "arxiv"] | None = None


class Note(_Model):
    """A source note: its question-form title (when known) and summary."""

    title: str | None = None
    summary: str
    arxiv_ids: list[str] = Field(default_factory=list)


class Claim(_Model):
    """A dated, testable statement — from the research prompt or from a note."""

    text: str
    date: YearMonth | None = None
    arxiv_ids: list[str] = Field(default_factory=list)
    origin: Literal["prompt", "note"]
    citations: list[Citation] = Field(default_factory=list)
    note_title: str | None = None


class Anchor(_Model):
    """A paper the research prompt tells the model to verify first."""

    arxiv_id: str
    version: int | None = None
    date: YearMonth | None = None
    label: str | None = None


class Span(_Model):
    """The dates the findings cover; ``text`` is the span as the document wrote it."""

    start: YearMonth | None = None
    end: YearMonth | None = None
    text: str | None = None


class ResearchPrompt(_Model):
    """The ready-made prompt block some documents end with, kept piece by piece."""

    intro: str | None = None
    role: str | None = None
    topic: str | None = None
    tasks: list[str] = Field(default_factory=list)
    closing: str | None = None


class Document(_Model):
    """Everything retest knows about one inquiring line."""

    source: str
    sha256: str
    title: str | None = None
    framing: list[str] = Field(default_factory=list)
    body: list[str] = Field(default_factory=list)
    declared_notes: int | None = None
    notes: list[Note] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    anchors: list[Anchor] = Field(default_factory=list)
    span: Span = Field(default_factory=Span)
    prompt: ResearchPrompt | None = None
    truncated: bool = False
    warnings: list[str] = Field(default_factory=list)

    def cited_ids(self) -> list[str]:
        """Every arXiv ID the claims and anchors name, first mention first."""
        ids = [i for c in self.claims for i in c.arxiv_ids] + [a.arxiv_id for a in self.anchors]
        return list(dict.fromkeys(ids))


# Which fields hold other models: what ``trusted`` makes them of.
_NESTED: dict[type, dict[str, type]] = {
    Document: {"notes": Note, "claims": Claim, "anchors": Anchor, "span": Span, "prompt": ResearchPrompt},
    Claim: {"citations": Citation},
}


# Documents a process makes without validating: past them, building the schemas (~20 ms) has paid for itself,
# validating being ~40 µs a document faster than constructing.
_MADE_FIRST = 500
_made = 0


def trusted(cls: type[_Model], data: dict):
    """``cls.model_validate(data)`` for data retest made itself, shaped by its own code (the tests hold it to
    that). The first validation in a process builds pydantic's schemas and loads its plugins, ~20 ms: a tenth
    of a one-document ``build``. So the first models a process makes are constructed without it (~2x slower
    each), until the schemas are built anyway or it has made enough for building them to pay. Data from
    outside (files, archives) is always validated."""
    global _made
    if cls.__pydantic_complete__ or _made >= _MADE_FIRST:
        return cls.model_validate(data)
    _made += 1
    return _constructed(cls, data)


def _constructed(cls: type[_Model], data: dict):
    fields = dict(data)
    for name, inner in _NESTED.get(cls, {}).items():
        value = fields.get(name)
        if isinstance(value, list):
            fields[name] = [_constructed(inner, v) if isinstance(v, dict) else v for v in value]
        elif isinstance(value, dict):
            fields[name] = _constructed(inner, value)
    return cls.model_construct(**fields)


class RelatedPaper(_Model):
    """A newer paper that cites one of a claim's papers (``retest related``; ``--related`` puts it in prompts).

    ``arxiv_id``/``doi`` are null when the service gives none; ``retracted`` is null where the service
    cannot say (Semantic Scholar); ``cites`` names which of the claim's papers it cites.
    """

    title: str
    date: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    cited_by_count: int | None = None
    retracted: bool | None = None
    cites: list[str] = Field(default_factory=list)
    source: str


class SentClaim(_Model):
    """A claim as a prompt sent it: numbered, so a reply's verdicts can name it."""

    index: int
    text: str
    date: YearMonth | None = None
    arxiv_ids: list[str] = Field(default_factory=list)
    source: str | None = None
    note_title: str | None = None
    related: list[RelatedPaper] = Field(default_factory=list)  # the newer papers the prompt supplied (--related)


class Prompt(_Model):
    """A rendered prompt: the text and what is needed to reproduce and archive it."""

    prompt: str
    tokens: int | None = None  # None when not counted (send counts only what the server does not)
    encoding: str | None = None
    encoding_label: str | None = None
    tokens_estimated: bool = False  # counted with a stand-in encoding (offline)
    template: str
    template_sha256: str
    sha256: str
    source: str | list[str] | None = None
    source_sha256: str | None = None
    titles: dict[str, str] = Field(default_factory=dict)  # each document's question, by path (for the report)
    dropped: list[str] = Field(default_factory=list)
    today: str
    claims: list[SentClaim] = Field(default_factory=list)


class ClaimRelated(_Model):
    """What ``--related`` gives one claim: the newer papers, best first, and which of its own papers are
    retracted."""

    papers: list[RelatedPaper] = Field(default_factory=list)
    retracted: list[str] = Field(default_factory=list)


def related_key(text: str, date: str | None, arxiv_ids: list[str]) -> str:
    """One claim, however often documents repeat it: what its related papers are looked up by."""
    return "\x1f".join((date or "", ",".join(arxiv_ids), " ".join(text.lower().split())))
