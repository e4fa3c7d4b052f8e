"""Decoration that chat models and note apps put on headings: emoji, symbols, emphasis.

``## 📚 **Sources**`` is the heading ``Sources``: the Markdown marks in front are kept
(the Markdown stage reads them), the pictographs and the emphasis around the words
go. Bullet glyphs (``●``, ``■``, ``✓``…) are not decoration: they mark list items.
"""

from __future__ import annotations

FIRST_SYMBOL = "\u2190"  # no pictograph comes before this (a quick test before ``is_symbol``)
BULLETS = frozenset("•·▪▫◦‣●○■□◆◇►▸▹➢➣➤✓✔❖⦿⁃∙")
_JOINERS = frozenset("\ufe0e\ufe0f\u200d\u20e3 \t")


def is_symbol(c: str) -> bool:
    """A pictograph or dingbat in front of a heading (not a bullet glyph)."""
    o = ord(c)
    return c in _JOINERS or (o >= 0x1F000 and o <= 0x1FAFF) or (0x2190 <= o <= 0x2BFF and c not in BULLETS) \
        or 0x1F3FB <= o <= 0x1F3FF or 0xE0020 <= o <= 0xE007F


def _symbols_off(text: str) -> str:
    k = 0
    while k < len(text) and is_symbol(text[k]):
        k += 1
    return text[k:]


def split(line: str) -> tuple[str, str]:
    """``(prefix, core)``: an ATX heading's ``#…`` marks, and the words without emoji and emphasis."""
    prefix = ""
    if line[:1] == "#":
        k = len(line) - len(line.lstrip("#"))
        if k <= 6 and line[k : k + 1] in (" ", "\t"):
            prefix, line = line[:k] + " ", line[k:].strip()
    core = _symbols_off(line)
    for _ in range(3):  # ``**📚 Sources**``, ``📚 **Sources**``, ``_**Sources**_``
        marks = len(core) - len(core.lstrip("*_"))
        if marks and core.rstrip(":").rstrip().endswith(core[:marks]) and len(core) > 2 * marks:
            body = core.rstrip()
            colon = body.endswith(":")
            body = body.rstrip(":").rstrip()[marks:-marks].strip()
            core = _symbols_off(body) + (":" if colon else "")
        else:
            break
    return prefix, core.strip()


def had_symbols(line: str, prefix: str) -> bool:
    """Whether ``line`` (after ``prefix``) opens with a pictograph."""
    rest = line[len(prefix) :].lstrip("*_ ") if prefix else line.lstrip("*_ ")
    return bool(rest) and is_symbol(rest[0]) and rest[0] not in _JOINERS


def trailing_off(line: str) -> str:
    """``Does X hold? 🧪`` → ``Does X hold?``: pictographs after a sentence's end (kept after other words,
    where they may be all that says a remark ended)."""
    k = len(line)
    while k and is_symbol(line[k - 1]):
        k -= 1
    return line[:k] if k < len(line) and line[:k].rstrip()[-1:] in (".", "?", "!", ")", "]", ":") else line
