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

import re
from dataclasses import dataclass

# The archives that used old-style identifiers (before April 2007).
OLD_ARCHIVES = frozenset(
    """acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn
    chem-ph cmp-lg comp-gas cond-mat cs dg-ga funct-an gr-qc hep-ex hep-lat
    hep-ph hep-th math math-ph mtrl-th nlin nucl-ex nucl-th patt-sol physics
    plasm-ph q-alg q-bio quant-ph solv-int supr-con""".split()
)

_PREFIX = (
    r"(?:(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/"
    r"|(?:https?://)?(?:dx\.)?(?:doi\.org/)?10\.48550/arxiv\."
    r"|arxiv\s*:\s*|arxiv\s+)"
)
_NEW = r"(?P<new>\d{4}\.\d{4,6})"
_OLD = r"(?P<old>(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[a-z]{2})?/(?P<oldnum>\d{7}))"
_VERSION = r"(?:v(?P<version>\d+))?"

# One pass over the text: an optional prefix, then a new- or old-style body.
# Bare candidates may not touch word characters, dots or slashes on the left,
# nor digits/word characters on the right (no match inside 2401.123456 or
# file_2401.12345.txt).
_PATTERN = re.compile(
    rf"(?:(?<!\w)(?P<prefix>{_PREFIX})|(?<![\w./-]))(?:{_NEW}|{_OLD}){_VERSION}"
    r"(?P<tail>\.pdf)?(?![\w]|\.\w)",
    re.IGNORECASE,
)

# Cheap pre-filter: no digit run of 4+ or no slash-number means no candidates.
_HINT = re.compile(r"\d{4}")


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


def _from_match(m: re.Match[str]) -> ArxivId | None:
    prefixed = m.group("prefix") is not None
    if m.group("new"):
        canonical, year, month, problem = _new_style(m.group("new"))
        if not prefixed and problem and not (1 <= month <= 12):
            return None  # a bare number that cannot be a year-month is not an ID
        if not prefixed and len(m.group("new").split(".")[1]) == 6:
            return None
    else:
        if not prefixed and m.group("archive").lower() not in OLD_ARCHIVES:
            return None  # ordinary paths such as docs/1234567
        canonical, year, month, problem = _old_style(m.group("archive"), m.group("oldnum"))
    raw_version = m.group("version")
    version = int(raw_version) if raw_version is not None else None
    if version == 0 and problem is None:
        problem = "version v0 does not exist"
    return ArxivId(canonical, version, year, month, m.start(), m.end(), problem, prefixed)


def find_all(text: str) -> list[ArxivId]:
    """Every candidate identifier in ``text``, valid or not, in order."""
    if not _HINT.search(text):
        return []
    found = []
    for m in _PATTERN.finditer(text):
        ident = _from_match(m)
        if ident is not None:
            found.append(ident)
    return found


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
