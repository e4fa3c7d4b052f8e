"""``batch submit`` against a server with no Batch API (llama.cpp's: 404 on /v1/files), and what the rows
of a batch that never was say afterwards."""

import pytest
from servers.batch import BatchServer
from servers.chat import ChatServer
from conftest import archive_rows as rows, make_docs, run_cli, server_env, serving

server = serving(ChatServer)
batch_server = serving(BatchServer)


def test_a_server_without_a_batch_api_shows_the_export_route(server, tmp_path):
    env = server_env(server, tmp_path)
    docs = make_docs(tmp_path / "docs", 2)
    r = run_cli("batch", "submit", *docs, env=env)
    assert r.returncode == 1, r.stderr
    assert "has no Batch API" in r.stderr, r.stderr
    assert "not found" not in r.stderr and "--model" not in r.stderr.split("has no Batch API")[0][-80:]
    for step in ("retest batch export", "vllm run-batch", "retest batch import"):
        assert step in r.stderr, r.stderr
    assert r.stdout == ""


def test_rows_of_a_batch_that_failed_to_be_made_say_why(server, tmp_path):
    env = server_env(server, tmp_path)
    docs = make_docs(tmp_path / "docs", 2)
    assert run_cli("batch", "submit", *docs, env=env).returncode == 1
    # nothing waits on them: each says why it has no reply, and a send takes them at once
    assert rows(env, "SELECT status, error LIKE '%no Batch API%', owner FROM replies") == [("failed", 1, None)] * 2
    listed = run_cli("archive", "list", "--status", "failed", env=env)
    assert listed.returncode == 0 and listed.stdout.count("not sent: batch 1 failed") == 2, listed.stdout
    sent = run_cli("send", *docs, env=env)
    assert sent.returncode == 0, sent.stderr
    assert rows(env, "SELECT status, count(*) FROM replies GROUP BY status") == [("failed", 2), ("ok", 2)]


def test_a_model_the_batch_api_does_not_know_is_still_said_so(batch_server, tmp_path):
    batch_server.faults.append("create:404")
    env = server_env(batch_server, tmp_path)
    r = run_cli("batch", "submit", *make_docs(tmp_path / "docs", 1), env=env)
    assert r.returncode == 1 and "does not support batches" in r.stderr and "no Batch API" not in r.stderr
    assert rows(env, "SELECT status, error LIKE '%does not support batches%' FROM replies") == [("failed", 1)]


def test_no_row_stays_pending_after_an_interrupted_send_without_a_reason(tmp_path):
    """A prompt given back by a stopped run waits for the next run, and says so."""
    import os
    import signal
    import subprocess
    import sys
    import time

    chat = ChatServer(latency=30)
    chat.start()
    try:
        env = server_env(chat, tmp_path)
        proc = subprocess.Popen([sys.executable, "-m", "retest", "send", *map(str, make_docs(tmp_path / "d", 1))],
                                env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 30
        while not chat.completions() and time.time() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        (status, error), = rows(env, "SELECT status, error FROM replies")
        assert status == "pending" and error and "stopped" in error, error
    finally:
        chat.stop()
