"""A reply's page costs about what prose of its size costs, however many brackets it holds.

Pages are made on the archive's writer thread as replies arrive; markdown-it tries a link at every
``[``. CPU time of this process, so that other work on the machine does not count.
"""

import time

import pytest

from conftest import SEED_002
from retest.results.markup import reply_html

SIZE = 200_000


def cpu(text: str) -> float:
    best = float("inf")
    for _ in range(2):
        t = time.process_time()
        reply_html(text, {})
        best = min(best, time.process_time() - t)
    return best


@pytest.mark.parametrize("unit", ["[a](", "[", "[a][", "[[a](", "]("])
def test_bracket_heavy_replies_cost_about_what_prose_costs(unit):
    seed = SEED_002.read_text()
    prose = cpu((seed * (SIZE // len(seed) + 1))[:SIZE])
    heavy = cpu(unit * (SIZE // len(unit)))
    assert heavy < 8 * max(prose, 0.01), (heavy, prose)


def test_links_still_render_and_stay_safe_in_a_bracket_heavy_reply():
    ordinary = str(reply_html("see [the paper](https://arxiv.org/abs/2504.07912) and [x](javascript:alert(1))"))
    assert '<a href="https://arxiv.org/abs/2504.07912" rel="noopener noreferrer nofollow">' in ordinary
    assert "javascript:" not in ordinary.split("<a ")[-1].split(">")[0]
    heavy = str(reply_html("[a](" * 6000 + " <script>x</script> [t](https://e.org/)"))
    assert "<script>" not in heavy and "&lt;script&gt;" in heavy and "<a " not in heavy  # links left as text
