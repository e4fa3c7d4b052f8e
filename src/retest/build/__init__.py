"""Stage 2, build: ``Document`` + a Jinja template → ``Prompt`` within a token budget.

``builder`` renders and fits the budget, ``context`` decides what a template sees
and what is cut first, ``templates`` and ``sandbox`` find and run templates safely,
``filters`` writes claims in the house style, ``tokens`` counts, and ``prompter``
builds ahead of the senders in a child process.
"""

__all__ = ["BudgetError", "build"]


def __getattr__(name: str):
    """``build`` and ``BudgetError`` imported when first asked for, so that a reader of ``sandbox`` alone (the
    report's render deadline) does not load the builder and the pydantic models."""
    if name in __all__:
        from . import builder

        return getattr(builder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
