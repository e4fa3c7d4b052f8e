"""Month-precision dates as syntheses write them: ``2025-04``, ``Sept 2024``, ranges.

Everything is normalised to ``YYYY-MM`` strings, which sort correctly as text;
day precision is never needed to decide whether a finding is stale.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_FULL = "january february march april may june july august september october november december"
MONTH_NAMES = _FULL.title().split()
SHORT_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"]
# Month words of the languages the headings table knows (es, fr, de, pt, it, nl), as written
# beside citations; abbreviations that are also English words ("set", "out") are left out ("ago" is in:
# an English "ago" is never followed by a year).
_FOREIGN = {
    1: "enero ene janvier janv januar jänner janeiro gennaio genn gen januari",
    2: "febrero février fevrier févr fevr februar fevereiro fev febbraio febbr februari",
    3: "marzo mars märz maerz mrz março marco maart mrt",
    4: "abril abr avril avr aprile",
    5: "mayo mai maio maggio magg mag mei",
    6: "junio juin juni junho giugno giu",
    7: "julio juillet juil juli julho luglio lug",
    8: "agosto ago août aout augustus",
    9: "septiembre setiembre septembre setembro settembre sett",
    10: "octubre octobre oktober okt outubro ottobre ott",
    11: "noviembre novembre novembro",
    12: "diciembre dic décembre decembre déc dezember dez dezembro dicembre",
}
_WORDS = {**{w: n for n, words in _FOREIGN.items() for w in words.split()},
          **{name.lower(): i + 1 for i, name in enumerate(MONTH_NAMES)}}

_ENGLISH = "jan january feb february mar march apr april may jun june jul july aug august sep sept september " \
    "oct october nov november dec december"


def _trie(words: list[str]) -> str:
    """One alternation per first letter, nested: the regex engine rejects a non-month at once."""
    if words == [""]:
        return ""
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[:1], []).append(w[1:])
    parts = []
    for head, tails in sorted(groups.items(), key=lambda kv: kv[0] == ""):
        if head == "":
            continue
        rest = _trie(sorted(set(tails), key=len, reverse=True))
        optional = "" in tails and rest
        parts.append(re.escape(head) + (f"(?:{rest})?" if optional else (f"(?:{rest})" if rest else "")))
    return "|".join(parts)


_MONTH_SET = frozenset(_WORDS.keys() | _ENGLISH.split())
_LONGEST_MONTH = max(map(len, _MONTH_SET))
_MONTH_WORD = "(?:" + _trie(sorted(set(_ENGLISH.split()) | set(_WORDS), key=len, reverse=True)) + r")\.?"
# A single month: ISO ``2025-04`` (optionally with a day), ``2025/04``, ``04/2025``,
# or a month word and year (``Sept 2024``, ``mayo de 2024``).
_ISO = r"(?P<{p}y>(?:19|20)\d\d)(?P<{p}sep>[-/])(?P<{p}m>0[1-9]|1[0-2])(?:(?P={p}sep)\d\d)?(?![\d/])"
_MY = r"(?P<{p}mm>0?[1-9]|1[0-2])/(?P<{p}my>(?:19|20)\d\d)(?![\d/])"
_NAMED = r"(?P<{p}mon>" + _MONTH_WORD + r")\s++(?:de\s++)?(?P<{p}ny>(?:19|20)\d\d)"
# Chinese and Japanese: ``2024年5月``, ``2024年5月12日`` (written straight after other characters).
_CJK = (r"(?P<{p}cy>(?:19|20)\d\d)[ \t]*+年[ \t]*+(?P<{p}cm>1[0-2]|0?[1-9])[ \t]*+月"
        r"(?:[ \t]*+(?:[12]\d|3[01]|0?[1-9])[ \t]*+日)?")
_ONE = r"(?:" + _ISO + "|" + _MY + "|" + _NAMED + ")"
_ONE_CJK = r"(?:" + _ISO + "|" + _MY + "|" + _NAMED + "|" + _CJK + ")"
_START = r"(?<![\w/.-])"  # no word, slash, dot or hyphen before a date…
_START_CJK = r"(?:(?<![\w/.-])|(?<![\d/.-])(?=\d{4}[ \t]*+年))"  # …except before a CJK one (no spaces in Chinese)
# ``Sept 2024–May 2026``, ``2024-09 to 2026-05``, ``Sept–Dec 2024``, ``2023年12月至2024年5月``.
_SEP = r"\s*(?:–|—|-|to|until|through|tot|bis|至|~|〜)\s*"


def _range_source(start: str, one: str) -> str:
    return (start + r"(?:" + one.format(p="a") + _SEP + one.format(p="b") + r"|(?P<smon>" + _MONTH_WORD
            + r")" + _SEP + _NAMED.format(p="e") + r")(?!\d)")


DATE = re.compile(_START + _ONE.format(p="a") + r"(?!\d)", re.IGNORECASE)


@functools.cache
def _date_cjk() -> re.Pattern[str]:
    """Text with 年 in it is searched with the CJK forms too (the plain pattern keeps its fast literal scan)."""
    return re.compile(_START_CJK + _ONE_CJK.format(p="a") + r"(?!\d)", re.IGNORECASE)


def pattern(text: str) -> re.Pattern:
    """The date pattern for ``text``: with the CJK forms when it holds a 年."""
    return _date_cjk() if "年" in text else DATE


# The range pattern names the month words up to four times: with every month word of every language in each,
# it takes ~14 ms to compile, more than the rest of a document's parse. So a range is first found with any word
# of a month's length standing for the month of each whole date, and those words then looked up. The answer is
# the exact pattern's whenever they are all months: such a word must be followed by a dot or a space, so
# wherever the exact pattern takes a month word the loose one takes the same run of letters, and the two
# search alike. When one is not (``Spring 2024 – May 2025``), the exact pattern decides.
_ANY_WORD = r"[^\W\d_]{%d,%d}+\.?" % (min(map(len, _MONTH_SET)), _LONGEST_MONTH)
_LOOSE = ("amon", "bmon", "emon")


@functools.cache
def _range(cjk: bool = False, exact: bool = False) -> re.Pattern[str]:
    """The range pattern, compiled on first use (only a span line needs it); loose unless ``exact``."""
    source = _range_source(_START_CJK, _ONE_CJK) if cjk else _range_source(_START, _ONE)
    for group in () if exact else _LOOSE:
        source = source.replace(f"(?P<{group}>{_MONTH_WORD}", f"(?P<{group}>{_ANY_WORD}")
    return re.compile(source, re.IGNORECASE)


def _range_search(text: str) -> re.Match[str] | None:
    cjk = "年" in text
    m = _range(cjk).search(text)
    if m is None or all(m.group(g) is None or m.group(g).lower().rstrip(".") in _MONTH_SET for g in _LOOSE):
        return m
    return _range(cjk, exact=True).search(text)


_MEMO_CHARS = 2048  # texts up to this long have their dates remembered (256 of them)


@dataclass(frozen=True, slots=True)
class Found:
    """A date (or range) found in text: normalised ends and the span written."""

    start: str
    end: str
    text: str
    pos: int
    stop: int


def _month(word: str) -> int:
    word = word.lower().rstrip(".")
    return _WORDS.get(word) or MONTHS[word[:3]]


def _ym(m: re.Match[str], p: str) -> str | None:
    groups = m.groupdict()
    if groups.get(p + "y"):
        return f"{m.group(p + 'y')}-{m.group(p + 'm')}"
    if groups.get(p + "my"):
        return f"{m.group(p + 'my')}-{int(m.group(p + 'mm')):02d}"
    if groups.get(p + "cy"):
        return f"{m.group(p + 'cy')}-{int(m.group(p + 'cm')):02d}"
    if groups.get(p + "mon"):
        return f"{m.group(p + 'ny')}-{_month(m.group(p + 'mon')):02d}"
    return None


def find_dates(text: str) -> list[Found]:
    """Single dates in ``text`` in order (ranges count as their two ends); a short text is scanned once."""
    return list(_dates_in(text)) if len(text) <= _MEMO_CHARS else _find_dates(text)


@functools.lru_cache(maxsize=256)
def _dates_in(text: str) -> tuple[Found, ...]:
    return tuple(_find_dates(text))


# Every date holds a year, and a scan for a year's first two digits is ~10x faster than trying the date
# pattern at every character: the pattern is tried only where a date holding a year found can start.
_YEAR = re.compile(r"(?:19|20)\d\d")


def _word_before(text: str, k: int) -> int:
    """Where the run of word characters ending at ``k`` starts (``k`` if none; -1 if longer than a month)."""
    w = k
    while w and (text[w - 1].isalnum() or text[w - 1] == "_"):
        w -= 1
        if k - w > _LONGEST_MONTH:
            return -1
    return w


def _month_before(text: str, k: int) -> int:
    """Where a month word (``Sept``, ``Sept.``) that whitespace before ``k`` follows can start, else -1."""
    j = k
    while j and text[j - 1].isspace():
        j -= 1
    if j == k:
        return -1
    if j and text[j - 1] == ".":
        j -= 1
    w = _word_before(text, j)
    return w if 0 <= w < j else -1


def _starts(text: str, y: int) -> list[int]:
    """Where a date whose year starts at ``y`` can start, in order: a month word before it (``Sept 2024``,
    ``mayo de 2024``), its month (``04/2024``), or the year itself (``2024-04``, ``2024年5月``)."""
    if y and text[y - 1] == "/":
        return [y - 3, y - 2, y] if y >= 3 else [y - 2, y] if y == 2 else [y]
    word = _month_before(text, y)
    if word == -1:
        return [y]
    before_de = _month_before(text, word) if y - word >= 3 and text[word + 2 : word + 3].isspace() else -1
    return [before_de, word, y] if before_de != -1 else [word, y]


def matches(date: re.Pattern, text: str):
    """``date.finditer(text)`` for the date patterns, the pattern tried only where a date can start."""
    pos = 0
    year = _YEAR.search(text)
    while year is not None:
        for start in _starts(text, year.start()):
            m = date.match(text, start) if start >= pos else None
            if m is not None:
                yield m
                pos = m.end()
                break
        year = _YEAR.search(text, max(pos, year.end()))


def without_dates(text: str) -> str:
    """``text`` with its dates taken out."""
    out, at = [], 0
    for m in matches(pattern(text), text):
        out.append(text[at : m.start()])
        at = m.end()
    out.append(text[at:])
    return "".join(out)


def _find_dates(text: str) -> list[Found]:
    out = []
    for m in matches(pattern(text), text):
        ym = _ym(m, "a")
        out.append(Found(ym, ym, m.group(0), m.start(), m.end()))
    return out


def find_range(text: str) -> Found | None:
    """The first written range in ``text``, else None."""
    m = _range_search(text)
    if not m:
        return None
    if m.group("smon"):
        end = _ym(m, "e")
        start = f"{end[:4]}-{_month(m.group('smon')):02d}"
    else:
        start, end = _ym(m, "a"), _ym(m, "b")
    return Found(start, end, m.group(0), m.start(), m.end())


def month_name(ym: str, short: bool = False) -> str:
    """``"2024-09"`` → ``"September 2024"`` (or ``"Sept 2024"``)."""
    year, month = ym.split("-")
    names = SHORT_NAMES if short else MONTH_NAMES
    return f"{names[int(month) - 1]} {year}"


def shift(ym: str, months: int) -> str:
    year, month = (int(x) for x in ym.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def of(day: _dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def window(today: _dt.date, months: int) -> str:
    """The last ``months`` months up to ``today``, written as a month range.

    ``window(date(2026, 11, 23), 6)`` → ``"June–November 2026"``.
    """
    end = of(today)
    start = shift(end, -(months - 1))
    if start[:4] == end[:4]:
        return f"{MONTH_NAMES[int(start[5:]) - 1]}–{month_name(end)}"
    return f"{month_name(start)}–{month_name(end)}"
