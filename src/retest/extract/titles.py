"""Recover note titles from the body, where notes are cited inline by title.

Syntheses cite a note by dropping its question-form title into the middle of a
sentence: "…not a tactic the model elects Does staying close to the base model
preserve learning ability?. That reframes…". A capitalised question word that
does not start a sentence is the tell; a title may also start a sentence when it
is followed straight away by punctuation ("?.", "?,").
"""

from __future__ import annotations

import re

_QUESTION = (
    r"(?:Does|Do|Did|Can|Could|Is|Are|Was|Were|How|What|Why|When|Where|Which|Who|"
    r"Should|Would|Will|Has|Have|Might|May|Must)"
)
# Body of a title: no sentence end inside it (a period must be followed by a
# non-space, as in "GPT-4.5" or "e.g.x"), bounded length.
_BODY = r"(?:[^?!.\n]|\.(?=\S)){8,220}\?"
# Each pattern must end exactly at a "?": the scan visits every "?" (found fast
# with str.find) and searches only the stretch of text before it.
# Mid-sentence: preceded by a word, a closing mark or another title's "?".
_MID = re.compile(rf"(?<=[\w,;:)\]*'\"’”?—–-] ){_QUESTION}\b{_BODY}$")
# Sentence-initial: only when punctuation follows at once ("?.", "?,").
_START = re.compile(rf"(?:^|(?<=[.!] )){_QUESTION}\b{_BODY}$")
_AFTER_START = frozenset(".,;:)")


def cited_titles(paragraphs: list[str]) -> list[str]:
    """Titles cited in the body, in order of first citation, without repeats."""
    seen: dict[str, None] = {}
    for para in paragraphs:
        last = 0
        q = para.find("?")
        while q != -1:
            lo = max(last, q - 230)
            m = _MID.search(para, lo, q + 1)
            if m is None and para[q + 1 : q + 2] in _AFTER_START and q + 1 < len(para):
                m = _START.search(para, lo, q + 1)
            if m is not None:
                seen.setdefault(m.group(0), None)
            last = q + 1
            q = para.find("?", last)
    return list(seen)
