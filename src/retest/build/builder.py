"""Documents + a template → a ``Prompt`` that fits the token budget.

The library behind ``retest build``: render, count, and when over budget find
the fewest cuts of ``context.trim_plan`` that fit. Cuts only ever shorten the
prompt, so the search is a bisection: a few renders whatever the number of
claims, not one per claim.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from ..errors import RetestError
from ..models import Document, Prompt, SentClaim
from .context import Material, Step, context, trim_plan, trimmed
from .templates import Template, find, render
from .tokens import counter


class BudgetError(RetestError):
    """Even the bare prompt does not fit ``--fit-tokens``."""


def build(
    docs: Document | list[Document],
    template: str | Template = "retest",
    *,
    today: dt.date | None = None,
    variables: dict[str, str] | None = None,
    max_tokens: int | None = None,
    model: str | None = None,
    encoding: str | None = None,
    count_tokens: bool = True,
    verdicts: bool = True,
    related: dict | None = None,
) -> Prompt:
    """Render ``template`` over ``docs`` (one document, or several for a corpus template).

    ``count_tokens=False`` skips counting when no budget is given (``send`` counts
    later, and only when the server reports no usage). ``verdicts=False`` leaves
    out the request for a ``retest_verdicts`` block at the end. ``related`` (``{related_key: ClaimRelated}``,
    from ``retest.related``) gives claims their newer papers: the template's ``related``.
    """
    docs = [docs] if isinstance(docs, Document) else list(docs)
    if not docs:
        raise RetestError("nothing to build: no documents")
    tpl = template if isinstance(template, Template) else find(template)
    today = today or dt.date.today()
    variables = variables or {}
    count = counter(model, encoding) if count_tokens or max_tokens is not None else None

    full = Material.of(docs, related)

    def draw(steps: list[Step]) -> tuple[Material, str]:
        material = trimmed(full, steps) if steps else full
        return material, render(tpl, context(material, today, variables, verdicts))

    material, text = draw([])
    tokens = count.count(text) if count else None
    if max_tokens is not None and tokens > max_tokens:
        plan = _visible(trim_plan(full), draw, text)
        fits = lambda k: count.count(draw(plan[:k])[1]) <= max_tokens  # noqa: E731
        if not plan or not fits(len(plan)):
            bare = count.count(draw(plan)[1])
            raise BudgetError(
                f"--fit-tokens {max_tokens}: even the bare prompt is {bare:,} tokens "
                f"({bare - max_tokens:,} over; {count.label})"
            )
        lo, hi = 0, len(plan)  # fits(hi) holds, fits(lo) does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if fits(mid):
                hi = mid
            else:
                lo = mid
        material, text = draw(plan[:hi])
        tokens = count.count(text)
    return Prompt.model_construct(  # made here, of checked parts: nothing to validate
        prompt=text,
        tokens=tokens,
        encoding=count.name if count else None,
        encoding_label=count.label if count else None,
        tokens_estimated=count.fallback if count else False,
        template=tpl.name,
        template_sha256=tpl.sha256,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source=docs[0].source if len(docs) == 1 else [d.source for d in docs],
        source_sha256=docs[0].sha256 if len(docs) == 1 else None,
        titles={d.source: d.title for d in docs if d.title},
        dropped=material.dropped,
        today=today.isoformat(),
        claims=sent_claims(material),
    )


def _visible(plan: list[Step], draw, full_text: str) -> list[Step]:
    """The cuts this template would show: material it never renders is never reported as dropped."""
    keep = []
    for kind in dict.fromkeys(s.kind for s in plan):
        steps = [s for s in plan if s.kind == kind]
        if draw(steps)[1] != full_text:
            keep.append(kind)
    return [s for s in plan if s.kind in keep]


def sent_claims(material: Material) -> list[SentClaim]:
    """The claims the prompt carries, numbered as the model sees them."""
    return [
        SentClaim.model_construct(index=i, text=c.text, date=c.date, arxiv_ids=list(c.arxiv_ids), source=source,
                                  note_title=c.note_title, related=list(r.papers) if r else [])
        for i, (c, source, r) in enumerate(zip(material.claims, material.claim_sources,
                                               material.related or [None] * len(material.claims)), start=1)
    ]
