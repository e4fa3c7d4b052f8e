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
    # the wrappers taken off before parsing, and the date forms
    "slashes and digits": lambda n: _prompt("1/" * (20 * n) + "2024/" * (5 * n) + " claim (05/2024)."),
    "month words without a year": lambda n: _prompt("mayo de " * (5 * n) + "sept. " * (5 * n) + "claim (2025-04)."),
    "grouped dates without papers": lambda n: _prompt("(2024-05; " * (4 * n) + "arXiv:2504.07912)."),
    "many parentheses of papers": lambda n: _prompt(
        " ".join(f"(2024-05; 2023-01, arXiv:2405.{10000 + k:05d}, arXiv:2301.{10000 + k:05d})" for k in range(n))),
    "front matter of many keys": lambda n: "---\n" + "key: value\n" * (30 * n) + "title: " + "x" * (9 * n) + "\n"
        + _sources("a note."),
    "callout markers": lambda n: _sources("> " * (20 * n) + "[!" + "n" * (9 * n)) + "> [!note]- " + "> " * (9 * n),
    "wikilink openers": lambda n: _sources("[[" * (20 * n) + "a|" * (9 * n) + "]]"),
    "notion properties": lambda n: "# Q?\n\n" + "Created: June 5, 2023\n" * (4 * n) + "A" * (40 * n) + ": x\n\n"
        + _sources("a.") + "<aside>\n" * (4 * n),
    "e-mail headers and quotes": lambda n: "From: a\nTo: b\n" + "> " * (30 * n) + "\nOn " + "x" * (30 * n)
        + " wrote\n" + _sources("summary."),
    "link numbers without references": lambda n: _sources("[1]" * (20 * n) + "› [2]a " * (5 * n)),
    "link numbers with references": lambda n: "[1]Home › [2]Lines\n" + _sources("[3]arXiv " * (5 * n) + "x.")
        + "\nReferences\n\n" + "".join(f"   {k}. https://arxiv.org/abs/2504.{10000 + k:05d}\n" for k in range(1, 4 * n)),
    "page furniture": lambda n: ("Printed 1/2/26, 9:14 AM\n" + _sources("a note.") + "\nPage 1 of 9\n\f") * n
        + "1/2/26 " * (5 * n),
    "ids and hyphens at line ends": lambda n: _sources(("arXiv:" + "a-" * 5 + "\nth/9711200 cross-\nentropy reinforce-\nment ") * n),
    "hard-wrapped paragraphs": lambda n: HEAD + "Sources 1 notes\n\nA title?\n\n" + ("word " * 12 + "\n") * (8 * n),
    "heading words repeated": lambda n: HEAD + "**" * (10 * n) + "\n" + "Fuentes " * (5 * n) + "\n"
        + "Lo que encontró " * (5 * n) + "\n" + _sources("x."),
    "question lines of junk": lambda n: ("12:30 " * (5 * n) + "›\n") * 3 + "This explores x.\n\nSources 1 notes\n\nA?\n\nb.\n",
    "no layout, heading-shaped lines": lambda n: ("Fonti " + "9" * (10 * n) + " note\n") * 4
        + "- claim (2024-05, arXiv:2405.10001).\n",
    # the date scan, led by the years: what it looks at before each year found
    "years that start no date": lambda n: _prompt("2024x 1999_ 20245 /2019 " * (10 * n) + "claim (2025-04)."),
    "spaces between month words and years": lambda n: _prompt(("Sept" + " " * 40 + "2024 ") * n + "claim."),
    "long words and de before years": lambda n: _prompt(("a" * 40 + " de " + "b" * 40 + " 2024 ") * n + "claim."),
    "month words de de de before a year": lambda n: _prompt("mayo " + "de " * (40 * n) + "2024 claim (2025-04)."),
    "no layout, many citations": lambda n: "\n".join(f"- claim {k} (2024-05, arXiv:2405.{10000 + k:05d})." for k in range(4 * n)),
}


def _best(fn, arg, repeat=3) -> float:
    """The least CPU time of ``repeat`` calls: this process's own, so that other test workers on the same CPUs
    cannot make a linear function look quadratic."""
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn(arg)
        best = min(best, time.process_time() - t)
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


TEX = "\\documentclass{article}\n"
WRAPPER_FAMILIES = {
    # round four: dates and section words of more languages, decoration, synonyms
    "CJK years without months": lambda n: _prompt("2024年" * (20 * n) + "2024年13月 claim (2024年5月12日, arXiv:2405.01234)."),
    "Italian and Dutch month words": lambda n: _prompt("gen. magg. mrt " * (10 * n) + "claim (apr. 2024, arXiv:2404.01234)."),
    "findings span without a range": lambda n: _prompt("x") + "Findings span " + "gen. " * (20 * n) + "\n",
    "emoji and emphasis before a heading": lambda n: HEAD + "📚" * (20 * n) + "**" * (10 * n) + " Sources\n\nA?\n\nb.\n",
    "synonym-shaped lines": lambda n: HEAD + ("key findings " + "- " * 20 + "\n") * (4 * n) + _sources("x."),
    "CJK heading terms": lambda n: HEAD + ("来源" + "任务" * 20 + "\n") * (4 * n) + "来源(" + "9" * (10 * n) + "\n",
    "full-width punctuation": lambda n: _prompt("（" * (20 * n) + "主张（2024年5月，arXiv：2405.01234）。"),
    "emphasis around dates": lambda n: "# Q?\n\n" + _prompt("*" * (20 * n) + "claim (**2024-05**, *arXiv:2405.01234*)."),
    # wrappers
    "html tags never closed": lambda n: "<!DOCTYPE html><html><body>" + "<div><a href='https://arxiv.org/abs/2405.01234'>"
        * (10 * n) + "<p>" + HEAD.replace("\n\n", "</p><p>") + "<details><summary>" * (5 * n),
    "html comments and scripts": lambda n: "<!DOCTYPE html><body><p>" + HEAD.replace("\n\n", "</p><p>") + "</p><script>"
        + "<p>" * (20 * n) + "</script>" + "<!--" * (10 * n),
    "html tags never finished": lambda n: "<!DOCTYPE html><body><p>" + HEAD.replace("\n\n", "</p><p>") + "</p>"
        + "<a href='" * (10 * n) + "<![CDATA[" * (5 * n) + "</" * (5 * n) + "x" * 100,
    "org headlines, tags and links": lambda n: "#+TITLE: Q?\n" + ("* " + ":a" * (10 * n) + "\n") + "[[" * (10 * n)
        + "=" * (20 * n) + "\n" + _sources("x."),
    "org drawers never ended": lambda n: "#+TITLE: Q?\n" + ":PROPERTIES:\n" * (10 * n) + _sources("x."),
    "latex groups never closed": lambda n: TEX + HEAD + "\\textbf{" * (20 * n) + "\\item[" * (10 * n) + "x\n",
    "latex groups nested": lambda n: TEX + HEAD + "\\emph{" * (20 * n) + "x" + "}" * (20 * n) + "\n",
    "latex links nested": lambda n: TEX + HEAD + "\\href{https://arxiv.org/abs/2401.01234}{" * (10 * n) + "x"
        + "}" * (10 * n) + "\n",
    "latex bibliography": lambda n: TEX + _sources("claim \\cite{a}.") + "\\begin{thebibliography}{9}\n"
        + "".join(f"\\bibitem{{k{k}}} arXiv:2405.{10000 + k:05d}\n" for k in range(10 * n)),
    "rst links and roles": lambda n: HEAD + "Sources\n~~~~~~~\n\n" + "`a <" * (10 * n) + ":r:`" * (10 * n)
        + "``" * (10 * n) + "\n",
    "chat headers and names": lambda n: ("Dana Ruiz  9:18 AM\n" + "x" * 30 + " 9:18\n") * (4 * n) + _sources("x.")
        + ("[9:18 AM] " + "a" * 40 + "\n") * (4 * n),
    "word-export markers": lambda n: _sources("claim" + "[1]" * (10 * n) + " (2024-05).") + "\n[1] arXiv:2405.01234\n"
        + "[a]comment\n" * (4 * n),
    "layout footers": lambda n: (_sources("x" + " " * (40 * n) + "https://a.example/x" + " " * (40 * n) + "1/3")
                                 + "\f") * 2,
    "forwarded header blocks": lambda n: "From: a\nTo: b\n\n" + ("\nFrom: x\n" + "y\n") * (10 * n) + _sources("x."),
}


@pytest.mark.parametrize("family", list(WRAPPER_FAMILIES))
def test_new_wrappers_parse_in_linear_time(family):
    """Saved pages, chat-model rewrites, more languages, Org, LaTeX, reStructuredText, chat pastes,
    word-processor exports, ``pdftotext -layout`` footers and forwarded e-mails."""
    make = WRAPPER_FAMILIES[family]
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
