"""arXiv identifiers: found loosely in prose, validated strictly.

Loose finding matters because models and people write IDs in many forms
(``arXiv: 2504.07912v2``, ``arxiv.org/pdf/2504.07912.pdf``, DOIs). Strict
validation matters because a wrong ID that looks right is exactly what a
hallucinated citation is. A candidate written with an arXiv prefix is always
reported (valid or not, so that checks can call it malformed); a bare number
is reported only when its shape and year-month make it plausibly an ID, so that
dates such as ``2025.04`` or version numbers are never taken for papers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

# The archives that used old-style identifiers (before April 2007).
OLD_ARCHIVES = frozenset(
    """acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn
    chem-ph cmp-lg comp-gas cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat
    hep-ph hep-th math math-ph mtrl-th nlin nucl-ex nucl-th patt-sol physics
    plasm-ph q-alg q-bio quant-ph solv-int supr-con""".split()
)

# Where people read papers, and how they paste them: arXiv's own pages (abs, pdf,
# html, the export mirror), ar5iv, Hugging Face papers, alphaXiv, arXiv DOIs, and
# the textual forms "arXiv:ID", "arXiv ID" and "arXiv.ID" (Semantic Scholar's API
# writes "ARXIV:ID" in its paths).
_URL_PREFIX = (
    r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/"
    r"|(?:https?://)?(?:ar5iv\.labs\.arxiv\.org|ar5iv\.org)/(?:abs|html|pdf)/"
    r"|(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/papers/"
    r"|(?:https?://)?(?:www\.)?alphaxiv\.org/(?:abs|overview|pdf)/"
    r"|(?:https?://)?(?:dx\.)?(?:doi\.org/)?10\.48550/arxiv\."
)
_PREFIX = rf"(?:{_URL_PREFIX}|arxiv\s*:\s*|arxiv\s+|arxiv\.)"
# The scan is anchored on the literal "." of a new-style ID or the "/" of an
# old-style one (regex engines search for a leading literal very fast); the
# digits, prefix and boundaries around it are then checked by hand.
_DOT = re.compile(r"\.([0-9]{4,6})(?:v([0-9]+))?", re.I)
_SLASH = re.compile(r"/([0-9]{7})(?:v([0-9]+))?", re.I)
_PREFIX_END = re.compile(rf"(?<!\w){_PREFIX}$", re.I)
_ARCHIVE_END = re.compile(r"([a-z]+(?:-[a-z]+)?)(?:\.[a-z]{2})?$", re.I)
_BARE_BEFORE = frozenset("_./-")
# Invisible characters that pages copied from the web leave inside identifiers.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_ZW_TABLE = str.maketrans("", "", ZERO_WIDTH)
MEMO_CHARS = 2048  # texts up to this long have their identifiers remembered (256 of them)
MAX_VERSION_DIGITS = 6  # int() of text is bounded: no real paper has a millionth version


def _bare_boundary(text: str, i: int) -> bool:
    """True if a bare ID may start at ``i`` (no word character, dot or slash before it)."""
    return i == 0 or not (text[i - 1].isalnum() or text[i - 1] in _BARE_BEFORE)


def _end_boundary(text: str, i: int) -> bool:
    """True if an ID may end at ``i`` (no word character, nor a dot that starts one, after)."""
    if i >= len(text):
        return True
    c = text[i]
    if c.isalnum() or c == "_":
        return False
    return not (c == "." and i + 1 < len(text) and (text[i + 1].isalnum() or text[i + 1] == "_"))


@dataclass(frozen=True, slots=True)
class ArxivId:
    """One identifier as written: canonical form, version, implied year-month."""

    id: str
    version: int | None
    year: int
    month: int
    start: int = 0
    end: int = 0
    problem: str | None = None
    prefixed: bool = False

    @property
    def valid(self) -> bool:
        return self.problem is None

    @property
    def date(self) -> str:
        """The year-month the identifier implies, as ``YYYY-MM``."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def sequence(self) -> int:
        return int(self.id[-3:]) if "/" in self.id else int(self.id.split(".")[1])

    @property
    def versioned(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id

    def __str__(self) -> str:
        return self.versioned


def _new_style(body: str) -> tuple[str, int, int, str | None]:
    yymm, num = body.split(".")
    yy, mm = int(yymm[:2]), int(yymm[2:])
    year = 2000 + yy
    if not 1 <= mm <= 12:
        return body, year, mm, f"month {mm:02d} does not exist"
    if int(yymm) < 704:
        return body, year, mm, f"new-style IDs start in 0704, not {yymm}"
    want = 4 if int(yymm) <= 1412 else 5
    if len(num) != want:
        return body, year, mm, f"IDs from {yymm} have {want}-digit numbers, not {len(num)}"
    if int(num) == 0:
        return body, year, mm, "sequence number 0 does not exist"
    return body, year, mm, None


def _old_style(archive: str, number: str) -> tuple[str, int, int, str | None]:
    archive = archive.lower()
    yy, mm, seq = int(number[:2]), int(number[2:4]), int(number[4:])
    year = 1900 + yy if yy >= 91 else 2000 + yy
    canonical = f"{archive}/{number}"
    if archive not in OLD_ARCHIVES:
        return canonical, year, mm, f"'{archive}' is not an arXiv archive"
    if not 1 <= mm <= 12:
        return canonical, year, mm, f"month {mm:02d} does not exist"
    if not 199107 <= year * 100 + mm <= 200703:
        return canonical, year, mm, "old-style IDs run from 9107 to 0703"
    if seq == 0:
        return canonical, year, mm, "sequence number 000 does not exist"
    return canonical, year, mm, None


def _make(parsed: tuple[str, int, int, str | None], raw_version: str | None,
          start: int, end: int, prefixed: bool) -> ArxivId:
    canonical, year, month, problem = parsed
    version = None
    if raw_version is not None and len(raw_version) > MAX_VERSION_DIGITS:
        problem = problem or f"a version number of {len(raw_version):,} digits does not exist"
    elif raw_version is not None:
        version = int(raw_version)
    if version == 0 and problem is None:
        problem = "version v0 does not exist"
    return ArxivId(canonical, version, year, month, start, end, problem, prefixed)


def _prefix(text: str, start: int) -> re.Match | None:
    """The arXiv prefix ending at ``start`` (``arXiv:``, a link's path), searched within 45 characters.

    A prefix ending in a colon or a space (not a newline) can only be ``arXiv:`` or ``arXiv `` (the links end
    in "/" or "."): that one place is tried instead of every one of the 45.
    """
    lo = max(0, start - 45)
    end = text[start - 1] if start else "\n"
    if end == "\n" or not (end == ":" or end.isspace()):  # ("$" matches before a final newline too)
        return _PREFIX_END.search(text, lo, start)
    k = start
    while k > lo and text[k - 1].isspace():
        k -= 1
    if k > lo and text[k - 1] == ":":
        k -= 1
        while k > lo and text[k - 1].isspace():
            k -= 1
    return _PREFIX_END.match(text, k - 5, start) if k - 5 >= lo else None


def _new_candidates(text: str):
    for m in _DOT.finditer(text):
        dot = m.start()
        start = dot - 4
        if start < 0 or not text[start:dot].isascii() or not text[start:dot].isdigit():
            continue
        if start > 0 and text[start - 1].isdigit():
            continue
        prefix = _prefix(text, start)
        end = m.end()
        if prefix and text[end : end + 4].lower() == ".pdf":
            end += 4
        if prefix and "/" in prefix.group(0) and len(m.group(1)) == 6:
            continue  # a link whose number is too long is some other page, not a malformed ID
        if not _end_boundary(text, end) or (not prefix and not _bare_boundary(text, start)):
            continue
        parsed = _new_style(text[start : m.end(1)])
        if not prefix and (len(m.group(1)) == 6 or not 1 <= parsed[2] <= 12):
            continue  # a bare number that cannot be an ID is just a number
        yield _make(parsed, m.group(2), prefix.start() if prefix else start, end, bool(prefix))


def _old_candidates(text: str):
    for m in _SLASH.finditer(text):
        if not _end_boundary(text, m.end()):
            continue
        archive = _ARCHIVE_END.search(text, max(0, m.start() - 20), m.start())
        # "arXiv.cs/9112001" (a DOI) reads first as archive "arXiv", class "cs":
        # prefer the rightmost reading that names a real archive.
        if not archive:
            continue
        reading = archive
        while reading and reading.group(1).lower() not in OLD_ARCHIVES:
            reading = _ARCHIVE_END.search(text, reading.start() + 1, m.start())
        archive = reading or archive
        start = archive.start()
        prefix = _prefix(text, start)
        name = archive.group(1).lower()
        if not prefix and (name not in OLD_ARCHIVES or not _bare_boundary(text, start)):
            continue  # ordinary paths such as docs/1234567
        parsed = _old_style(name, m.group(1))
        yield _make(parsed, m.group(2), prefix.start() if prefix else start, m.end(), bool(prefix))


def find_all(text: str) -> list[ArxivId]:
    """Every candidate identifier in ``text``, valid or not, in order.

    Zero-width characters are ignored (an ID copied from a web page may hold
    some); positions are those in ``text`` as given. A short text is scanned
    once however often it is asked about (a note's summary is read for its
    papers, then again as a claim).
    """
    return list(_found(text)) if len(text) <= MEMO_CHARS else _find_all(text)


@functools.lru_cache(maxsize=256)
def _found(text: str) -> tuple[ArxivId, ...]:
    return tuple(_find_all(text))


def _find_all(text: str) -> list[ArxivId]:
    if any(c in text for c in ZERO_WIDTH):
        return _without_zero_width(text)
    return sorted((*_new_candidates(text), *_old_candidates(text)), key=lambda i: i.start)


def _without_zero_width(text: str) -> list[ArxivId]:
    clean = text.translate(_ZW_TABLE)
    where = [i for i, c in enumerate(text) if c not in ZERO_WIDTH]
    where.append(len(text))
    found = sorted((*_new_candidates(clean), *_old_candidates(clean)), key=lambda i: i.start)
    return [replace(i, start=where[i.start], end=where[i.end - 1] + 1 if i.end else where[0]) for i in found]


def find(text: str) -> list[ArxivId]:
    """The valid identifiers in ``text``, in order of appearance."""
    return [i for i in find_all(text) if i.problem is None]


def unique_ids(text: str) -> list[str]:
    """Canonical valid IDs in ``text``, first occurrence first, no repeats."""
    return list(dict.fromkeys(i.id for i in find(text)))


def parse(token: str) -> ArxivId:
    """Parse one identifier in any written form; raise ValueError if it is not one."""
    found = find_all(token.strip())
    if len(found) != 1 or found[0].start != 0 or found[0].end != len(token.strip()):
        raise ValueError(f"not an arXiv identifier: {token!r}")
    if found[0].problem:
        raise ValueError(f"malformed arXiv identifier {token!r}: {found[0].problem}")
    return found[0]


def canonical(token: str) -> str:
    """``arXiv:2504.07912v2`` → ``2504.07912``; ``math.GT/0309136`` → ``math/0309136``."""
    return parse(token).id
