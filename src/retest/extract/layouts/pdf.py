"""Text out of PDFs (``pdftotext``, print to PDF): page furniture, ligatures, soft hyphens.

Repeated headers and footers (a title, a print timestamp, ``Page 2 of 3``, a
URL) sit at page boundaries — form feeds, or the page-number lines themselves —
and recur with only their digits changed: such lines are dropped, and a sentence
that a page break cut is joined again.
"""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}
_PAGE = re.compile(r"^(?:page[ \t]++\d{1,5}(?:[ \t]++of[ \t]++\d{1,5})?|-?[ \t]*+\d{1,5}[ \t]*+-?|"
                   r"\d{1,5}[ \t]*+/[ \t]*+\d{1,5})$", re.I)
_DIGITS = re.compile(r"\d++")
# A print header's timestamp (``1/22/26, 9:14 AM``) or a footer's URL and page (``https://… 1/2``).
_STAMP = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b.{0,12}?\b\d{1,2}:\d\d\b|^https?://\S++[ \t]++\d{1,4}/\d{1,4}$")
_NEAR = 3  # lines from a page boundary where furniture sits
_SENTENCE_END = ".?!:"


def characters(text: str) -> str:
    """Ligature code points as letters (NFKC, for those only); soft hyphens gone."""
    if any(chr(c) in text for c in _LIGATURES):
        text = text.translate(_LIGATURES)
    if "\xad" in text:
        text = text.replace("\xad\n", "").replace("\xad", "")
    return text


_FRACTION = re.compile(r"^(\d{1,3})/(\d{1,3})$")
_GAP = "   "  # pdftotext -layout keeps a footer's place on the line with runs of spaces


def _glued(line: str) -> tuple[str, str] | None:
    """``(text, footer)`` when ``line`` ends with a page footer set beside its text (``…   URL   1/3``)."""
    rest, _, last = line.rstrip().rpartition(" ")
    m = _FRACTION.match(last) if rest.endswith("  ") else None
    if not m or not 0 < int(m.group(1)) <= int(m.group(2)):
        return None
    body = rest.rstrip()
    head, _, token = body.rpartition(" ")
    footer = last
    if token.startswith(("http://", "https://")) and head.endswith(_GAP[1:]):
        body, footer = head.rstrip(), f"{token} {last}"
    elif not rest.endswith(_GAP):
        return None
    return (body, footer) if body.strip() else None


def unglue(text: str) -> str:
    """Page footers that ``pdftotext -layout`` set on a text line, put on lines of their own with the page break.

    Only when at least two lines end so, with the same page count, or one does in a text with page breaks.
    """
    if "/" not in text:
        return text
    lines = text.split("\n")
    found = {}
    for i, line in enumerate(lines):
        if len(line) > 40 and line[-1:].isdigit() and "/" in line[-8:]:
            g = _glued(line)
            if g:
                found[i] = g
    totals = {f[1].rsplit("/", 1)[1] for f in found.values()}
    if not found or len(totals) != 1 or (len(found) < 2 and "\f" not in text):
        return text
    out = []
    for i, line in enumerate(lines):
        if i in found:
            body, footer = found[i]
            out += [body, footer, "\f"]
        else:
            out.append(line)
    return "\n".join(out)


def _shape(line: str) -> str:
    return _DIGITS.sub("#", " ".join(line.split()).lower())


def is_paged(text: str) -> bool:
    """Whether ``text`` came out of a paged medium (form feeds, ``Page N of M`` lines)."""
    if "\f" in text:
        return True
    for tail, heads in (("age ", "Pp"), ("AGE ", "P")):  # "Page ", "page ", "PAGE ": one scan for each ending
        at = text.find(tail, 1)
        while at != -1:
            if text[at - 1] not in heads:
                at = text.find(tail, at + 4)
                continue
            start, end = text.rfind("\n", 0, at) + 1, text.find("\n", at)
            if end == -1:
                end = len(text)
            line = text[start:end].strip()
            if line[:1].isalpha() and _PAGE.match(line):
                return True
            at = text.find(tail, end)  # the next line: each line is looked at once, however many "Page"s it holds
    return False


def convert(text: str) -> str:
    if not is_paged(text):
        return text
    lines = []
    for line in text.split("\n"):
        if "\f" in line:
            parts = line.split("\f")
            for k, part in enumerate(parts):
                if k:
                    lines.append("\f")
                if part.strip():
                    lines.append(part)
        else:
            lines.append(line)
    boundaries = [i for i, l in enumerate(lines) if l == "\f" or (_PAGE.match(l.strip()) and l.strip())]
    boundaries += [0, len(lines) - 1]
    near = set()
    for b in boundaries:
        near.update(range(max(0, b - _NEAR - 1), min(len(lines), b + _NEAR + 2)))
    counts: dict[str, int] = {}
    for i in near:
        if lines[i].strip() and len(lines[i]) <= 120 and "arxiv" not in lines[i].lower():
            counts[_shape(lines[i])] = counts.get(_shape(lines[i]), 0) + 1
    recurring = max(2, (len(boundaries) - 2) // 3)  # on a third of the pages at least
    furniture = {i for i in near if lines[i] == "\f" or (lines[i].strip() and (
        _PAGE.match(lines[i].strip()) or counts.get(_shape(lines[i]), 0) >= recurring
        or (len(lines[i]) <= 120 and _STAMP.search(lines[i].strip()))))}
    full = 0.6 * max((len(l) for i, l in enumerate(lines) if i not in furniture), default=0)
    out: list[str] = []
    cut = False
    for i, line in enumerate(lines):
        if i in furniture:
            cut = True
            continue
        if cut and line.strip():
            last = next((l for l in reversed(out) if l.strip()), "")
            if last and last.rstrip()[-1] not in _SENTENCE_END and len(last) >= full:
                while out and not out[-1].strip():
                    out.pop()  # a sentence the page break cut: its halves meet again
            cut = False
        out.append(line)
    return "\n".join(out)
