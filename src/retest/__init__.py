"""retest: re-test dated research findings with large language models.

The pipeline, one module per stage::

    text ─parse→ Document ─render→ Prompt ─send→ Reply ─archive→ SQLite
                                                 └─check→ verdicts
"""

from .errors import InputError, RetestError
from .extract import extract_paths, load
from .models import Anchor, Citation, Claim, Document, Note, Span
from .parse import parse

__all__ = [
    "Anchor", "Citation", "Claim", "Document", "InputError", "Note", "RetestError", "Span",
    "extract_paths", "load", "parse",
]
__version__ = "0.1.0"
