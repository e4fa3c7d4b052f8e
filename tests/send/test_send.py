"""``retest send`` against a real chat-completions server on 127.0.0.1, through the real CLI."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers.chat import ChatServer, default_reply
from conftest import KEY, SEED_002, archive_rows as rows, make_docs, requests_for, run_cli, send, server_env, serving


server = serving(ChatServer)


@pytest.fixture
def env(server, tmp_path):
    return server_env(server, tmp_path)


FAULTS = ["429", "429:1", "429:ms300", "500", "503", "502", "408", "409", "drop", "cut", "nodone", "nofinish"]


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_every_fault_is_retried_and_each_prompt_archived_once(server, env, tmp_path, stream):
    faults = [f for f in FAULTS if stream or f not in ("cut", "nodone")]
    docs = make_docs(tmp_path / "docs", len(faults))
    for k, fault in enumerate(faults):
        server.script[f"marker{k:02d}x"] = __import__("collections").deque([fault])
    r = send(env, *docs, "-j", "4", *([] if stream else ["--no-stream"]))
    assert r.returncode == 0, r.stderr
    assert f"{len(faults)} sent, 0 skipped (already archived), 0 failed" in r.stderr
    ok = rows(env, "SELECT p.text, r.reply, r.attempts, r.finish_reason FROM replies r JOIN prompts p"
                   " ON p.id = r.prompt_id WHERE r.status = 'ok'")
    assert len(ok) == len(faults) == len({p for p, *_ in ok})
    for prompt, reply, attempts, finish in ok:
        assert reply == default_reply(prompt)  # complete, never a partial stream
        assert attempts == 2 and finish == "stop"
    assert rows(env, "SELECT count(*) FROM replies WHERE status != 'ok'") == [(0,)]
    retried = rows(env, "SELECT count(*) FROM attempts WHERE outcome = 'retry'")[0][0]
    assert retried == len(faults)
    for k, fault in enumerate(faults):
        sent = requests_for(server, f"marker{k:02d}x")
        assert len(sent) == 2, fault
        gap = sent[1]["t"] - sent[0]["t"]
        if fault == "429:1":
            assert gap >= 0.95  # Retry-After: 1 honoured
        if fault == "429:ms300":
            assert gap >= 0.28  # retry-after-ms honoured
    assert server.max_active <= 4


def test_stream_request_asks_for_usage_and_records_it(server, env):
    r = send(env, SEED_002)
    assert r.returncode == 0
    body = server.completions()[0]["body"]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    (usage,) = rows(env, "SELECT prompt_tokens, completion_tokens, total_tokens FROM replies")
    assert all(isinstance(x, int) and x > 0 for x in usage)
    assert r.stdout.startswith("Reply ")  # one prompt: the reply goes to stdout


def test_gives_up_after_max_attempts(server, env):
    server.queue.extend(["503"] * 10)
    r = send(env, SEED_002, "--max-attempts", "3")
    assert r.returncode == 1
    assert len(server.completions()) == 3
    assert "failed after 3 attempts (503" in r.stderr
    assert rows(env, "SELECT status, attempts, reply FROM replies") == [("failed", 3, None)]
    server.queue.clear()
    again = send(env, SEED_002)  # a failed prompt is tried again on the next run
    assert again.returncode == 0 and rows(env, "SELECT count(*) FROM replies WHERE status='ok'") == [(1,)]


@pytest.mark.parametrize("fault, code, needles", [
    ("400", 1, ["rejected the request (400", "--max-output-tokens"]),
    ("401", 2, ["OPENAI_API_KEY was rejected", "401"]),
    ("quota", 2, ["no quota left", "OPENAI_API_KEY"]),
])
def test_client_errors_are_not_retried(server, env, fault, code, needles):
    server.queue.append(fault)
    r = send(env, SEED_002)
    assert r.returncode == code
    assert len(server.completions()) == 1
    assert all(n in r.stderr for n in needles), r.stderr
    assert "Traceback" not in r.stderr
    assert KEY not in r.stderr + r.stdout


def test_unknown_model_names_the_setting(server, env):
    # the endpoint's /v1/models does not list it: refused before any request, naming what it serves
    r = send(env, SEED_002, "--model", "no-such-model")
    assert r.returncode == 2 and len(server.completions()) == 0
    assert "does not serve 'no-such-model'" in r.stderr and "test-model" in r.stderr
    # unchecked, the server's own refusal names the setting
    r = send(env, SEED_002, "--model", "no-such-model", "--no-model-check")
    assert r.returncode == 2 and len(server.completions()) == 1
    assert "--model no-such-model: not found" in r.stderr and "--base-url" in r.stderr


def test_wrong_key_stops_the_batch(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 6)
    server.queue.extend(["401"] * 6)
    r = send(env, *docs, "-j", "2")
    assert r.returncode == 2
    assert len(server.completions()) <= 2  # only what was already in flight
    assert r.stderr.strip().splitlines()[-1].startswith("retest: error: OPENAI_API_KEY was rejected")


def test_key_never_reaches_archive_or_output(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 3)
    server.queue.extend(["401"])
    out = [send(env, docs[0])]  # a 401 whose message echoes the key
    out.append(send(env, *docs))
    out.append(run_cli("archive", "export", "--all", env=env))
    out.append(run_cli("archive", "show", "1", env=env))
    out.append(run_cli("archive", "list", "--json", env=env))
    for r in out:
        assert KEY not in r.stdout and KEY not in r.stderr
    assert any("***" in r.stderr for r in out)  # the echoed key was redacted, not dropped silently
    for suffix in ("", "-wal", "-shm"):
        path = env["RETEST_ARCHIVE"] + suffix
        if os.path.exists(path):
            assert KEY.encode() not in Path(path).read_bytes()
    assert all(r["headers"].get("authorization") == f"Bearer {KEY}" for r in server.completions())


def test_dry_run_sends_nothing(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 3)
    r = send(env, *docs, "--dry-run")
    assert r.returncode == 0
    assert server.requests == []
    assert r.stdout.count("would send") == 3 and "tokens" in r.stdout
    assert "3 of 3 prompts" in r.stderr and "nothing was sent" in r.stderr
    assert not os.path.exists(env["RETEST_ARCHIVE"])


def test_rerun_skips_answered_prompts_and_force_resends(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 3)
    assert send(env, *docs).returncode == 0
    one = send(env, docs[1])  # a single answered prompt: its archived reply, no request
    assert one.returncode == 0 and one.stdout.startswith("Reply ") and "printed from the archive" in one.stderr
    assert one.stdout.strip() == rows(env, "SELECT r.reply FROM replies r JOIN prompts p ON p.id = r.prompt_id"
                                           " WHERE p.text LIKE '%marker01x%'")[0][0]
    dry = send(env, *docs, "--dry-run")
    assert dry.stdout.count("(already archived: would skip)") == 3 and "0 of 3 prompts" in dry.stderr
    again = send(env, *docs)
    assert again.returncode == 0 and "0 sent, 3 skipped" in again.stderr
    assert len(server.completions()) == 3
    other = send(env, docs[0], "--temperature", "0.5")  # other parameters: a different job
    assert "1 sent" in other.stderr
    forced = send(env, docs[0], "--force")
    assert "1 sent" in forced.stderr and len(server.completions()) == 5
    assert rows(env, "SELECT count(*) FROM replies WHERE status='ok'") == [(5,)]


def test_prompt_file_and_stdin(server, env, tmp_path):
    f = tmp_path / "edited.txt"
    f.write_text("An edited prompt about arXiv:2504.07912.\n")
    r = send(env, "--prompt", f)
    assert r.returncode == 0 and r.stdout.startswith("Reply ")
    r2 = send(env, "--prompt", "-", input="Another prompt from stdin.\n")
    assert r2.returncode == 0
    assert rows(env, "SELECT text, source, template FROM prompts ORDER BY id") == [
        ("An edited prompt about arXiv:2504.07912.\n", None, None),
        ("Another prompt from stdin.\n", None, None),
    ]
    both = send(env, SEED_002, "--prompt", f)
    assert both.returncode == 2 and "one of them" in both.stderr


def test_kill_9_mid_batch_then_rerun(server, env, tmp_path):
    server.latency = 0.25
    docs = make_docs(tmp_path / "docs", 12)
    cmd = [sys.executable, "-m", "retest", "send", "--backoff", "0.01", "-j", "2", *map(str, docs)]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if rows(env, "SELECT count(*) FROM replies WHERE status='ok'")[0][0] >= 4:
                break
        except sqlite3.OperationalError:
            pass  # the archive is still being created
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {p for (p,) in rows(env, "SELECT p.text FROM replies r JOIN prompts p ON p.id = r.prompt_id"
                                      " WHERE r.status = 'ok'")}
    assert 4 <= len(before) < 12
    r = send(env, "-j", "2", *docs)
    assert r.returncode == 0, r.stderr
    ok = rows(env, "SELECT p.sha256 FROM replies r JOIN prompts p ON p.id = r.prompt_id WHERE r.status='ok'")
    assert len(ok) == 12 == len(set(ok))  # every prompt once, no duplicates
    assert rows(env, "SELECT count(*) FROM replies WHERE status != 'ok'") == [(0,)]
    for k in range(12):
        sent = requests_for(server, f"marker{k:02d}x")
        prompt = sent[0]["body"]["messages"][-1]["content"]
        if prompt in before:
            assert len(sent) == 1  # archived before the kill: not sent again


def test_two_processes_share_one_archive(server, env, tmp_path):
    server.latency = 0.05
    docs = make_docs(tmp_path / "docs", 16)
    cmd = [sys.executable, "-m", "retest", "send", "--backoff", "0.01", "-j", "3", *map(str, docs)]
    procs = [subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    ok = rows(env, "SELECT prompt_id FROM replies WHERE status = 'ok'")
    assert len(ok) == 16 == len(set(ok))
    assert len(server.completions()) == 16  # the claim kept them from sending twice
    assert rows(env, "SELECT count(*) FROM replies") == [(16,)]


def test_unreachable_endpoint(env):
    r = send({**env, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, SEED_002)
    assert r.returncode == 2
    assert "cannot reach http://127.0.0.1:9/v1" in r.stderr and "--base-url" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_missing_model_and_bad_url(env):
    r = send({**env, "RETEST_MODEL": ""}, SEED_002)
    assert r.returncode == 2 and "--model" in r.stderr and "RETEST_MODEL" in r.stderr
    r = send(env, SEED_002, "--base-url", "ftp://x")
    assert r.returncode == 2 and "--base-url" in r.stderr
    r = send(env, SEED_002, "--base-url", "http://localhost:port/v1")
    assert r.returncode == 2 and "invalid port" in r.stderr and "Traceback" not in r.stderr


def test_archive_that_is_not_sqlite_is_left_alone(server, env, tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("my precious notes\n")
    r = send(env, SEED_002, "--archive", notes)
    assert r.returncode == 2 and "not a SQLite database" in r.stderr and str(notes) in r.stderr
    assert notes.read_text() == "my precious notes\n"
    assert server.requests == []


def test_foreign_sqlite_database_is_refused(server, env, tmp_path):
    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    r = send(env, SEED_002, "--archive", other)
    assert r.returncode == 2 and "not a retest archive" in r.stderr
    assert rows({"RETEST_ARCHIVE": str(other)}, "SELECT name FROM sqlite_master") == [("t",)]


def test_unwritable_archive_path(server, env, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = send(env, SEED_002, "--archive", blocker / "archive.db")
    assert r.returncode == 2 and "--archive" in r.stderr and "Traceback" not in r.stderr
    assert server.requests == []


def test_archive_commands(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 3)
    assert send(env, *docs).returncode == 0
    listing = run_cli("archive", "list", env=env)
    assert listing.returncode == 0 and len(listing.stdout.strip().splitlines()) == 4
    as_json = json.loads(run_cli("archive", "list", "--json", "-n", "2", env=env).stdout)
    assert [r["id"] for r in as_json] == [3, 2]
    assert run_cli("archive", "list", "--model", "other", "--json", env=env).stdout.strip() == "[]"
    assert len(json.loads(run_cli("archive", "list", "--since", "2000-01-01", "--json", env=env).stdout)) == 3
    show = run_cli("archive", "show", "2", env=env)
    assert show.stdout.startswith("# Reply 2") and "## Prompt" in show.stdout and "## Reply" in show.stdout
    assert "test-model" in show.stdout and "127.0.0.1" in show.stdout
    detail = json.loads(run_cli("archive", "show", "2", "--json", env=env).stdout)
    assert detail["status"] == "ok" and detail["attempt_log"][0]["outcome"] == "ok"
    found = json.loads(run_cli("archive", "search", "marker01x", "--json", env=env).stdout)  # in a prompt
    assert [r["id"] for r in found] == [2]
    digest = default_reply(detail["prompt"]).split()[1].rstrip(".")
    found = json.loads(run_cli("archive", "search", digest, "--json", env=env).stdout)  # in a reply
    assert [r["id"] for r in found] == [2]
    assert run_cli("archive", "search", 'odd "quote', env=env).returncode == 0
    export = run_cli("archive", "export", env=env)
    records = [json.loads(l) for l in export.stdout.splitlines()]
    assert len(records) == 3
    for rec in records:
        assert {"id", "source", "model", "prompt", "prompt_sha256", "reply", "status", "created_at", "usage"} <= rec.keys()
    out = tmp_path / "export.md"
    md = run_cli("archive", "export", "--format", "markdown", "--out", out, env=env)
    assert md.returncode == 0 and sum(l.startswith("# Reply ") for l in out.read_text().splitlines()) == 3
    missing = run_cli("archive", "show", "99", env=env)
    assert missing.returncode == 2 and "no reply 99" in missing.stderr
    assert run_cli("archive", "path", env=env).stdout.strip() == env["RETEST_ARCHIVE"]


def test_a_missing_archive_reads_as_empty(tmp_path):
    env = {"RETEST_ARCHIVE": str(tmp_path / "none.db")}
    for args in (["archive", "list"], ["archive", "search", "x"], ["archive", "export"]):
        r = run_cli(*args, env=env)
        assert r.returncode == 0 and r.stdout == "", (args, r.stderr)
        assert r.stderr.strip() == f"no replies yet — `retest send` fills the archive at {tmp_path / 'none.db'}"
        assert "--archive" not in r.stderr
    assert run_cli("archive", "list", "--json", env=env).stdout.strip() == "[]"
    show = run_cli("archive", "show", "1", env=env)
    assert show.returncode == 2 and "nothing is archived yet" in show.stderr
    assert not (tmp_path / "none.db").exists()  # only writes create it


def test_schema_is_versioned(server, env):
    send(env, SEED_002)
    db = sqlite3.connect(env["RETEST_ARCHIVE"])
    assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.execute("PRAGMA user_version = 999")
    db.commit()
    db.close()
    r = run_cli("archive", "list", env=env)
    assert r.returncode == 2 and "newer retest" in r.stderr


def test_check_an_archived_reply_and_show_its_verdicts(server, env):
    server.reply = lambda prompt: ("Holds: arXiv:2504.07912 (~91% still). New: arXiv:2609.01234. "
                                   "Dubious: arXiv:2513.01234 and arXiv:2702.00001.")
    assert send(env, SEED_002).returncode == 0
    r = run_cli("check", "1", "--json", env=env)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert {c["id"]: c["verdict"] for c in data["cited"]} == {
        "2504.07912": "known", "2609.01234": "new", "2513.01234": "malformed", "2702.00001": "impossible"}
    assert data["as_of"] == time.strftime("%Y-%m-%d", time.gmtime())  # the reply's own date
    assert [c["addressed"] for c in data["claims"]] == [True, False, False, False, False]
    show = run_cli("archive", "show", "1", env=env)
    assert "## Cited arXiv IDs (retest check)" in show.stdout
    assert "- `2513.01234` — **malformed**: month 13 does not exist" in show.stdout
    shown = json.loads(run_cli("archive", "show", "1", "--json", env=env).stdout)
    assert {v["arxiv_id"]: v["verdict"] for v in shown["verdicts"]}["2702.00001"] == "impossible"
    missing = run_cli("check", "42", env=env)
    assert missing.returncode == 2 and "no reply 42" in missing.stderr


def test_send_check_counts_suspect_citations(server, env, tmp_path):
    server.reply = lambda prompt: "See arXiv:2513.01234 and arXiv:2609.01234."
    docs = make_docs(tmp_path / "docs", 3)
    r = send(env, *docs, "--check")
    assert r.returncode == 0
    assert "3 suspect citation(s)" in r.stderr
    assert rows(env, "SELECT count(*), sum(verdict = 'malformed') FROM verdicts") == [(6, 3)]


def test_a_request_that_times_out_is_retried(server, env):
    server.queue.append("slow:2.5")
    r = send(env, SEED_002, "--timeout", "1")
    assert r.returncode == 0, r.stderr
    assert "did not finish the reply in time (--timeout 1 s)" in r.stderr and len(server.completions()) == 2
    assert "sending fewer" not in r.stderr  # one request alone is not overload
    assert rows(env, "SELECT status, attempts FROM replies") == [("ok", 2)]


def test_one_prompt_streams_live_to_a_terminal(server, env):
    import pty

    master, slave = pty.openpty()
    server.queue.append("cut")  # a broken first stream: the terminal is told, the reply starts over
    proc = subprocess.Popen([sys.executable, "-m", "retest", "send", "--backoff", "0.01", str(SEED_002)],
                            env={**os.environ, **env}, stdout=slave, stderr=subprocess.PIPE, text=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    out = b"".join(chunks).decode()
    full = rows(env, "SELECT reply FROM replies WHERE status = 'ok'")[0][0]
    assert proc.returncode == 0
    assert out.rstrip().endswith(full)  # streamed as it arrived, ending with the whole reply
    assert out.count("Reply ") == 2  # the partial first attempt, then the complete one


def test_credentials_in_the_base_url_never_reach_messages(env):
    r = send({**env, "OPENAI_BASE_URL": "http://bob:hunter2@127.0.0.1:9/v1"}, SEED_002)
    assert r.returncode == 2 and "http://127.0.0.1:9/v1" in r.stderr and "user:password@" in r.stderr
    assert "hunter2" not in r.stderr


def test_preflight_honours_proxy_settings(monkeypatch):
    from retest.send.endpoint import Settings, behind_proxy

    for var in ("https_proxy", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,.local")
    assert behind_proxy("api.openai.com") is True
    assert behind_proxy("127.0.0.1") is False and behind_proxy("box.local") is False
    assert Settings(model="m", base_url="http://127.0.0.1:8000/v1").proxied is False
