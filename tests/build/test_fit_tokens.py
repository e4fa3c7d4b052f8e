"""--fit-tokens (the prompt's budget, once --max-tokens), what a dropped claim takes with it, and one verdict
vocabulary across the built-in templates."""

import re

import pytest
from conftest import SEED_000, SEED_002, run_cli


def test_a_dropped_claim_leaves_the_span_line(tmp_path):
    whole = run_cli("build", SEED_002, "--today", "2026-06-01")
    assert "Findings span Sept 2024–May 2026." in whole.stdout
    fitted = run_cli("build", SEED_002, "--today", "2026-06-01", "--fit-tokens", "450")
    assert fitted.returncode == 0, fitted.stderr
    assert "dropped to fit: claim [1] (2025-04)" in fitted.stderr
    assert "Sept 2024" not in fitted.stdout and "2025" not in fitted.stdout.split("Your task")[0]
    assert "Findings date from May 2026." in fitted.stdout  # the one claim kept
    assert "~91%" not in fitted.stdout and "5–30%" not in fitted.stdout  # nor do the tasks ask about them


def test_the_old_name_still_works_unlisted():
    new = run_cli("build", SEED_002, "--today", "2026-06-01", "--fit-tokens", "560")
    old = run_cli("build", SEED_002, "--today", "2026-06-01", "--max-tokens", "560")
    assert new.returncode == old.returncode == 0 and new.stdout == old.stdout
    for command in (["build"], ["send"], ["batch", "submit"], ["batch", "export"]):
        shown = run_cli(*command, "--help").stdout
        assert "--fit-tokens N" in shown and "--max-tokens" not in shown, command
    assert "--max-output-tokens" in run_cli("send", "--help").stdout
    over = run_cli("build", SEED_002, "--fit-tokens", "50")
    assert over.returncode != 0 and "--fit-tokens 50" in over.stderr


@pytest.mark.parametrize("template", ["retest", "contradictions", "questions", "update"])
def test_one_verdict_vocabulary(template):
    prompt = run_cli("build", SEED_002, "-t", template, "--today", "2026-06-01").stdout
    assert not re.search(r"\b(HOLDS|WEAKENED|OVERTURNED|UNTESTED|weakened|untested)\b", prompt), template
    if template == "contradictions":
        assert "Give a verdict: holds, revised, overturned or unresolved" in prompt
    corpus = run_cli("build", SEED_000, SEED_002, "-t", "corpus", "--today", "2026-06-01").stdout
    assert not re.search(r"\b(HOLDS|WEAKENED|UNTESTED)\b", corpus)
