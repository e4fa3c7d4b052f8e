"""The title a reply (or its provider) gives an arXiv ID, weighed against arXiv's own.

The commonest hallucinated citation is a real identifier with a made-up
title, which an existence check cannot see. A title is claimed for an ID by
a source's annotation or search result, by Markdown link text around an
arXiv link, or by a quoted title right beside the ID. It matches arXiv's
title when their words agree as sets (rapidfuzz's token-set similarity, case
and punctuation aside), so a missing or added subtitle still matches.

Only text that reads as a title is compared: not a citation by author and
year (``Liu et al., 2023``), not a phrase that names a link or a paper
without its title (``the paper``, ``Read more here``, ``GPT-3 paper``), and
for a quotation beside an ID, not a quoted finding (one that starts in lower
case, ends as a sentence, or reads as a sentence in sentence case).

Every scan here is a single pass with bounded look-around: linear in the reply.
"""

from __future__ import annotations

import re

from ..extract import arxiv
from ..extract.paper_urls import paper_of

MATCH = 80  # token-set similarity (0–100) at or above which two titles are the same paper's
MAX_TITLE = 300
_LINK = re.compile(r"\[([^\[\]\n]{3,300})\]\(\s*<?([^()\s<>]{1,500})>?\s*\)")
_QUOTES = {"“": "”", '"': '"', "«": "»", "‘": "’"}
_NEAR = 12  # characters of ``, (`` and the like allowed between a quoted title and its ID
_PAGE_ID = re.compile(r"^\s*\[[^\[\]\n]{1,40}\]\s*")  # arXiv pages are titled "[2504.07912] Title"
_PAGE_SUFFIX = re.compile(r"\s+[-|–—]\s+arxiv(?:\.org)?\s*$", re.I)
# "Liu et al., 2023", "Liu and Chen (2023)", "Liu, 2023": who and when, not what
_AUTHOR_YEAR = re.compile(r"\bet\.?\s+al\b|^[^\W\d][\w'’.-]*(?:\s+(?:and|&)\s+[^\W\d][\w'’.-]*)?,?\s+"
                          r"[(\[]?(?:19|20)\d\d[a-z]?[)\]]?$", re.I)
# words that make a short link text a pointer to a paper rather than its title
_POINTERS = frozenset("paper papers preprint pdf abstract article study here link source sources more click read "
                      "see view arxiv this that it".split())
SHORT = 4  # words: a text this short holding a pointer word is no title
# a lower-case verb that makes a sentence-case quotation a finding, not a title
_FINDING_VERBS = frozenset("finds find found shows show showed shown reports reported suggests suggest suggested "
                           "demonstrates demonstrate demonstrated is are was were has have had can cannot "
                           "improves improve outperforms outperform reduces reduce increases increase "
                           "achieves achieve yields yield".split())


def clean(title: str | None) -> str | None:
    """A claimed title without arXiv's page decorations; None when it is no title (a domain, an ID, a word)."""
    if not isinstance(title, str):
        return None
    title = " ".join(title.split())[:MAX_TITLE]
    title = _PAGE_SUFFIX.sub("", _PAGE_ID.sub("", title)).strip(" \"'“”‘’«»*_")
    words = title.split()
    if len(words) < 2 or arxiv.find_all(title):
        return None  # "arxiv.org", "paper", "arXiv:2504.07912" name no paper
    if _AUTHOR_YEAR.search(title):
        return None  # a citation by author and year
    if len(words) <= SHORT and any(w.strip(".,;:!?()'\"").lower() in _POINTERS for w in words):
        return None  # "the paper", "Read more here", "GPT-3 paper"
    return title


def _quoted_title(text: str) -> str | None:
    """A quotation beside an ID, when it reads as a title rather than a quoted finding."""
    title = clean(text)
    if not title or not (title[0].isupper() or title[0].isdigit()) or title[-1] in ".!;,":
        return None
    rest = title.split()[1:]
    capitals = sum(w[:1].isupper() for w in rest)
    if capitals * 3 <= len(rest) and any(w.lower() in _FINDING_VERBS for w in rest):
        return None  # "Models show a U-shaped curve": a sentence, not a title
    return title


def same(a: str, b: str) -> bool:
    from rapidfuzz import fuzz, utils

    return fuzz.token_set_ratio(a, b, processor=utils.default_process) >= MATCH


def claimed(reply: str, sources: list[dict] | None) -> dict[str, str]:
    """``{arXiv ID: the first title given it}``: sources first (the provider's), then the reply's text."""
    out: dict[str, str] = {}
    for s in sources or []:
        title = clean(s.get("title"))
        if s.get("arxiv_id") and title:
            out.setdefault(s["arxiv_id"], title)
    for m in _LINK.finditer(reply):
        found = paper_of(m.group(2))
        title = clean(m.group(1))
        if found and found.valid and title:
            out.setdefault(found.id, title)
    for ident in arxiv.find(reply):
        if ident.id not in out:
            title = _quoted_beside(reply, ident.start, ident.end)
            if title:
                out[ident.id] = title
    return out


def _quoted_beside(text: str, start: int, end: int) -> str | None:
    """A quoted title ending just before ``start`` or starting just after ``end``, on the same line."""
    before = text[max(0, start - _NEAR - MAX_TITLE) : start]
    gap = len(before) - len(before.rstrip(" ,;:(—–-"))
    if gap <= _NEAR and before[: len(before) - gap][-1:] in _QUOTES.values():
        head = before[: len(before) - gap]
        close = head[-1]
        for opening, closing in _QUOTES.items():
            if closing == close:
                at = head.rfind(opening, 0, len(head) - 1)
                if at >= 0 and "\n" not in head[at:]:
                    return _quoted_title(head[at + 1 : -1])
    after = text[end : end + _NEAR + MAX_TITLE]
    lead = len(after) - len(after.lstrip(" ,;:)(—–-"))
    if lead <= _NEAR and after[lead : lead + 1] in _QUOTES:
        opening = after[lead]
        stop = after.find(_QUOTES[opening], lead + 1)
        if stop > 0 and "\n" not in after[lead:stop]:
            return _quoted_title(after[lead + 1 : stop])
    return None
