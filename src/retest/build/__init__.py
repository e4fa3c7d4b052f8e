"""Stage 2, build: ``Document`` + a Jinja template → ``Prompt`` within a token budget.

``builder`` renders and fits the budget, ``context`` decides what a template sees
and what is cut first, ``templates`` and ``sandbox`` find and run templates safely,
``compiled`` keeps compiled templates between runs, ``filters`` writes claims in
the house style, ``tokens`` counts, and ``prompter`` builds ahead of the senders
in a child process.

``build`` and ``BudgetError`` load on first use: importing one of this package's
modules (``templates`` for ``retest templates``, ``verdict_block`` for ``check``)
does not load the builder, pydantic's models and the extract patterns with it.
"""

from __future__ import annotations

__all__ = ["BudgetError", "build"]


def __getattr__(name: str):
    if name in __all__:
        from . import builder

        return getattr(builder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
