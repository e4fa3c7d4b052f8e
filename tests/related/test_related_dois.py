"""A related paper with only a DOI, cited by its DOI (or a doi.org URL), counts as used, like an arXiv one:
in `check`, `claims`, the report and `archive show --json`."""

from __future__ import annotations

import json

import pytest
from conftest import SEED_002, run_cli, server_env
from servers.arxiv import ArxivServer
from servers.chat import ChatServer
from servers.openalex import OA_KEY, OpenAlexServer, corpus, work

# 10.1000/xyz.1 is supplied (only a DOI), in another case and with a sentence's full stop after it;
# 10.2000/retr.7 is supplied and retracted, given as a doi.org URL; 10.5555/never.given was never supplied
REPLY = (
    "Claim 1 still holds: see the journal paper doi:10.1000/XYZ.1. and the retracted one "
    "(https://doi.org/10.2000/RETR.7), but not 10.5555/never.given; arXiv:2504.07912 is its own paper.\n\n"
    '```json\n{"retest_verdicts": [{"claim": 1, "status": "holds", "evidence": ["https://doi.org/10.1000/xyz.1"], '
    '"note": "a journal follow-up"}, {"claim": 2, "status": "revised", "evidence": ["doi:10.2000/retr.7"], '
    '"note": "x"}]}\n```\n'
)


@pytest.fixture
def chat():
    server = ChatServer(reply=lambda prompt: REPLY)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def oa():
    server = OpenAlexServer(key=OA_KEY)
    corpus(server)
    server.add(work(20, "A retracted journal paper", "2025-12-01", doi="10.2000/RETR.7", cited_by=2, retracted=True),
               cites=["W1"])
    server.start()
    yield server
    server.stop()


@pytest.fixture
def arxiv():
    server = ArxivServer({"2504.07912": ("Echo Chamber", "A. Author", "2025-04-10")})
    server.url = server.start()
    yield server
    server.stop()


def env_of(chat, oa, tmp_path, **extra) -> dict:
    return {**server_env(chat, tmp_path), "RETEST_OPENALEX_URL": oa.base_url, "OPENALEX_API_KEY": OA_KEY,
            "RETEST_RELATED_INTERVAL": "0", **extra}


def test_a_supplied_doi_cited_in_the_reply_is_supplied_real_and_used(chat, oa, arxiv, tmp_path):
    env = env_of(chat, oa, tmp_path, RETEST_ARXIV_URL=arxiv.url, RETEST_ARXIV_INTERVAL="0")
    sent = run_cli("send", SEED_002, "--related", env=env)
    assert sent.returncode == 0, sent.stderr
    prompt = json.loads(run_cli("archive", "show", "1", "--json", env=env).stdout)
    assert "doi:10.1000/xyz.1" in prompt["prompt"] and "doi:10.2000/retr.7" in prompt["prompt"]

    report = json.loads(run_cli("check", "1", "--json", env=env).stdout)
    by_id = {c["id"]: c for c in report["cited"]}
    assert by_id["doi:10.1000/xyz.1"]["relation"] == "supplied" and by_id["doi:10.1000/xyz.1"]["verdict"] == "known"
    assert by_id["doi:10.2000/retr.7"]["verdict"] == "retracted"  # supplied, and OpenAlex said so
    assert not any("never.given" in i for i in by_id)  # a DOI the prompt did not supply is not judged
    evidence = {c["index"]: c["evidence_check"] for c in report["claims"] if c.get("evidence_check")}
    assert evidence[1][0]["id"] == "doi:10.1000/xyz.1" and evidence[1][0]["supplied"] is True
    assert evidence[1][0]["suspect"] is False  # a doi.org URL of a supplied paper is not "not a source"
    assert evidence[2][0]["suspect"] is True  # the retracted one
    text = run_cli("check", "1", env=env).stdout
    assert "doi:10.1000/xyz.1" in text and "supplied by the prompt (--related)" in text
    assert "arXiv:doi" not in text

    online = run_cli("check", "1", "--json", "--online", env=env)
    assert online.returncode == 0, online.stderr
    asked = {i for _, ids in arxiv.requests for i in ids}
    assert "2504.07912" in asked and not any("10." in i and "/" in i for i in asked)  # a DOI is never asked of arXiv
    assert not any("arxiv.doi" in json.dumps(q).lower() for q in oa.list_calls())  # nor of OpenAlex as an arXiv ID

    shown = json.loads(run_cli("archive", "show", "1", "--json", env=env).stdout)
    assert {v["arxiv_id"]: v["relation"] for v in shown["verdicts"]}["doi:10.1000/xyz.1"] == "supplied"

    ledger = json.loads(run_cli("claims", "--json", env=env).stdout)
    used = {p["doi"]: p["used_by"] for p in ledger[0]["related"] if p["arxiv_id"] is None}
    assert used == {"10.1000/xyz.1": ["test-model"], "10.2000/retr.7": ["test-model"]}
    assert "used by test-model" in run_cli("claims", env=env).stdout

    page = tmp_path / "report.html"
    assert run_cli("report", "-o", page, env=env).returncode == 0
    html = page.read_text()
    assert "doi:10.1000/xyz.1</a> A journal paper with only a DOI — used by test-model" in html
    assert 'href="https://doi.org/10.1000/xyz.1"' in html and "arXiv:doi:" not in html
