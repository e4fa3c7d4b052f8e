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
# Preceded by a word, a closing mark or another title's "?" — i.e. mid-sentence.
_MID = re.compile(rf"(?<=[\w,;:)\]*'\"’”?—–-] )({_QUESTION}\b{_BODY})")
_START = re.compile(rf"(?:^|(?<=[.!] ))({_QUESTION}\b{_BODY})(?=[.,;:)])")


def cited_titles(paragraphs: list[str]) -> list[str]:
    """Titles cited in the body, in order of first citation, without repeats."""
    seen: dict[str, None] = {}
    for para in paragraphs:
        hits = [(m.start(1), m.group(1)) for m in _MID.finditer(para)]
        hits += [(m.start(1), m.group(1)) for m in _START.finditer(para)]
        for _, title in sorted(hits):
            seen.setdefault(title.strip(), None)
    return list(seen)
