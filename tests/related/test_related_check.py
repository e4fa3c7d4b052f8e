"""`retest check` of a reply sent with --related: supplied papers are marked and real; retracted ones are suspect."""

from __future__ import annotations

import json

import pytest
from servers.arxiv import ArxivServer
from servers.chat import ChatServer
from conftest import SEED_002, run_cli, server_env
from servers.openalex import OA_KEY

REPLY = (
    "Claim 1 still holds: arXiv:2509.00001 (2025-09) revisits it. The sparsity claim rests on arXiv:2505.11711, "
    "and a follow-up, arXiv:2601.00003, went further. Nothing else: arXiv:2504.07912.\n\n"
    '```json\n{"retest_verdicts": [{"claim": 1, "status": "holds", "evidence": ["arXiv:2509.00001"], '
    '"note": "revisited"}, {"claim": 2, "status": "revised", "evidence": ["arXiv:2601.00003"], "note": "x"}]}\n```\n'
)


@pytest.fixture
def chat():
    server = ChatServer(reply=lambda prompt: REPLY)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def arxiv():
    server = ArxivServer({"2504.07912": ("Echo Chamber", "A. Author", "2025-04-10"),
                          "2505.11711": ("Sparse subnetworks in RL fine-tuning", "B. Author", "2025-05-20")})
    server.url = server.start()
    yield server
    server.stop()


def test_supplied_citations_are_marked_real_and_retracted_ones_suspect(chat, oa, arxiv, tmp_path):
    env = {**server_env(chat, tmp_path), "RETEST_OPENALEX_URL": oa.base_url, "OPENALEX_API_KEY": OA_KEY,
           "RETEST_RELATED_INTERVAL": "0", "RETEST_ARXIV_URL": arxiv.url, "RETEST_ARXIV_INTERVAL": "0"}
    sent = run_cli("send", SEED_002, "--related", env=env)
    assert sent.returncode == 0, sent.stderr
    offline = json.loads(run_cli("check", "1", "--json", env=env).stdout)
    by_id = {c["id"]: c for c in offline["cited"]}
    assert by_id["2509.00001"]["relation"] == "supplied" and by_id["2509.00001"]["verdict"] == "known"
    assert by_id["2601.00003"]["verdict"] == "retracted"  # supplied, and OpenAlex said it is retracted
    evidence = {c["index"]: c["evidence_check"] for c in offline["claims"] if c.get("evidence_check")}
    assert evidence[1][0]["supplied"] is True and evidence[1][0]["suspect"] is False
    assert evidence[2][0]["suspect"] is True
    online = run_cli("check", "1", "--json", "--online", env=env)
    assert online.returncode == 0, online.stderr
    asked = {i for _, ids in arxiv.requests for i in ids}
    assert "2509.00001" not in asked and "2601.00003" not in asked  # supplied: no arXiv look-up
    assert "2505.11711" in asked
    by_id = {c["id"]: c for c in json.loads(online.stdout)["cited"]}
    assert by_id["2505.11711"]["verdict"] == "retracted"  # the claim's own paper, retracted on OpenAlex
    assert by_id["2504.07912"]["verdict"] == "known"
    text = run_cli("check", "1", env=env).stdout
    assert "supplied by the prompt (--related)" in text and "retracted" in text


def test_claims_and_report_show_newer_papers_and_which_models_used_them(chat, oa, tmp_path):
    env = {**server_env(chat, tmp_path), "RETEST_OPENALEX_URL": oa.base_url, "OPENALEX_API_KEY": OA_KEY,
           "RETEST_RELATED_INTERVAL": "0"}
    assert run_cli("send", SEED_002, "--related", env=env).returncode == 0
    ledger = json.loads(run_cli("claims", "--json", env=env).stdout)
    first = ledger[0]["related"]
    assert [(p["arxiv_id"], p["used_by"]) for p in first] == [("2509.00001", ["test-model"]), (None, [])]
    assert run_cli("claims", SEED_002, "--json", env=env).stdout.count('"used_by"') >= 3
    text = run_cli("claims", env=env).stdout
    assert "newer: 2025-09-01 arXiv:2509.00001" in text and "used by test-model" in text
    assert "RETRACTED" in text  # arXiv:2601.00003, supplied under claim 2
    page = tmp_path / "report.html"
    assert run_cli("report", "-o", page, env=env).returncode == 0
    html = page.read_text()
    assert "arXiv:2509.00001</a> Base models and RL post-training deployment revisited — used by test-model" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html  # remote titles are text, never markup
