"""A reply sent with --related records the papers its prompt supplied; batch files carry them too."""

from __future__ import annotations

import json

import pytest
from chat_server import ChatServer
from conftest import SEED_002, archive_rows, run_cli, serving, server_env
from servers.openalex import OpenAlexServer
from test_related_cli import OA_KEY, corpus

chat = serving(ChatServer)


@pytest.fixture
def oa():
    server = OpenAlexServer(key=OA_KEY)
    corpus(server)
    server.start()
    yield server
    server.stop()


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
