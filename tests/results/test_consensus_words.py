"""The consensus never says "all" over a dissent, supported or not; `claims` and `claims --json` agree."""

import json

import pytest
from servers.chat import ChatServer
from conftest import KEY, SEED_002, block, run_cli


@pytest.mark.parametrize("verdicts, word", [
    ([("holds", True), ("overturned", False)], "holds (1 unsupported dissent)"),
    ([("revised", True), ("holds", False), ("overturned", False)], "revised (2 unsupported dissents)"),
    ([("holds", True), ("holds", False)], "all hold"),  # unsupported but agreeing: no dissent
    ([("holds", True), (None, None)], "all hold"),  # no verdict is no dissent
    ([("overturned", False)], "unsupported"),
    ([("holds", True), ("overturned", True), ("revised", False)], "overturned by 1"),
])
def test_words(verdicts, word):
    from retest.results.ledger import consensus

    assert consensus([{"status": s, "supported": ok} for s, ok in verdicts]) == word


def test_claims_with_an_unsupported_dissent(tmp_path):
    server = ChatServer(models=("model-a", "model-b"))
    server.start()
    try:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(tmp_path / "a.db")}
        server.replies_by_model = {  # model-a's only evidence is from the future: suspect, so unsupported
            "model-a": lambda p: "No.\n" + block((1, "overturned", ["arXiv:2702.00001"], "too new")),
            "model-b": lambda p: "Yes.\n" + block((1, "holds", ["arXiv:2504.07912"], "still")),
        }
        r = run_cli("send", SEED_002, "-m", "model-a", "-m", "model-b", "--today", "2026-06-01", env=env)
        assert r.returncode == 0, r.stderr
        (first, *_) = json.loads(run_cli("claims", SEED_002, "--json", env=env).stdout)
        assert first["consensus"] == "holds (1 unsupported dissent)"
        assert [(v["status"], v["supported"]) for v in first["verdicts"]] == [("overturned", False), ("holds", True)]
        table = run_cli("claims", SEED_002, env=env).stdout
        assert "[1] holds (1 unsupported dissent) · 2025-04" in table
        assert "all hold" not in table.lower()
    finally:
        server.stop()
