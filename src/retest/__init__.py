"""retest: re-test dated research findings with large language models.

The pipeline, one package per stage::

    text ─extract→ Document ─build→ Prompt ─send/batch→ Reply ─archive→ SQLite
                                                        └─check→ verdicts ─results→ ledger, report

Names are imported on first use so that ``import retest`` (and the CLI's
start-up) stays cheap.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Anchor": "models", "Citation": "models", "Claim": "models", "Document": "models",
    "Note": "models", "Span": "models",
    "InputError": "errors", "RetestError": "errors",
    "extract_paths": "extract", "load": "extract",
    "parse": "extract.parser",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'retest' has no attribute {name!r}")
