"""The verdicts a reply gives on the claims it was sent, read from its ``retest_verdicts`` block.

Prompts that send claims end by asking for a short block after the prose::

    ```json
    {"retest_verdicts": [{"claim": 1, "status": "holds", "evidence": ["arXiv:2504.13837"], "note": "one line"}]}
    ```

Models write it imperfectly, so it is read leniently: the last such block
wins (fenced or bare, or the whole reply when structured output was asked
for); trailing commas, single quotes, Python literals, claim numbers written
as ``"3"`` or ``"C3"`` and status synonyms are accepted; unknown statuses
become ``unresolved`` with a warning; claims out of range are dropped with a
warning. A reply without a block, or with one that cannot be read, has no
verdicts and a ``problem`` saying why — never an error.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field

from ..build.verdict_block import KEY, SCHEMA, STATUSES, instruction  # noqa: F401  (SCHEMA, STATUSES, instruction: read here too)

MAX_BLOCK = 200_000
MAX_NOTE = 500
_SYNONYMS = {
    "holds": "holds", "hold": "holds", "still holds": "holds", "supported": "holds", "confirmed": "holds",
    "stands": "holds", "valid": "holds", "true": "holds", "replicated": "holds",
    "revised": "revised", "weakened": "revised", "partially holds": "revised", "partial": "revised",
    "modified": "revised", "updated": "revised", "qualified": "revised", "nuanced": "revised",
    "overturned": "overturned", "refuted": "overturned", "contradicted": "overturned", "false": "overturned",
    "superseded": "overturned", "disproved": "overturned",
    "unresolved": "unresolved", "untested": "unresolved", "unknown": "unresolved", "unclear": "unresolved",
    "insufficient evidence": "unresolved", "no new evidence": "unresolved", "open": "unresolved",
}
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+-]*)[^\n]*$", re.M)
_TRAILING_COMMA = re.compile(r",(\s*+[}\]])")
_CLAIM_NUMBER = re.compile(r"\d{1,6}")


@dataclass
class Verdict:
    claim: int
    status: str
    evidence: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass
class Parsed:
    verdicts: list[Verdict]
    warnings: list[str] = field(default_factory=list)
    problem: str | None = None  # why there are no verdicts


def _fenced_blocks(text: str) -> list[str]:
    blocks, opening = [], None
    for m in _FENCE.finditer(text):
        marker = m.group(1)
        if opening is None:
            opening = (marker, m.end())
        elif marker[0] == opening[0][0] and len(marker) >= len(opening[0]) and not m.group(2):
            blocks.append(text[opening[1] : m.start()])
            opening = None
    if opening is not None:  # a block the reply never closed (cut at the output limit)
        blocks.append(text[opening[1] :])
    return blocks


def _bare_object(text: str) -> str | None:
    """The JSON-ish object around the last mention of the key, found by matching braces."""
    at = max(text.rfind(f'"{KEY}"'), text.rfind(f"'{KEY}'"))
    if at == -1:
        return None
    start = text.rfind("{", 0, at)
    if start == -1:
        return None
    depth, quote, escaped = 0, None, False
    for i in range(start, min(len(text), start + MAX_BLOCK)):
        c = text[i]
        if quote:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return text[start : start + MAX_BLOCK]


def _load(block: str):
    return _storable(_load_raw(block))


def _load_raw(block: str):
    from ..util.jsonsafe import depth

    block = block.strip()
    if len(block) > MAX_BLOCK:
        raise ValueError("the block is too long")
    if depth(block, MAX_DEPTH) > MAX_DEPTH:  # before any parser recurses into it
        raise ValueError(f"it is nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(block, parse_int=_int)
    except json.JSONDecodeError:
        pass
    fixed = _TRAILING_COMMA.sub(r"\1", block)
    try:
        return json.loads(fixed, parse_int=_int)
    except json.JSONDecodeError:
        pass
    pythonic = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", re.sub(r"\bnull\b", "None", fixed)))
    try:
        return ast.literal_eval(pythonic)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError("it is not valid JSON") from None


def _int(text: str) -> int | float:
    return int(text) if len(text) <= 30 else float("nan")


def _storable(value, level: int = 0):
    """Strings with lone UTF-16 surrogates (a JSON ``\\ud83d``) made storable: pairs joined, the rest U+FFFD."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if level > MAX_DEPTH:
        return None
    if isinstance(value, list | tuple):
        return [_storable(v, level + 1) for v in value]
    if isinstance(value, dict):
        return {_storable(k, level + 1) if isinstance(k, str) else k: _storable(v, level + 1) for k, v in value.items()}
    return value


MAX_DEPTH = 32


def _claim_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        m = _CLAIM_NUMBER.search(value)
        return int(m.group(0)) if m else None
    return None


def _status(value, warnings: list[str], claim: int) -> str:
    text = " ".join(str(value).lower().replace("_", " ").replace("-", " ").split()) if value is not None else ""
    if text in _SYNONYMS:
        return _SYNONYMS[text]
    warnings.append(f"claim {claim}: unknown status {str(value)[:40]!r}, read as unresolved")
    return "unresolved"


def _evidence(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [str(i).strip()[:200] for i in items if str(i).strip()][:50]


def parse(reply: str, n_claims: int | None = None) -> Parsed:
    """The verdicts in ``reply``'s last ``retest_verdicts`` block (``n_claims`` bounds the numbers)."""
    candidates = [b for b in _fenced_blocks(reply) if KEY in b]
    block = candidates[-1] if candidates else None
    if block is not None and reply.rfind(KEY) > reply.rfind(block) + len(block):
        block = None  # a later, unfenced block wins
    if block is None:
        block = _bare_object(reply)
    if block is None:
        return Parsed([], problem="the reply has no retest_verdicts block")
    try:
        data = _load(block)
    except ValueError as exc:
        return Parsed([], problem=f"its retest_verdicts block cannot be read: {exc}")
    items = data.get(KEY) if isinstance(data, dict) else data if isinstance(data, list) else None
    if not isinstance(items, list):
        return Parsed([], problem="its retest_verdicts block holds no list of verdicts")
    warnings: list[str] = []
    found: dict[int, Verdict] = {}
    for item in items:
        if not isinstance(item, dict):
            warnings.append("an entry that is not an object was skipped")
            continue
        number = _claim_number(item.get("claim", item.get("id", item.get("index"))))
        if number is None:
            warnings.append("an entry without a claim number was skipped")
            continue
        if number < 1 or (n_claims is not None and number > n_claims):
            warnings.append(f"claim {number} is out of range (the prompt sent {n_claims or 0}); skipped")
            continue
        note = item.get("note")
        found[number] = Verdict(number, _status(item.get("status"), warnings, number),
                                _evidence(item.get("evidence")),
                                str(note)[:MAX_NOTE] if note not in (None, "") else None)
    verdicts = [found[k] for k in sorted(found)]
    problem = None if verdicts else "its retest_verdicts block has no usable verdicts"
    return Parsed(verdicts, warnings, problem)
