"""A server that refuses the request's shape (llama-cpp-python's 500 with a validation error for a
``json_schema`` response format) is not overloaded: one attempt per model, one clean line, a way out."""

import pytest
from servers.chat import ChatServer
from conftest import archive_rows as rows, make_docs, run_cli, send, server_env, serving

server = serving(ChatServer)


@pytest.fixture
def env(server, tmp_path):
    return server_env(server, tmp_path)


def test_a_refused_shape_fails_once_per_model_and_suggests_the_block(server, env, tmp_path):
    server.model_faults["test-model"] = "shape"
    docs = make_docs(tmp_path / "docs", 3)
    r = send(env, *docs, "--verdicts", "json-schema", "-j", "1")
    assert r.returncode == 1, r.stderr
    assert len(server.completions()) == 1  # not six attempts, nor one for each of the other prompts
    lines = [line for line in r.stderr.splitlines() if "validation error" in line]
    assert len(lines) == 1, r.stderr
    assert "--verdicts block" in lines[0]
    assert "Input should be 'text' or 'json_object'" in lines[0]
    assert "line 376" not in r.stderr and "File " not in r.stderr and "line )" not in r.stderr
    assert "0 sent, 0 skipped (already archived), 3 failed" in r.stderr
    # every prompt says why it was not answered; none waits on anything
    assert rows(env, "SELECT status, count(*), sum(error LIKE '%--verdicts block%') FROM replies GROUP BY status") \
        == [("failed", 3, 3)]
    # the block needs nothing from the server: the same prompts go through
    del server.model_faults["test-model"]
    again = send(env, *docs, "--verdicts", "block")
    assert again.returncode == 0, again.stderr


def test_a_refused_shape_of_one_model_leaves_the_other(tmp_path):
    chat = ChatServer(models=("model-a", "model-b"))
    chat.start()
    try:
        chat.model_faults["model-a"] = "shape"
        env = {**server_env(chat, tmp_path), "RETEST_MODEL": ""}
        docs = make_docs(tmp_path / "docs", 2)
        r = send(env, *docs, "-m", "model-a", "-m", "model-b", "--verdicts", "json-schema", "-j", "1")
        assert r.returncode == 1, r.stderr
        by_model = {}
        for request in chat.completions():
            by_model[request["body"]["model"]] = by_model.get(request["body"]["model"], 0) + 1
        assert by_model == {"model-a": 1, "model-b": 2}
        assert rows(env, "SELECT model, status, count(*) FROM replies GROUP BY model, status") == [
            ("model-a", "failed", 2), ("model-b", "ok", 2)]
    finally:
        chat.stop()
