"""Documents + a template → a ``Prompt`` that fits the token budget.

The library behind ``retest build``: render, count, and while over budget drop
the least important material (``context.trim_steps``) and render again.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from .context import Material, context, trim_steps
from .errors import RetestError
from .models import Document, Prompt
from .templates import Template, find, render
from .tokens import counter


class BudgetError(RetestError):
    """Even the bare prompt does not fit ``--max-tokens``."""


def build(
    docs: Document | list[Document],
    template: str | Template = "retest",
    *,
    today: dt.date | None = None,
    variables: dict[str, str] | None = None,
    max_tokens: int | None = None,
    model: str | None = None,
    encoding: str | None = None,
) -> Prompt:
    """Render ``template`` over ``docs`` (one document, or several for a corpus template)."""
    docs = [docs] if isinstance(docs, Document) else list(docs)
    if not docs:
        raise RetestError("nothing to build: no documents")
    tpl = template if isinstance(template, Template) else find(template)
    today = today or dt.date.today()
    variables = variables or {}
    count = counter(model, encoding)

    material = Material.of(docs)
    text = render(tpl, context(material, today, variables))
    tokens = count.count(text)
    if max_tokens is not None and tokens > max_tokens:
        for step in trim_steps(material):
            trimmed = render(tpl, context(material, today, variables))
            if trimmed == text:
                continue  # material this template does not show: nothing was dropped
            material.dropped.append(step)
            text, tokens = trimmed, count.count(trimmed)
            if tokens <= max_tokens:
                break
        else:
            raise BudgetError(
                f"--max-tokens {max_tokens}: even the bare prompt is {tokens:,} tokens "
                f"({tokens - max_tokens:,} over; {count.label})"
            )
    return Prompt(
        prompt=text,
        tokens=tokens,
        encoding=count.name,
        encoding_label=count.label,
        template=tpl.name,
        template_sha256=tpl.sha256,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source=docs[0].source if len(docs) == 1 else [d.source for d in docs],
        source_sha256=docs[0].sha256 if len(docs) == 1 else None,
        dropped=material.dropped,
        today=today.isoformat(),
    )
