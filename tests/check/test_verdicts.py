"""Per-claim verdicts read from replies, stored with them, and the dates check pins to IDs."""

import datetime as dt
import json

import pytest
from servers.chat import ChatServer
from conftest import KEY, SEED_000, SEED_002, make_docs, run_cli

from retest.check.reply import check
from retest.check.verdicts import parse

BLOCK = ('Prose first.\n\n```json\n{"retest_verdicts": [{"claim": 1, "status": "holds", "evidence": '
         '["arXiv:2504.07912"], "note": "still replicated"}, {"claim": 2, "status": "revised", "evidence": [], '
         '"note": "range moved"}]}\n```\n')


def test_a_well_formed_block():
    p = parse(BLOCK, 5)
    assert [(v.claim, v.status, v.evidence, v.note) for v in p.verdicts] == [
        (1, "holds", ["arXiv:2504.07912"], "still replicated"), (2, "revised", [], "range moved")]
    assert p.problem is None and p.warnings == []


@pytest.mark.parametrize("text, expected", [
    # trailing commas, single quotes, numbers as strings
    ("```json\n{'retest_verdicts': [{'claim': '1', 'status': 'holds', 'evidence': ['arXiv:2504.07912'],},],}\n```",
     [(1, "holds")]),
    # claim labels as the contradictions template writes them, statuses in other words and case
    ('```\n{"retest_verdicts": [{"claim": "C3", "status": "Overturned"}, {"claim": "[2]", "status": "still holds"},'
     ' {"claim": 4, "status": "WEAKENED"}]}\n```', [(2, "holds"), (3, "overturned"), (4, "revised")]),
    # no fence at all (structured output gives the bare object)
    ('{"retest_verdicts": [{"claim": 5, "status": "unresolved", "evidence": "arXiv:2505.11711"}]}', [(5, "unresolved")]),
    # Python literals from a model that writes Python
    ("```json\n{'retest_verdicts': [{'claim': 1, 'status': 'holds', 'note': None}]}\n```", [(1, "holds")]),
    # a block left open at the end (cut at the output limit)
    ('```json\n{"retest_verdicts": [{"claim": 1, "status": "holds"}]}', [(1, "holds")]),
])
def test_lenient_variants(text, expected):
    p = parse(text, 5)
    assert [(v.claim, v.status) for v in p.verdicts] == expected, p


def test_two_blocks_the_last_wins():
    first = '```json\n{"retest_verdicts": [{"claim": 1, "status": "holds"}]}\n```\n'
    second = '```json\n{"retest_verdicts": [{"claim": 1, "status": "overturned"}]}\n```\n'
    assert [v.status for v in parse(first + "On reflection:\n" + second, 2).verdicts] == ["overturned"]


@pytest.mark.parametrize("text, problem", [
    ("No block here at all.", "has no retest_verdicts block"),
    ('```json\n{"retest_verdicts": [{"claim": 1, "status": \n```', "cannot be read"),
    ('```json\n{"retest_verdicts": "all fine"}\n```', "no list of verdicts"),
    ('```json\n{"retest_verdicts": [{"status": "holds"}]}\n```', "no usable verdicts"),
])
def test_no_verdicts_and_why(text, problem):
    p = parse(text, 3)
    assert p.verdicts == [] and problem in p.problem


def test_unknown_statuses_and_numbers_out_of_range_warn():
    p = parse('```json\n{"retest_verdicts": [{"claim": 1, "status": "kinda"}, {"claim": 9, "status": "holds"},'
              ' {"claim": 0, "status": "holds"}]}\n```', 3)
    assert [(v.claim, v.status) for v in p.verdicts] == [(1, "unresolved")]
    assert any("unknown status 'kinda'" in w for w in p.warnings)
    assert sum("out of range" in w for w in p.warnings) == 2


@pytest.fixture
def archived(tmp_path):
    """Replies with various verdict blocks, sent to a real local server and archived."""
    server = ChatServer()
    replies = {}
    server.reply = lambda prompt: next((r for k, r in replies.items() if k in prompt), "No verdicts.")
    server.start()
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_MODEL": "test-model",
           "RETEST_ARCHIVE": str(tmp_path / "a.db")}
    yield env, replies, server
    server.stop()


def rows(env, sql):
    import sqlite3

    db = sqlite3.connect(env["RETEST_ARCHIVE"])
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_verdicts_are_archived_per_claim_with_their_evidence_checked(archived):
    env, replies, _ = archived
    replies["probe whether RL and base"] = (
        "The routing result holds.\n```json\n{\"retest_verdicts\": ["
        "{\"claim\": 1, \"status\": \"holds\", \"evidence\": [\"arXiv:2504.07912\"], \"note\": \"replicated\"},"
        "{\"claim\": 2, \"status\": \"revised\", \"evidence\": [\"arXiv:2513.01234\"], \"note\": \"a month 13 ID\"},"
        "{\"claim\": 3, \"status\": \"overturned\", \"evidence\": [\"arXiv:2609.01234\", \"arXiv:2702.00001\"]},"
        "{\"claim\": 7, \"status\": \"holds\"}]}\n```")
    r = run_cli("send", SEED_002, "--check", env=env)
    assert r.returncode == 0, r.stderr
    assert "verdicts on 3 of 5 claims" in r.stderr
    got = rows(env, "SELECT idx, status, supported, note FROM claim_verdicts ORDER BY idx")
    assert got == [(1, "holds", 1, "replicated"), (2, "revised", 0, "a month 13 ID"), (3, "overturned", 1, None)]
    (note,) = rows(env, "SELECT verdicts_note FROM replies")[0]
    assert "claim 7 is out of range (the prompt sent 5)" in note
    show = run_cli("archive", "show", "1", env=env).stdout
    assert "- [2] **revised** — **unsupported** (its evidence is suspect)" in show
    assert "- [4] no verdict:" in show
    check_out = json.loads(run_cli("check", "1", "--json", env=env).stdout)
    claims = {c["index"]: c for c in check_out["claims"]}
    assert claims[1]["status"] == "holds" and claims[4]["status"] is None
    assert claims[2]["supported"] is False
    assert {e["id"]: e["verdict"] for e in claims[3]["evidence_check"]} == {"2609.01234": "new",
                                                                           "2702.00001": "impossible"}
    assert [c["addressed"] for c in check_out["claims"]] == [True, True, True, False, False]


@pytest.mark.parametrize("template", ["contradictions", "questions", "update", "retest"])
def test_every_template_gets_its_claims_checked(archived, template):
    env, replies, _ = archived
    replies["marker00x"] = '```json\n{"retest_verdicts": [{"claim": 2, "status": "holds"}]}\n```'
    docs = make_docs(env_path(env), 1)
    assert run_cli("send", *docs, "-t", template, env=env).returncode == 0
    report = json.loads(run_cli("check", "1", "--json", env=env).stdout)
    assert len(report["claims"]) == 8  # the seed's 8 claims, sent by this template
    assert [c["index"] for c in report["claims"] if c["status"]] == [2]


def env_path(env):
    from pathlib import Path

    return Path(env["RETEST_ARCHIVE"]).parent / "docs"


def test_a_corpus_prompt_counts_only_its_claims(archived):
    env, replies, _ = archived
    assert run_cli("send", SEED_000, SEED_002, "-t", "corpus", env=env).returncode == 0
    report = json.loads(run_cli("check", "1", "--json", env=env).stdout)
    texts = [c["text"] for c in report["claims"]]
    assert len(texts) == 13 and not any(t.endswith("?") and len(t) < 90 for t in texts)  # no question titles
    assert report["verdicts_problem"] == "the reply has no retest_verdicts block"
    assert "(no verdicts: the reply has no retest_verdicts block)" in run_cli("check", "1", env=env).stdout


def test_json_schema_mode_asks_for_structured_output(archived):
    env, replies, server = archived
    replies["probe whether RL and base"] = '{"retest_verdicts": [{"claim": 1, "status": "holds", "evidence": [], "note": "ok"}]}'
    assert run_cli("send", SEED_002, "--verdicts", "json-schema", "--check", env=env).returncode == 0
    body = server.completions()[0]["body"]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "retest_verdicts"
    assert rows(env, "SELECT idx, status FROM claim_verdicts") == [(1, "holds")]
    none = run_cli("send", SEED_002, "--verdicts", "none", "--dry-run", env=env)
    assert none.returncode == 0


# -- which date belongs to which ID ------------------------------------------------------------

AS_OF = dt.date(2026, 11, 23)


def stated(text):
    return {c.id: c.stated_date for c in check(text, as_of=AS_OF).cited}


@pytest.mark.parametrize("text, expected", [
    ("arXiv:2504.07912 (Apr 2025) still holds. See arXiv:2609.01234.",
     {"2504.07912": "2025-04", "2609.01234": None}),
    ("(arXiv:2504.07912, arXiv:2505.11711, May 2025)", {"2504.07912": None, "2505.11711": "2025-05"}),
    ("(Apr 2025, arXiv:2504.07912; May 2025, arXiv:2505.11711)", {"2504.07912": "2025-04", "2505.11711": "2025-05"}),
    ("arXiv:2504.07912 shows it. In May 2025, Smith et al. (arXiv:2505.11711) found more.",
     {"2504.07912": None, "2505.11711": "2025-05"}),
    ("see arXiv:2504.07912, arXiv:2505.11711 (May 2025)", {"2504.07912": None, "2505.11711": "2025-05"}),
    ("Apr. 2025: Zhao et al. posted arXiv:2504.07912; Sept 2026 brought arXiv:2609.01234",
     {"2504.07912": "2025-04", "2609.01234": "2026-09"}),
])
def test_a_date_belongs_to_its_own_id(text, expected):
    assert stated(text) == expected


def test_no_false_date_mismatch_on_the_next_id():
    verdicts = {c.id: c.verdict for c in check("arXiv:2504.07912 (Apr 2025) still holds. See arXiv:2609.01234.",
                                              as_of=AS_OF).cited}
    assert verdicts == {"2504.07912": "new", "2609.01234": "new"}
