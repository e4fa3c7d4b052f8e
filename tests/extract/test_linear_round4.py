"""Extraction takes time linear in the input on very long lines, long chains of joins and many short lines.

Each family grows one adversarial shape: a quadratic pass copies or rescans a
growing line, so it shows only once the input is large. The smaller size is
therefore grown until parsing it takes a twentieth of a second of this process's
own CPU time; eight times the input may then cost at most 24 times as much
(a linear pass costs about 8 times, a quadratic one about 64).
"""

import time

import pytest

from retest.errors import NotAnInquiringLine
from retest.extract import layouts
from retest.extract.parser import parse_raw

HEAD = "INQUIRING LINE\n\nWhy does this hold?\n\nThis reads the question as a test.\n\n"
NOTES = HEAD + "Sources 1 notes\n\nA title?\n\n"
PROMPT = HEAD + ("Research prompt for your LLM\n\nAs an LLM researcher, probe whether x — treating it.\n\n"
                 "What a curated library found — and when (dated claims, not current truth):\n"
                 "• claim (2025-04, arXiv:2504.07912).\n")

# Shapes aimed at the wrappers' pass (``layouts.normalise``): timed alone, since the parser's own linear
# work on the same text would hide a quadratic term there until the input is several megabytes.
WRAPPERS = {
    # the paged-text check once sliced the whole line for each "Page" on it
    "one line of Page words": lambda n: NOTES + "Page " * (400 * n) + "\n",
    "one line of page words": lambda n: NOTES + "a page " * (300 * n) + "\n",
    # each join once copied the line built so far
    "words split by hyphens": lambda n: NOTES + ("reinforce-\nment " + "word " * 40) * (10 * n) + "\n",
    "new-style IDs split across lines": lambda n: NOTES + ("arXiv:2311.\n01234 " + "word " * 40) * (10 * n) + "\n",
    "old-style IDs split across lines": lambda n: NOTES + ("arXiv:hep-\nth/9711200 " + "word " * 40) * (10 * n) + "\n",
    "one hard-wrapped paragraph": lambda n: NOTES + ("word " * 22 + "\n") * (30 * n) + "\n",
    # every line once tried every section phrase of every language
    "many two-character lines": lambda n: NOTES + "x" * 60 + "\n" + "ab\n" * (600 * n),
    "many translated heading lines": lambda n: NOTES + "Fuentes 3 notas\nesto x\n" * (60 * n),
    # each link marker once read its listed URL again
    "link markers to one long URL": lambda n: HEAD + "see [1]a " * (100 * n) + "\n\nReferences\n\n"
        "   1. https://arxiv.org/abs/2504.07912" + "x" * (1000 * n) + "\n",
}
# Shapes aimed at the parser itself.
PARSER = {
    # each further line once re-read everything before it
    "a paper list of many lines": lambda n: NOTES + "A summary.\n" + "".join(
        f"https://arxiv.org/abs/2504.{k % 90000 + 10000:05d}.\n" for k in range(50 * n)),
    "claim continuation lines": lambda n: PROMPT + "More text (2024-05).\n" * (80 * n),
    "anchor label lines": lambda n: PROMPT + "Anchor papers\n• arXiv:2504.07912 label.\n" + ("More " + "label " * 40 + "\n") * (15 * n),
}


def _parse(text: str) -> None:
    try:
        parse_raw(text, "adversarial")
    except NotAnInquiringLine:
        pass


def _cpu(fn, text: str, repeat: int) -> float:
    """The least CPU time of ``repeat`` calls: this process's own, so other work on the machine does not count."""
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn(text)
        best = min(best, time.process_time() - t)
    return best


def _assert_linear(fn, family: str, make) -> None:
    n = 4
    small = _cpu(fn, make(n), 3)
    while small < 0.05 and n < 1 << 14:
        n *= 2
        small = _cpu(fn, make(n), 3)
    large = _cpu(fn, make(8 * n), 2)
    assert large < 20, f"{family}: {large:.1f} s at n={8 * n}"
    assert large / small < 24, f"{family}: {small * 1000:.0f} ms at n={n}, {large * 1000:.0f} ms at 8n"


@pytest.mark.parametrize("family", list(WRAPPERS))
def test_wrapper_time_grows_linearly(family):
    _assert_linear(layouts.normalise, family, WRAPPERS[family])


@pytest.mark.parametrize("family", list(WRAPPERS) + list(PARSER))
def test_extract_time_grows_linearly(family):
    _assert_linear(_parse, family, {**WRAPPERS, **PARSER}[family])
