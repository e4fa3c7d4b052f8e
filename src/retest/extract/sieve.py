"""What reads as text but is not a claim: tag lines, rules, a sign-off after the notes, a README's examples."""

from __future__ import annotations

from ..errors import NotAnInquiringLine
from . import dates


def is_tags(line: str) -> bool:
    """A line of nothing but tags (``#reading-notes #to-retest``): a note-taking app's labels, never content. A
    tag holds a character other than a digit (``#1`` is a number), and ``# Title`` is a heading, not a tag."""
    if not line.startswith("#") or line.startswith(("# ", "#\t")):
        return False
    return all(len(t) > 1 and t[0] == "#" and "#" not in t[1:] and not t[1:].isdigit() for t in line.split())


_RULE_OPENERS = frozenset("-*_=~— ")


def is_rule(line: str) -> bool:
    """A horizontal rule (``---``, ``* * *``, ``___``, ``===``): decoration between parts, never text."""
    if line[:1] not in _RULE_OPENERS:  # most lines: one look at the first character
        return False
    bare = line.replace(" ", "")
    return len(bare) >= 3 and bare[0] in "-*_=~—" and bare == bare[0] * len(bare)


def is_code(text: str) -> bool:
    """A "claim" that is code, a command line or a table row: what a README or a manual is made of."""
    if "`" in text or text.startswith(("|", "$ ", ">>> ")):
        return True
    if "--" not in text:  # no option without two hyphens: the split below is for the few texts that have them
        return False
    return any(t.startswith("--") and len(t) > 2 and t[2].isalpha() for t in text.split())  # --an-option


def refuse_a_manual(claims: list[dict]) -> None:
    """A README or a manual can carry the layout's marks (an example of it, say) and read as dozens of
    "claims": when most of them are code, it is not an inquiring line, and sending it would waste money."""
    code = sum(is_code(c["text"]) for c in claims)
    if len(claims) >= 4 and code * 2 > len(claims):
        raise NotAnInquiringLine(f"not an inquiring line: {code} of its {len(claims)} would-be claims are code, "
                                 "command lines or table rows (a README or a manual?)")


def past_the_declared(notes: list[dict], declared: int | None) -> list[dict]:
    """Once the declared notes are all there, what follows is a note only if it has a title, a paper or a date: a
    sign-off, a remark or a label after the list is not a claim to re-test."""
    if declared is None or len(notes) <= declared:
        return notes
    extra = notes[declared:]
    kept = [n for n in extra if n["title"] or n["arxiv_ids"] or dates.find_dates(n["summary"])]
    return notes[:declared] + kept
