"""The one place secrets are taken out of text that may leave the process.

Every message bound for stderr, a log or the archive passes through ``scrub``.
A key can reach a message in many disguises — as sent, stripped, with its
whitespace escaped (``'sk-…\\r'`` in a repr), collapsed by a formatter that
joins whitespace, or split by a line wrap — so each registered secret is
matched in all of those forms, and any long enough piece of it is removed too.
"""

from __future__ import annotations

import re
import threading

MASK = "***"
_PIECE = 12  # any run of this many characters of a key counts as the key

_lock = threading.Lock()
_secrets: list[str] = []
_pattern: re.Pattern[str] | None = None


def register(secret: str | None) -> None:
    """Remember ``secret`` so that every later ``scrub`` removes it."""
    global _pattern
    if not secret or len(secret.strip()) < 4:
        return
    with _lock:
        if secret not in _secrets:
            _secrets.append(secret)
            _pattern = _compile(_secrets)


def _forms(secret: str) -> set[str]:
    core = secret.strip()
    forms = {secret, core, " ".join(secret.split()), "".join(secret.split())}
    forms.add(repr(secret)[1:-1])  # \r, \n, \t written as escapes
    forms.add(secret.encode("unicode_escape").decode("ascii", "replace"))
    return {f for f in forms if len(f) >= 4}


def _compile(secrets: list[str]) -> re.Pattern[str]:
    alternatives: set[str] = set()
    for secret in secrets:
        alternatives |= _forms(secret)
        core = "".join(secret.split())
        if len(core) > _PIECE:
            alternatives |= {core[i : i + _PIECE] for i in range(len(core) - _PIECE + 1)}
    # Longest first, so a whole key is masked once rather than piece by piece;
    # the alternatives are literals, so matching stays linear in the text.
    ordered = sorted(alternatives, key=len, reverse=True)
    return re.compile("|".join(re.escape(a) for a in ordered))


def scrub(text: str) -> str:
    """``text`` with every form of every registered secret replaced by ``***``."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    out = pattern.sub(MASK, text)
    # pieces of one key next to each other collapse into one mask
    return re.sub(r"(?:\*\*\*[^\s*]{0,11}){2,}", MASK, out) if MASK in out else out


def clear() -> None:
    """Forget every secret (tests)."""
    global _pattern
    with _lock:
        _secrets.clear()
        _pattern = None
