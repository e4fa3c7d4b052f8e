"""JSON from outside (a provider, a reply) read with bounds: depth, size, and integers that fit.

``json.loads`` recurses once per nesting level and builds integers of any
size; a payload nested thousands deep or a 5,000-digit count then fails far
from where it was read (RecursionError, OverflowError, ValueError). ``loads``
turns all of these into one ValueError — and refuses values nested deeper
than the caller will walk — in time linear in the text, so that every caller
has one exception to turn into a recorded problem.
"""

from __future__ import annotations

import json
import re

MAX_DEPTH = 64
MAX_INT_DIGITS = 30  # far above any count or ID; SQLite stores at most 19 digits
_TOKENS = re.compile(r'["\[\]{}]')
_STRING_REST = re.compile(r'(?:[^"\\]++|\\.)*+"', re.S)  # possessive: no backtracking
SQLITE_MAX = 2**63 - 1


def _int(text: str) -> int | float:
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else float(text)


def depth(text: str, stop: int | None = None) -> int:
    """The deepest nesting of arrays and objects in JSON ``text`` (strings skipped), in linear time.

    With ``stop``, counting ends as soon as the depth passes it.
    """
    level = deepest = 0
    at = 0
    while m := _TOKENS.search(text, at):
        c = m.group()
        at = m.end()
        if c == '"':
            rest = _STRING_REST.match(text, at)
            if rest is None:
                break  # a string never closed: the rest is inside it (and the text is no JSON)
            at = rest.end()
        elif c in "[{":
            level += 1
            if level > deepest:
                deepest = level
                if stop is not None and deepest > stop:
                    return deepest
        else:
            level -= 1
    return deepest


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, max_chars: int | None = None):
    """``json.loads`` that raises only ValueError: too deep, too long, or not JSON."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if max_chars is not None and len(text) > max_chars:
        raise ValueError(f"longer than {max_chars:,} characters")
    try:
        value = json.loads(text, parse_int=_int)  # the C parser stops itself at the recursion limit
    except RecursionError:
        raise ValueError(f"nested deeper than {max_depth} levels") from None
    except (OverflowError, TypeError) as exc:
        raise ValueError(f"a value too large ({type(exc).__name__})") from None
    if _deeper(value, max_depth):
        raise ValueError(f"nested deeper than {max_depth} levels")
    return value


def _deeper(value, limit: int) -> bool:
    """Whether a parsed value nests deeper than ``limit``: a walk with its own stack, never recursion."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if level > limit:
            return True
        stack.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return False


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
