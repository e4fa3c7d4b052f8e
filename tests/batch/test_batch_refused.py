"""A batch the provider refused to create: recorded as failed with its message, its prompts free again."""

import pytest
from servers.batch import BatchServer
from servers.chat import ChatServer
from conftest import archive_rows as rows, make_docs, run_cli, server_env, serving


server = serving(BatchServer)


@pytest.fixture
def env(server, tmp_path):
    return server_env(server, tmp_path)


def test_a_refused_creation_fails_the_batch_and_frees_its_prompts(server, env, tmp_path):
    server.faults.append("create:404")
    docs = make_docs(tmp_path / "docs", 2)
    r = run_cli("batch", "submit", *docs, env=env)
    assert r.returncode == 1, r.stderr
    assert "batch 1 failed" in r.stderr and "does not support batches" in r.stderr
    assert "free to send again" in r.stderr
    assert "0 requests in 0 batch(es); 1 batch(es) of 2 requests failed to be created" in r.stderr
    assert r.stdout == ""
    assert rows(env, "SELECT state, error LIKE '%does not support batches%' FROM batches") == [("failed", 1)]
    assert rows(env, "SELECT count(*) FROM replies WHERE owner IS NOT NULL") == [(0,)]
    for args in (["status"], ["status", "1"], ["status", "--all"], ["status", "--json", "--all"]):
        status = run_cli("batch", *args, env=env)
        assert status.returncode == 0, (args, status.stderr)
    assert "failed" in run_cli("batch", "status", "1", env=env).stdout
    chat = ChatServer()
    chat.start()
    try:  # the same prompts, same endpoint settings: sent now, not held by a batch that never was
        sent = run_cli("send", *docs, env={**env, "OPENAI_BASE_URL": server.base_url})
        assert "in an open batch" not in sent.stderr
        again = run_cli("batch", "submit", *docs, env=env)
        assert again.returncode == 0 and "2 requests in 1 batch(es)" in again.stderr, again.stderr
    finally:
        chat.stop()


def test_send_says_how_to_release_prompts_held_by_an_open_batch(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 2)
    assert run_cli("batch", "submit", *docs, env=env).returncode == 0
    held = run_cli("send", *docs, env=env)
    assert "2 in an open batch" in held.stderr
    assert "retest batch cancel 1" in held.stderr, held.stderr
