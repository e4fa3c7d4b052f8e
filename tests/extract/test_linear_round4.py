"""The new wrappers and patterns take time linear in the input (see ``test_linear``).

Each family aims at one pattern or scan added for saved pages, chat-model rewrites,
more languages, Org-mode, LaTeX, reStructuredText, chat pastes, word-processor
exports, ``pdftotext -layout`` footers and forwarded e-mails.
"""

import pytest
from test_linear import HEAD, _growth, _prompt, _sources

from retest.extract.parser import parse_raw

TEX = "\\documentclass{article}\n"
FAMILIES = {
    # dates and section words
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


@pytest.mark.parametrize("family", list(FAMILIES))
def test_new_wrappers_parse_in_linear_time(family):
    make = FAMILIES[family]
    small, large, n = _growth(lambda text: parse_raw(text, "adversarial"), make)
    assert large < 10, f"{family}: {large:.1f} s at n={8 * n}"
    assert large / small < 24, f"{family}: {small * 1000:.1f} ms at n={n}, {large * 1000:.1f} ms at 8n"
