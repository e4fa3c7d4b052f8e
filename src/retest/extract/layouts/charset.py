"""Characters that only look different: full-width punctuation, no-break spaces and hyphens.

Chinese and Japanese text writes ASCII punctuation in its full-width forms
(``（2023年12月，arXiv：2312.01234）``), word processors and web pages put
no-break spaces between words: both are read as their plain forms, so the
parser's marks (parentheses, colons, question marks) are found in every script.
"""

from __future__ import annotations

# U+FF01–U+FF5E are ASCII 0x21–0x7E shifted; the ideographic space, full stop and comma read as ASCII.
_TABLE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_TABLE.update({0x3000: " ", 0x3002: ".", 0x3001: ",", 0xFF61: ".", 0xFF64: ",",
               0x00A0: " ", 0x202F: " ", 0x2007: " ", 0x2009: " ", 0x200A: " ", 0x2011: "-"})
_FOUND = frozenset(chr(c) for c in _TABLE)


def convert(text: str) -> str:
    """``text`` with full-width ASCII and no-break spaces in their plain forms."""
    if text.isascii() or _FOUND.isdisjoint(text):
        return text
    return text.translate(_TABLE)
