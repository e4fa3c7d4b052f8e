"""`retest check` weighs every mention of an ID: a wrong date beside any of them is flagged."""

import json

import pytest
from conftest import run_cli

EARLY = "The finding in arXiv:2504.07912 is the reference here. The authors cite arXiv:2504.07912 (2023-01) too.\n"
LATE = "The authors cite arXiv:2504.07912 (2023-01) too. The finding in arXiv:2504.07912 is the reference here.\n"
RIGHT = "The finding in arXiv:2504.07912 (2025-04) is the reference. Later, arXiv:2504.07912 (Apr 2025) again.\n"


@pytest.mark.parametrize("text, mention", [(EARLY, "mention 2 of 2"), (LATE, "mention 1 of 2")])
def test_a_wrong_date_beside_any_mention_is_flagged(tmp_path, text, mention):
    f = tmp_path / "reply.txt"
    f.write_text(text)
    r = run_cli("check", f, "--json", "--as-of", "2026-01-01")
    (cited,) = json.loads(r.stdout)["cited"]
    assert cited["verdict"] == "date-mismatch" and cited["stated_date"] == "2023-01", cited
    assert mention in cited["detail"]
    shown = run_cli("check", f, "--as-of", "2026-01-01")
    assert "date-mismatch" in shown.stdout and "2023-01" in shown.stdout


def test_agreeing_mentions_are_not_flagged(tmp_path):
    f = tmp_path / "reply.txt"
    f.write_text(RIGHT)
    (cited,) = json.loads(run_cli("check", f, "--json", "--as-of", "2026-01-01").stdout)["cited"]
    assert cited["verdict"] == "new" and cited["stated_date"] == "2025-04"
