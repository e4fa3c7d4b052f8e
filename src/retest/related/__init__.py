"""Literature grounding: the newer papers that cite each claim's papers, from the citation graph.

``lookup`` gathers and ranks (``gather``, ``documents``, ``mapping``), ``openalex`` and ``s2`` speak each
service's protocol behind the small interface in ``service``, ``http`` keeps requests polite and bounded,
``cache`` keeps answers in the archive, ``rank`` says what comes first.

Plain HTTP (``httpx2``, which retest already has through ``openai``) rather than ``pyalex`` or
``semanticscholar``: those keep their key in process-wide settings and put it in URLs their exceptions
print, retry on their own terms (no shared rate limit across concurrent requests, no wall-clock bound
on a whole answer, no cap on its size), and would add ``requests`` besides; the two protocols used here
are four endpoints.
"""

from __future__ import annotations

import datetime as dt
import re

from ..errors import RetestError

_DURATION = re.compile(r"(\d{1,4})\s*([dwmy])")


def parse_since(value: str | None, today: dt.date | None = None) -> dt.date | None:
    """``2025-01-01``, ``2025-01`` or a duration counted back from today: ``90d``, ``8w``, ``6m``, ``1y``."""
    if not value:
        return None
    today = today or dt.date.today()
    text = value.strip().lower()
    m = _DURATION.fullmatch(text)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        if unit in "dw":
            return today - dt.timedelta(days=n * (7 if unit == "w" else 1))
        months = n * (12 if unit == "y" else 1)
        y, mo = divmod(today.year * 12 + today.month - 1 - months, 12)
        if y < 1:
            raise RetestError(f"--since {value}: that is before year 1")
        return dt.date(y, mo + 1, 1)
    for fmt in ("%Y-%m-%d", "%Y-%m"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RetestError(f"--since {value}: give a date (YYYY-MM-DD or YYYY-MM) or a duration such as 6m, 90d or 1y")
