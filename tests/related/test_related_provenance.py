"""A reply sent with --related records the papers its prompt supplied; batch files carry them too."""

from __future__ import annotations

import json

import pytest
from servers.chat import ChatServer
from conftest import SEED_002, archive_rows, run_cli, serving, server_env
from servers.openalex import OA_KEY

chat = serving(ChatServer)


def env_of(chat_server, oa_server, tmp_path) -> dict:
    return {**server_env(chat_server, tmp_path), "RETEST_OPENALEX_URL": oa_server.base_url, "OPENALEX_API_KEY": OA_KEY,
            "RETEST_RELATED_INTERVAL": "0"}


def test_send_related_records_what_was_supplied(chat, oa, tmp_path):
    env = env_of(chat, oa, tmp_path)
    r = run_cli("send", SEED_002, "--related", env=env)
    assert r.returncode == 0, r.stderr
    show = run_cli("archive", "show", "1", "--json", env=env)
    rec = json.loads(show.stdout)
    supplied = rec["related"]
    assert [(p["claim"], p["arxiv_id"]) for p in supplied if p["claim"] == 1] == [(1, "2509.00001"), (1, None)]
    assert {"title", "date", "arxiv_id", "doi", "cited_by_count", "retracted", "cites", "source"} <= set(supplied[0])
    assert "Newer papers that cite these claims' papers" in rec["prompt"]
    markdown = run_cli("archive", "show", "1", env=env).stdout
    assert "## Newer papers the prompt supplied" in markdown and "[1] 2025-09-01, arXiv:2509.00001" in markdown
    # the same documents without --related are a different prompt, sent anew
    again = run_cli("send", SEED_002, env=env)
    assert again.returncode == 0
    assert archive_rows(env, "SELECT count(*) FROM prompts")[0][0] == 2
    plain = json.loads(run_cli("archive", "show", "2", "--json", env=env).stdout)
    assert plain["related"] == []
    data = b"".join(p.read_bytes() for p in tmp_path.glob("archive.db*"))
    assert OA_KEY.encode() not in data


def test_send_related_with_a_prompt_file_is_refused(chat, oa, tmp_path):
    prompt = tmp_path / "p.txt"
    prompt.write_text("hello\n")
    r = run_cli("send", "--prompt", prompt, "--related", env=env_of(chat, oa, tmp_path))
    assert r.returncode == 2 and "--related" in r.stderr


def test_batch_export_related_puts_the_papers_in_the_request_file(chat, oa, tmp_path):
    env = env_of(chat, oa, tmp_path)
    out = tmp_path / "requests.jsonl"
    r = run_cli("batch", "export", SEED_002, "-m", "test-model", "-o", out, "--related", env=env)
    assert r.returncode == 0, r.stderr
    body = json.loads(out.read_text().splitlines()[0])["body"]
    text = json.dumps(body)
    assert "arXiv:2509.00001" in text and "Newer papers" in text
    assert archive_rows(env, "SELECT count(*) FROM prompt_related")[0][0] >= 2


def test_batch_submit_related_records_what_each_prompt_supplied(oa, tmp_path):
    from servers.batch import BatchServer

    server = BatchServer()
    server.start()
    try:
        env = {**server_env(server, tmp_path), "RETEST_OPENALEX_URL": oa.base_url, "OPENALEX_API_KEY": OA_KEY,
               "RETEST_RELATED_INTERVAL": "0"}
        r = run_cli("batch", "submit", SEED_002, "--related", env=env)
        assert r.returncode == 0, r.stderr
    finally:
        server.stop()
    supplied = archive_rows(env, "SELECT idx, arxiv_id FROM prompt_related ORDER BY idx, rank")
    assert (1, "2509.00001") in supplied
    text = archive_rows(env, "SELECT text FROM prompts")[0][0]
    assert "arXiv:2509.00001" in text


def test_build_related_offline_builds_from_the_cache_and_says_what_is_missing(oa, tmp_path):
    env = env_of_build(oa, tmp_path)
    cold = run_cli("build", SEED_002, "--related", "--offline", env=env)
    assert cold.returncode == 0 and not oa.requests
    assert "not in the cache (--offline)" in cold.stderr and "Newer papers" not in cold.stdout
    warm = run_cli("build", SEED_002, "--related", env=env)
    offline = run_cli("build", SEED_002, "--related", "--offline", env={**env, "OPENALEX_API_KEY": ""})
    assert offline.stdout == warm.stdout and "Newer papers" in offline.stdout


def env_of_build(oa_server, tmp_path) -> dict:
    return {"RETEST_OPENALEX_URL": oa_server.base_url, "OPENALEX_API_KEY": OA_KEY, "RETEST_RELATED_INTERVAL": "0",
            "RETEST_ARCHIVE": str(tmp_path / "archive.db")}


def test_semantic_scholar_throttling_is_waited_out(tmp_path):
    from servers.s2 import S2Server, paper

    known = paper("P1", "Echo Chamber", "2025-04-10", arxiv="2504.07912", citations=3)
    citer = paper("C1", "A newer citer", "2025-10-01", arxiv="2510.00001", citations=2)
    server = S2Server([known, citer], {"P1": ["C1"]})
    server.throttle = 1
    server.start()
    try:
        r = run_cli("related", SEED_002, "--json", "--source", "s2",
                    env={"RETEST_S2_URL": server.base_url, "RETEST_RELATED_INTERVAL": "0",
                         "RETEST_ARCHIVE": str(tmp_path / "a.db")})
    finally:
        server.stop()
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["claims"][0]["related"][0]["arxiv_id"] == "2510.00001"
    assert server.requests[1][0] - server.requests[0][0] >= 0.9  # Retry-After: 1
