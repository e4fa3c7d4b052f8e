"""Parsing and checking take time linear in the input, whatever the input.

Each case is a family of adversarial documents (or replies) of growing size,
each aimed at a pattern that once backtracked. A linear parser takes about 8x
as long for 8x the input; a quadratic one about 64x. The test fails above 24x.
"""

import time

import pytest

from retest.check.reply import check
from retest.extract.parser import parse_raw

HEAD = "INQUIRING LINE\n\nWhy does this hold?\n\nThis reads the question as a test.\n\n"


def _sources(line: str) -> str:
    return HEAD + "Sources 1 notes\n\nA note title?\n\n" + line + "\n"


def _prompt(bullet: str) -> str:
    return (HEAD + "Research prompt for your LLM\n\nAs an LLM researcher, probe whether x — treating it.\n\n"
            "What a curated library found — and when (dated claims, not current truth):\n"
            f"• {bullet}\n\nYour task:\n(1) Go.\n\nCite arXiv IDs.\n")


FAMILIES = {
    "linked ids then a parenthesis": lambda n: _sources(" ".join(["https://arxiv.org/abs/2504.07912"] * n) + " ("),
    "spaces before a fold marker": lambda n: _sources("x" + " " * (40 * n) + "y ↓"),
    "sources line of punctuation": lambda n: HEAD + "Sources" + "!" * (40 * n) + "x\n\nA note.\n",
    "a run of digits in a claim": lambda n: _prompt("1" * (40 * n) + " (2025-04, arXiv:2504.07912)."),
    "many papers split by semicolons": lambda n: _prompt(
        "; ".join(f"2025-0{1 + k % 9}, arXiv:2504.{10000 + k:05d}" for k in range(n)) + " claim"),
    "spaces before no parenthesis": lambda n: _prompt("claim" + " " * (40 * n) + "x."),
    "hard-wrapped continuation lines": lambda n: HEAD + "Sources 1 notes\n\nA title?\n\n" + "word\n" * (8 * n),
    "repeated topic openers": lambda n: HEAD + "Research prompt for your LLM\n\nAs an LLM researcher, "
        + "probe whether " * (3 * n) + "x.\n\nYour task:\n(1) Go.\n\nEnd.\n",
    "question words without end": lambda n: HEAD + "Sources 1 notes\n\nA note?\n\nsummary.\n" + (
        "This explores " + "so Does it hold " * (3 * n) + "?.\n"),
    "month names before spaces": lambda n: _prompt(("Jan" + " " * 30) * n + "claim (2025-04)."),
    "open parentheses in a bullet": lambda n: _prompt("(" * (40 * n) + " claim (2025-04, arXiv:2504.07912)."),
}


def _best(fn, arg, repeat=3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(arg)
        best = min(best, time.perf_counter() - t)
    return best


def _growth(fn, make) -> tuple[float, float, int]:
    n = 16
    small = _best(fn, make(n))
    while small < 0.02 and n < 1 << 16:
        n *= 2
        small = _best(fn, make(n))
    large = _best(fn, make(8 * n), repeat=2)
    return small, large, n


@pytest.mark.parametrize("family", list(FAMILIES))
def test_parser_time_grows_linearly(family):
    make = FAMILIES[family]
    small, large, n = _growth(lambda text: parse_raw(text, "adversarial"), make)
    assert large < 10, f"{family}: {large:.1f} s at n={8 * n}"
    assert large / small < 24, f"{family}: {small * 1000:.1f} ms at n={n}, {large * 1000:.1f} ms at 8n"


REPLIES = {
    "ids without parentheses": lambda n: " ".join(f"arXiv:2504.{10000 + k:05d}" for k in range(n)),
    "ids after one open parenthesis": lambda n: "(" + " see ".join(f"arXiv:2504.{10000 + k:05d}" for k in range(n)),
    "ids with dates between": lambda n: " ".join(f"arXiv:2504.{10000 + k:05d} (Apr 2025)," for k in range(n)),
    "link texts never closed": lambda n: "[a title" * (20 * n) + "](https://arxiv.org/abs/2504.07912",
    "links with long targets": lambda n: " ".join(f"[A Title {k}](https://arxiv.org/abs/2504.{10000 + k:05d}"
                                                  + "x" * 400 for k in range(n)),
    "quotes around every id": lambda n: " ".join(f'"“ arXiv:2504.{10000 + k:05d} ”"' for k in range(n)),
}


@pytest.mark.parametrize("family", list(REPLIES))
def test_check_time_grows_linearly(family):
    import datetime as dt

    make = REPLIES[family]
    small, large, n = _growth(lambda text: check(text, as_of=dt.date(2026, 11, 1)), make)
    assert large / small < 24, f"{family}: {small * 1000:.1f} ms at n={n}, {large * 1000:.1f} ms at 8n"
