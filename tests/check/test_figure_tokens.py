"""A claim's figure counts as mentioned only where it stands in the reply as a whole token."""

import json

import pytest
from conftest import run_cli

DOC = """Do small models keep up on arithmetic?

Sources 1 notes

Can an 8B model add?

An 8B model reaches 5–30% of the larger model's accuracy on carry-heavy sums (2024-03, arXiv:2403.01234).
"""


def _via(tmp_path, reply: str) -> list[str]:
    doc = tmp_path / "doc.txt"
    doc.write_text(DOC)
    f = tmp_path / "reply.txt"
    f.write_text(reply)
    r = run_cli("check", f, "--against", doc, "--json", "--as-of", "2026-01-01")
    assert r.returncode == 0, r.stderr
    (claim,) = json.loads(r.stdout)["claims"]
    return claim["via"]


@pytest.mark.parametrize("reply", [
    "Run f53c2d8b3070 finished; nothing more to add.",       # a hex run id holding "8b"
    "See commit 98b1 and table 105–30%x for details.",        # digits glued on either side
])
def test_a_figure_inside_another_token_is_not_a_mention(tmp_path, reply):
    assert _via(tmp_path, reply) == []


@pytest.mark.parametrize("reply, figure", [
    ("An 8B model still lags.", "8B"),
    ("Llama-3-8B still lags.", "8B"),
    ("It now reaches 5 – 30 % of it.", "5–30%"),
    ("It now reaches ~5-30%.", "5–30%"),
])
def test_a_figure_as_a_whole_token_is_a_mention(tmp_path, reply, figure):
    assert figure in _via(tmp_path, reply)
