"""A document on stdin, for `send -` and `batch export|submit -` as for `extract -` and `build -`."""

import json

from servers.batch import BatchServer
from servers.chat import ChatServer
from conftest import SEED_002, archive_rows as rows, run_cli, server_env, serving

chat = serving(ChatServer)


def test_send_reads_a_document_from_stdin(chat, tmp_path):
    env = server_env(chat, tmp_path)
    text = SEED_002.read_text()
    r = run_cli("send", "-", input=text, env=env)
    assert r.returncode == 0, r.stderr
    assert "1 sent" in r.stderr and r.stdout.startswith("Reply ")
    (body,) = [c["body"] for c in chat.completions()]
    assert "arXiv:2504.07912" in json.dumps(body)
    assert rows(env, "SELECT source FROM prompts") == [("<stdin>",)]
    dry = run_cli("send", "-", "--dry-run", input=text, env=env)
    assert dry.returncode == 0 and "already archived: would skip" in dry.stdout
    empty = run_cli("send", "-", input="", env=env)
    assert empty.returncode == 2 and "<stdin>: empty file" in empty.stderr


def test_send_reads_stdin_beside_files(chat, tmp_path):
    env = server_env(chat, tmp_path)
    other = SEED_002.read_text().replace("token routing", "stdinmarker routing", 1)
    r = run_cli("send", SEED_002, "-", input=other, env=env)
    assert r.returncode == 0 and "2 sent" in r.stderr, r.stderr
    assert {s for (s,) in rows(env, "SELECT source FROM prompts")} == {"<stdin>", str(SEED_002)}


def test_batch_export_and_submit_read_stdin(tmp_path):
    batch = BatchServer()
    batch.start()
    try:
        env = server_env(batch, tmp_path)
        text = SEED_002.read_text()
        out = tmp_path / "requests.jsonl"
        r = run_cli("batch", "export", "-", "-o", out, input=text, env=env)
        assert r.returncode == 0 and "wrote 1 requests" in r.stderr, r.stderr
        (line,) = out.read_text().splitlines()
        assert "2504.07912" in line
        other = text.replace("token routing", "submitted routing", 1)
        s = run_cli("batch", "submit", "-", input=other, env=env)
        assert s.returncode == 0 and "1 requests in 1 batch(es)" in s.stderr, s.stderr
        (b,) = batch.batches.values()
        assert "submitted routing" in json.dumps(b["requests"][0]["body"])
    finally:
        batch.stop()
