"""Characters that only look different: full-width punctuation, no-break spaces and hyphens.

Chinese and Japanese text writes ASCII punctuation in its full-width forms
(``（2023年12月，arXiv：2312.01234）``), word processors and web pages put
no-break spaces between words: both are read as their plain forms, so the
parser's marks (parentheses, colons, question marks) are found in every script.
"""

from __future__ import annotations

import re

# U+FF01–U+FF5E are ASCII 0x21–0x7E shifted; the ideographic space, full stop and comma read as ASCII.
_TABLE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_TABLE.update({0x3000: " ", 0x3002: ".", 0x3001: ",", 0xFF61: ".", 0xFF64: ",",
               0x00A0: " ", 0x202F: " ", 0x2007: " ", 0x2009: " ", 0x200A: " ", 0x2011: "-"})
_FOUND = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TABLE)) + "]")
# What tells that this module or ``pdf.characters`` (ligatures, soft hyphens) has work: the spaces and hyphen,
# and the full-width punctuation every Chinese or Japanese text holds (single characters: a fast search each).
_TELLS = ("\xa0", "\u202f", "\u2007", "\u2009", "\u200a", "\u2011", "\u3000", "\u3001", "\u3002", "\uff0c",
          "\uff08", "\uff09", "\uff1a", "\uff1f", "\xad", *map(chr, range(0xFB00, 0xFB07)))


def special(text: str) -> bool:
    """Whether ``text`` holds a character this module or ``pdf.characters`` rewrites."""
    if text.isascii():
        return False
    for c in _TELLS:
        if c in text:
            return True
    return False


def convert(text: str) -> str:
    """``text`` with full-width ASCII and no-break spaces in their plain forms."""
    if text.isascii() or not _FOUND.search(text):
        return text
    return text.translate(_TABLE)
