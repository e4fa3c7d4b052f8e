"""Words and identifiers that a line break split, and hard-wrapped paragraphs.

- ``arXiv:hep-`` / ``th/9711200`` and ``arXiv:2311.`` / ``01234``: joined without a space.
- ``reinforce-`` / ``ment``: joined when the joined word is the likelier one — it
  occurs elsewhere in the text more often than the hyphenated form, or the second
  half is a suffix; ``cross-`` / ``entropy`` keeps its hyphen.
- Lines hard-wrapped at a fixed width (e-mail at 72 columns, text browsers at 79)
  are rejoined: a break is a wrap when the next line's first word would not have
  fitted on the line before it; other breaks are the author's.
"""

from __future__ import annotations

import re

_ID_HEAD = re.compile(r"(?:arxiv[ \t]*+[:.]?[ \t]*+|arxiv\.org/(?:abs|pdf|html)/)(?:[a-z]++-|\d{4}\.\d{0,4}+)$", re.I)
_ID_ENDS = frozenset("-.0123456789")
_ID_TAIL_OLD = re.compile(r"^[a-z]++(?:\.[a-z]{2})?/\d{7}", re.I)
_ID_TAIL_NEW = re.compile(r"^\d{1,5}(?!\d)")
_HYPHEN_END = re.compile(r"(?<![\w-])([^\W\d_]{2,}+)-$")
_WORD_START = re.compile(r"^([a-z]{2,}+)")
_WORDS = re.compile(r"[^\W\d_]++(?:-[^\W\d_]++)*+")
_SUFFIXES = frozenset("""ment ments tion tions sion sions ing ings ness ity ities ed er ers ly able ible ance ence
    ous ive al ally ize ized izes ise ised ist ists ism ful less ship ure ures age ant ent ents ic ical ory ary ation
    ations ization ies es ward wards""".split())
_STRUCTURE = re.compile(r"^(?:[#>|•·▪◦‣]|```|~~~|<[/a-z]|[*+-](?=[ \t])|\d{1,3}[.)][ \t]|\(\d{1,2}\)|\[!)")
_MAX_WRAP = 120
_TAIL = 61  # what the joins look at of the line before: 60 characters, and one for a lookbehind


def _has_split_id(text: str) -> bool:
    """Whether some line ends in the first part of an arXiv ID (``str.find`` only: fast on long text)."""
    for spelling in ("rXiv", "rxiv", "RXIV"):
        at = text.find(spelling)
        while at != -1:
            nl = text.find("\n", at, at + 48)
            tail = text[max(0, at - 1) : nl].rstrip() if nl != -1 else ""
            if tail[-1:] == "-" or tail[-1:].isdigit() or tail[-2:-1].isdigit() and tail[-1:] == ".":
                if _ID_HEAD.search(tail):
                    return True
            at = text.find(spelling, at + 5)
    return False


def _tail(pieces: list[str], k: int) -> str:
    """The last ``k`` characters of ``"".join(pieces).rstrip()``, without building the whole line."""
    out: list[str] = []
    n = 0
    for piece in reversed(pieces):
        if not n:
            piece = piece.rstrip()
        if len(piece) > k - n:
            piece = piece[len(piece) - (k - n) :]
        out.append(piece)
        n += len(piece)
        if n >= k:
            break
    return "".join(reversed(out))


def _rstrip(pieces: list[str]) -> None:
    """``pieces`` made to spell their right-stripped concatenation."""
    while len(pieces) > 1 and not pieces[-1].rstrip():
        pieces.pop()
    pieces[-1] = pieces[-1].rstrip()


def _rejoined(lines: list[str], glue) -> str:
    """``lines`` with some breaks taken out, in linear time.

    ``glue(tail, line)`` sees the right-stripped end of the line built so far
    (``_TAIL`` characters at most) and the next line; it returns None to keep
    the break, else ``(cut, text)``: the line built so far is right-stripped,
    loses ``cut`` more characters, and goes on with ``text``. A line is kept in
    pieces while it grows, so that a long chain of joins copies nothing twice.
    """
    out: list[str] = []
    pieces = [lines[0]]
    for line in lines[1:]:
        joined = glue(_tail(pieces, _TAIL), line)
        if joined is None:
            out.append("".join(pieces))
            pieces = [line]
            continue
        cut, text = joined
        _rstrip(pieces)
        if cut:
            pieces[-1] = pieces[-1][:-cut]
        pieces.append(text)
    out.append("".join(pieces))
    return "\n".join(out)


def _id_glue(prev: str, line: str) -> tuple[int, str] | None:
    head = _ID_HEAD.search(prev, max(0, len(prev) - 40)) if prev[-1:] in _ID_ENDS else None
    tail = line.lstrip()
    if head and (_ID_TAIL_OLD.match(tail) if prev.endswith("-") else _ID_TAIL_NEW.match(tail)):
        return 0, tail
    return None


def split_ids(text: str) -> str:
    if not _has_split_id(text):
        return text
    return _rejoined(text.split("\n"), _id_glue)


def _has_broken_word(text: str) -> bool:
    at = text.find("-\n") if "-" in text else -1
    while at != -1:
        if at and text[at - 1].isalpha() and text[at + 2 : at + 3].isalpha():
            return True
        at = text.find("-\n", at + 2)
    return False


def hyphens(text: str) -> str:
    if not _has_broken_word(text):
        return text
    counts: dict[str, int] = {}
    for m in _WORDS.finditer(text.lower()):
        counts[m.group(0)] = counts.get(m.group(0), 0) + 1

    def glue(prev: str, line: str) -> tuple[int, str] | None:
        head = _HYPHEN_END.search(prev, max(0, len(prev) - 60)) if prev.endswith("-") else None
        tail = _WORD_START.match(line.lstrip()) if head else None
        if head and tail:
            a, b = head.group(1).lower(), tail.group(1)
            joined, kept = counts.get(a + b, 0), counts.get(f"{a}-{b}", 0)
            if joined > kept or (joined == kept and b in _SUFFIXES):
                return 1, line.lstrip()
            if a[0].isalpha():
                return 0, line.lstrip()
        return None

    return _rejoined(text.split("\n"), glue)


def _first_word(line: str) -> int:
    stripped = line.lstrip()
    space = stripped.find(" ")
    return len(stripped) if space == -1 else space


def width(text: str) -> int:
    """The longest line's length: the wrap width, when the text is wrapped."""
    return max(map(len, text.split("\n")), default=0)


def reflow(text: str, is_heading, width: int, paged: bool = False) -> str:
    """Rejoin hard-wrapped paragraphs (see the module's docstring); other text is returned as it is.

    Text from a paged medium (``paged``) is set in proportional type, so line
    lengths say little: there every line of a paragraph (lines between blank
    lines) is joined, when paragraphs are marked by blank lines at all.
    """
    lines = text.split("\n")
    if (width > _MAX_WRAP and not paged) or width < 40:
        return text
    paged = paged and sum(1 for l in lines if not l.strip()) * 8 >= len(lines)
    soft = [False] * len(lines)
    fence = False
    for i in range(len(lines) - 1):
        line, nxt = lines[i].rstrip(), lines[i + 1].strip()
        if line.lstrip()[:3] in ("```", "~~~"):
            fence = not fence
        if fence or not line.strip() or not nxt or line.lstrip()[:1] == "#" or (line.endswith("?") and nxt[0].isupper()):
            continue
        if _STRUCTURE.match(nxt) or is_heading(nxt):
            continue
        soft[i] = len(line) + 1 + _first_word(nxt) > width or (paged and not is_heading(line))
    if sum(soft) < 2:
        return text
    out: list[str] = []
    paragraph = [lines[0]]  # kept in pieces while it grows: rejoining stays linear
    for i in range(1, len(lines)):
        if soft[i - 1]:
            paragraph[-1] = paragraph[-1].rstrip()
            paragraph.append(lines[i].strip())
        else:
            out.append(" ".join(paragraph))
            paragraph = [lines[i]]
    out.append(" ".join(paragraph))
    return "\n".join(out)
