"""Section headings written in other words: ``Key findings``, ``Papers to verify``, ``Next steps``.

Rewrites by chat models and hand edits keep the layout's sections but not its
words. A heading is recognised only when it is the whole line (a count such as
``(3 notes)`` and a colon aside), so prose that merely starts with "Findings" is
left alone.
"""

from __future__ import annotations

ENGLISH_SECTIONS = {"prompt": "Research prompt for your LLM", "found": "What a curated library found",
                    "anchors": "Anchor papers", "tasks": "Your task:"}
_WORDS = {
    "sources": """sources; notes; source notes; the notes; library notes; references; bibliography; reading list;
        sources and notes; notes and sources; cited notes; evidence; sources cited""",
    "prompt": """research prompt; prompt; llm prompt; the prompt; prompt for your llm; research prompt for an llm;
        prompt for an llm; re-test prompt; retest prompt; prompt to re-test; prompt for the llm""",
    "found": """key findings; main findings; findings; dated findings; what the library found; what was found;
        claims; dated claims; key claims; the claims; findings so far; claims to re-test; what the notes found""",
    "anchors": """key papers; core papers; anchor papers; anchors; papers; papers to verify; papers to check;
        key references; seminal papers; must-read papers; anchor references""",
    "tasks": """your task; your tasks; tasks; task; what to do; to do; todo; next steps; what to re-test;
        instructions; the task""",
}
# Headings over the framing and body, which say nothing the lines under them do not: dropped.
_DROPPED = frozenset(w.strip() for w in """how the question is read; how we read the question; reading the question;
    the question; framing; overview; synthesis; what this explores""".split(";"))
_LABELS = _DROPPED | {"question", "the question", "q"}  # ``Question: Does X?``
_MEANING = {w.strip(): key for key, words in _WORDS.items() for w in words.split(";")}
# ``Span: Feb 2023–May 2024`` and its kin, at the start of a line.
_SPAN = ("time span", "date range", "timeframe", "time frame", "span", "period covered", "dates covered",
         "findings range", "covering")
_FIRST_WORDS = frozenset(w.split()[0] for w in _MEANING) | frozenset(w.split()[0] for w in _SPAN) | frozenset(
    w.split()[0] for w in _DROPPED)
_PUNCT = str.maketrans("():", "   ")
_DASHES = frozenset(("-", "–", "—"))
_COUNTED = frozenset("notes note sources source items item".split())


def heading(line: str) -> tuple[str, str | None] | None:
    """The English heading ``line`` stands for (and None for its language), or None."""
    if len(line) > 60:
        return None
    low = line.lower().replace("’", "'").rstrip(" .:")
    first = low.split(None, 1)[0].rstrip(":(") if low else ""
    if first not in _FIRST_WORDS:
        return None
    words = [w for w in low.translate(_PUNCT).split() if w not in _DASHES]
    count = None
    if len(words) > 1 and words[-1] in _COUNTED and words[-2].isdigit():
        count, words = words[-2], words[:-2]
    elif len(words) > 1 and words[-1].isdigit():
        count, words = words[-1], words[:-1]
    phrase = " ".join(words)
    key = _MEANING.get(phrase)
    if key is None:
        if phrase in _DROPPED and count is None:
            return "", None
        return _span(line, low)
    if key == "sources":
        return (f"Sources {count} notes" if count else "Sources"), None
    if count:
        return None  # "Tasks 3" is no heading the layout has
    return ENGLISH_SECTIONS[key], None


def _span(line: str, low: str) -> tuple[str, str | None] | None:
    for word in _SPAN:
        if low.startswith(word) and low[len(word) : len(word) + 1] == ":":
            return "Findings span " + line[len(word) + 1 :].strip(), None
    return None


def label_off(line: str) -> str | None:
    """``How the question is read: This reads…`` → ``This reads…``: a dropped heading used as a label."""
    colon = line.find(":", 0, 42)
    if colon == -1 or line[:colon].lower().strip() not in _LABELS:
        return None
    low = line[:40].lower()
    for word in _LABELS:
        if low.startswith(word) and low[len(word) : len(word) + 1] == ":" and line[len(word) + 1 :].strip():
            return line[len(word) + 1 :].strip()
    return None
