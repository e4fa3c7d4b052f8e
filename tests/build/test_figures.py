"""The figures a prompt names (percentages, ranges, multipliers, "depth 16") are found as the plain pattern
finds them; the faster form only skips where no figure can start."""

import random
import re

from conftest import SEEDS

from retest.build import context
from retest.extract.parser import parse

# The pattern as first written: every position tried in turn.
PLAIN = re.compile(
    r"(?<![\d.])(?:"
    r"~?\d++(?:\.\d++)?+(?:\s*+[–-]\s*+\d++(?:\.\d++)?+)?+\s?%"
    r"|\d++(?:\.\d++)?+(?:[–-]\d++(?:\.\d++)?+)?+×"
    r"|(?<!\w)\d++(?:\.\d++)?+[KMB]\b(?:[–-]\d++[KMB])?+"
    r")"
    r"|\bdepth \d++"
)
PIECES = [*"0123456789.~%×KMB -–—,x", "depth ", "depth", "adepth 4", "a", "é", "\n", "5%", "1.5", "2x", "10K",
          "7B", "word", "_3M", "٣"]


def test_figures_found_as_the_plain_pattern_finds_them():
    rng = random.Random(11)
    claims = [c.text for path in sorted(SEEDS.glob("*.txt")) for c in parse(path.read_text("utf-8")).claims]
    texts = claims + ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40))) for _ in range(30_000)]
    found = 0
    for text in texts:
        want = [m.group(0) for m in PLAIN.finditer(text)]
        assert [m.group(0) for m in context._FIGURE.finditer(text)] == want, text
        found += len(want)
    assert found > 10_000
    assert any(context.figures(parse(p.read_text("utf-8")).claims) for p in SEEDS.glob("*.txt"))
