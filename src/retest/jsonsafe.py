"""JSON from outside (a provider, a reply) read with bounds: depth, size, and integers that fit.

``json.loads`` recurses once per nesting level and builds integers of any
size; a payload nested thousands deep or a 5,000-digit count then fails far
from where it was read (RecursionError, OverflowError, ValueError). ``loads``
refuses such text up front with a ValueError, in time linear in its length,
so that every caller has one exception to turn into a recorded problem.
"""

from __future__ import annotations

import json
import re

MAX_DEPTH = 64
MAX_INT_DIGITS = 30  # far above any count or ID; SQLite stores at most 19 digits
_TOKENS = re.compile(r'[\\"\[\]{}]')
SQLITE_MAX = 2**63 - 1


def _int(text: str) -> int | float:
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else float(text)


def depth(text: str, stop: int | None = None) -> int:
    """The deepest nesting of arrays and objects in JSON ``text`` (strings skipped), in linear time.

    With ``stop``, counting ends as soon as the depth passes it.
    """
    level = deepest = 0
    in_string = False
    skip = -1
    for m in _TOKENS.finditer(text):
        at = m.start()
        if at == skip:
            continue
        c = m.group()
        if in_string:
            if c == "\\":
                skip = at + 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            level += 1
            if level > deepest:
                deepest = level
                if stop is not None and deepest > stop:
                    return deepest
        elif c in "]}":
            level -= 1
    return deepest


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, max_chars: int | None = None):
    """``json.loads`` that raises only ValueError: too deep, too long, or not JSON."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if max_chars is not None and len(text) > max_chars:
        raise ValueError(f"longer than {max_chars:,} characters")
    if depth(text, max_depth) > max_depth:
        raise ValueError(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_int=_int)
    except (RecursionError, OverflowError, TypeError) as exc:
        raise ValueError(str(exc) or type(exc).__name__) from None


def storable_int(value) -> int | None:
    """A count as SQLite can hold it: a non-negative integer below 2**63, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 0 <= value <= SQLITE_MAX:
        return value
    return None


def short(value, limit: int = 300) -> str:
    """Any JSON value as one short line of text."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False)
        except (ValueError, TypeError, RecursionError):
            text = repr(type(value))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
