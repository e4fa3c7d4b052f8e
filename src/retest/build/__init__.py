"""Stage 2, build: ``Document`` + a Jinja template → ``Prompt`` within a token budget.

``builder`` renders and fits the budget, ``context`` decides what a template sees
and what is cut first, ``templates`` and ``sandbox`` find and run templates safely,
``filters`` writes claims in the house style, ``tokens`` counts, and ``prompter``
builds ahead of the senders in a child process.
"""

from .builder import BudgetError, build

__all__ = ["BudgetError", "build"]
