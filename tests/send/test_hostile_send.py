"""Nothing received is lost or sent twice, no key leaks, no hang: ``send`` and the archive under faults."""

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers.chat import ChatServer, default_reply
from conftest import (
    KEY,
    SEED_002,
    archive_rows as rows,
    make_docs,
    requests_for,
    run_cli,
    run_on_tty,
    send,
    server_env,
    serving,
)


server = serving(ChatServer)


@pytest.fixture
def env(server, tmp_path):
    return server_env(server, tmp_path)


def _one_line(r):
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    return lines


# -- data lost or sent twice ---------------------------------------------------------

@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_surrogates_in_a_reply_are_mended_not_lost(server, env, stream):
    server.queue.append("surrogate")
    r = send(env, SEED_002, *([] if stream else ["--no-stream"]))
    assert r.returncode == 0, r.stderr
    (status, reply, note), = rows(env, "SELECT status, reply, note FROM replies")
    (outcome,), = rows(env, "SELECT outcome FROM attempts")
    assert status == "ok" and outcome == "ok" and len(server.completions()) == 1  # paid for once, kept
    if stream:
        assert "😀" in reply and "joined" in note
    else:
        assert "\ufffd" in reply and "replaced" in note
    assert reply.replace("😀", "").replace("\ufffd", "").replace("  ", " ").startswith("Reply ")


def test_a_null_reply_is_not_an_answer(server, env):
    server.queue.append("null")
    r = send(env, SEED_002, "--no-stream")
    assert r.returncode == 0, r.stderr
    assert rows(env, "SELECT status, attempts FROM replies") == [("ok", 2)]
    assert rows(env, "SELECT reply FROM replies")[0][0] == default_reply(server.completions()[0]["body"]["messages"][-1]["content"])
    assert "has no text" in rows(env, "SELECT error FROM attempts WHERE n = 1")[0][0]


@pytest.mark.parametrize("jobs", ["4", "1"])
def test_the_same_document_twice_is_sent_once(server, env, tmp_path, jobs):
    server.latency = 0.3
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.txt", "b.txt"):
        (folder / name).write_text(SEED_002.read_text())  # identical copies
    r = send(env, SEED_002, SEED_002, f"{SEED_002.parent}/./{SEED_002.name}", folder, "-j", jobs)
    assert r.returncode == 0, r.stderr
    assert len(server.completions()) == 1
    assert rows(env, "SELECT count(*) FROM replies") == [(1,)]


def test_a_full_disk_stops_the_run_and_keeps_what_was_stored(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 40)
    assert send(env, docs[0]).returncode == 0
    size = sum(os.path.getsize(env["RETEST_ARCHIVE"] + s) for s in ("", "-wal") if os.path.exists(env["RETEST_ARCHIVE"] + s))
    limit = size + 48_000

    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    r = subprocess.run([sys.executable, "-m", "retest", "send", "--backoff", "0.01", "-j", "2", *map(str, docs)],
                       env={**os.environ, **env, "NO_COLOR": "1"}, capture_output=True, text=True, timeout=120,
                       preexec_fn=small_disk)
    assert r.returncode == 2, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("retest: error:") and env["RETEST_ARCHIVE"] in last and "cannot store" in last
    _one_line(r)
    db = sqlite3.connect(env["RETEST_ARCHIVE"])
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {p for (p,) in db.execute("SELECT p.text FROM replies r JOIN prompts p ON p.id = r.prompt_id"
                                       " WHERE r.status = 'ok'")}
    assert all(reply == default_reply(p) for p, reply in db.execute(
        "SELECT p.text, r.reply FROM replies r JOIN prompts p ON p.id = r.prompt_id WHERE r.status = 'ok'"))
    assert db.execute("SELECT count(*) FROM replies WHERE status = 'failed'").fetchone()[0] == 0
    db.close()
    assert 1 <= len(stored) < 40
    again = send(env, *docs)  # room again: the rest is finished, nothing stored is sent again
    assert again.returncode == 0, again.stderr
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(40,)]
    for k in range(40):
        sent = requests_for(server, f"marker{k:02d}x")
        if sent[0]["body"]["messages"][-1]["content"] in stored:
            assert len(sent) == 1


def test_waits_for_another_process_and_takes_over_when_it_fails(server, env, tmp_path):
    holder = (
        "import sys, time, hashlib; from retest.archive import Archive; "
        "a = Archive(sys.argv[1]); text = open(sys.argv[2]).read(); "
        "pid = a.add_prompt(text, hashlib.sha256(text.encode()).hexdigest()); "
        "rid, _ = a.claim(pid, model=sys.argv[3], endpoint=sys.argv[4], params=sys.argv[5], params_sha256=sys.argv[6]); "
        "print('claimed', flush=True); time.sleep(2); a.fail(rid, 'the other run gave up'); time.sleep(1)"
    )
    from retest import load
    from retest.build import build
    from retest.send.endpoint import Settings

    prompt = build(load(SEED_002), "retest")
    text = tmp_path / "prompt.txt"
    text.write_text(prompt.prompt)
    s = Settings(model="test-model", base_url=server.base_url)
    proc = subprocess.Popen([sys.executable, "-c", holder, env["RETEST_ARCHIVE"], str(text), s.model, s.endpoint,
                             "{}", s.params_sha256], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "claimed"
    t = time.monotonic()
    r = send(env, "--prompt", text)
    proc.wait(timeout=30)
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t >= 1.5  # it waited for the other run
    assert rows(env, "SELECT status FROM replies ORDER BY id") == [("failed",), ("ok",)]
    assert len(server.completions()) == 1


def test_sigterm_releases_claims_and_says_so(server, env, tmp_path):
    server.latency = 0.5
    docs = make_docs(tmp_path / "docs", 8)
    proc = subprocess.Popen([sys.executable, "-m", "retest", "send", "--backoff", "0.01", "-j", "2", *map(str, docs)],
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline and len(server.completions()) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert "stopped by SIGTERM" in err and "Traceback" not in err
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'pending' AND owner IS NOT NULL") == [(0,)]
    again = send(env, *docs)
    assert again.returncode == 0 and rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(8,)]


def test_send_reports_prompts_in_an_open_batch_not_as_success(server, env, tmp_path):
    from retest.archive import Archive

    r = send(env, SEED_002, "--dry-run")
    assert r.returncode == 0
    # a batch holds the prompt: send skips it, and says where it is
    from retest import load
    from retest.build import build
    from retest.send.endpoint import Settings

    s = Settings(model="test-model", base_url=server.base_url)
    p = build(load(SEED_002), "retest")
    with Archive(env["RETEST_ARCHIVE"]) as a:
        pid = a.add_prompt(p.prompt, p.sha256)
        with a.transaction():
            a.db.execute("INSERT INTO batches (id, intent, endpoint, api, url, model, params_sha256, state, requests,"
                         " created_at, updated_at) VALUES (1, 'i', ?, 'chat', '/v1/chat/completions', 'test-model', ?,"
                         " 'submitted', 1, 'x', 'x')",
                         (s.endpoint, s.params_sha256))
        a.claim(pid, model=s.model, endpoint=s.endpoint, params=s.params, params_sha256=s.params_sha256,
                owner="batch:1")
    r = send(env, SEED_002)
    assert r.returncode == 0 and "1 in an open batch" in r.stderr and server.completions() == []


# -- secrets ---------------------------------------------------------------------------

@pytest.mark.parametrize("key", [KEY + "\n", KEY + "\r", "\t" + KEY, KEY.replace("-", "  ", 1), KEY + " "])
def test_a_key_with_whitespace_is_refused_up_front(server, env, key):
    r = send({**env, "OPENAI_API_KEY": key}, SEED_002)
    assert r.returncode == 2 and server.requests == []
    lines = _one_line(r)
    assert len(lines) == 1 and "OPENAI_API_KEY contains whitespace" in lines[0]
    assert KEY not in r.stderr + r.stdout and KEY.strip()[:12] not in r.stderr


def test_redaction_covers_every_form_of_the_key():
    from retest.util import redact

    redact.clear()
    key = "sk-proj-Abc123Def456Ghi789\r"
    redact.register(key)
    try:
        for leak in [key, key.strip(), repr(key), f"b'Bearer {key}'", repr(key.encode()), " ".join(f"Bearer {key} sent".split()),
                     key.strip()[:20] + "\n" + key.strip()[20:], key.strip().replace("-", "- ")]:
            out = redact.scrub(f"Illegal header value {leak} in request")
            assert "Abc123Def456" not in out and "123Def456Ghi" not in out, (leak, out)
            assert "***" in out
        assert redact.scrub("nothing secret here, sk-proj") == "nothing secret here, sk-proj"
    finally:
        redact.clear()


def test_a_key_echoed_by_the_server_never_reaches_output_or_archive(server, env, tmp_path):
    server.queue.extend(["401"])
    r = send(env, SEED_002)
    assert r.returncode == 2 and "***" in r.stderr and KEY not in r.stderr
    for suffix in ("", "-wal"):
        path = Path(env["RETEST_ARCHIVE"] + suffix)
        if path.exists():
            assert KEY.encode() not in path.read_bytes() and KEY[3:15].encode() not in path.read_bytes()


# -- redirects, Retry-After, deadlines ---------------------------------------------------

@pytest.mark.parametrize("code", ["301", "302", "307", "308"])
def test_a_redirect_stops_the_run_naming_the_url(server, env, code):
    other = ChatServer()
    other.start()
    server.other = other
    try:
        server.queue.append(f"redirect:{code}")
        r = send(env, SEED_002)
        assert r.returncode == 2
        lines = _one_line(r)
        assert "--base-url" in lines[-1] and f"redirects ({code}) to http://127.0.0.1:{other.port}" in lines[-1]
        assert other.requests == [] and len(server.completions()) == 1
        assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(0,)]
    finally:
        other.stop()


@pytest.mark.parametrize("value", ["soon", "Wed, 99 Foo 2026 99:00:00 GMT", "Wed, 21 Oct 2015 07:28:00 -0000",
                                   "-5", "nan", "1e400"])
def test_an_unreadable_retry_after_still_retries(server, env, value):
    server.queue.append(f"429:{value}")
    r = send(env, SEED_002, "--timeout", "30")
    assert r.returncode == 0, r.stderr
    assert rows(env, "SELECT status, attempts FROM replies") == [("ok", 2)]


def test_a_long_retry_after_is_capped_and_said():
    import httpx2
    import openai

    from retest.send.endpoint import Settings
    from retest.send.run import Run

    response = httpx2.Response(429, headers={"Retry-After": "99999"},
                               request=httpx2.Request("POST", "http://x/v1/chat/completions"))
    error = openai.RateLimitError("slow down", response=response, body=None)
    wait, note = Run([Settings(model="m")], archive=None)._wait(error, 1, False)
    assert wait == 120 and "asked to wait 99,999 s; waiting 120 s" in note


def test_a_trickling_stream_is_cut_at_the_deadline(server, env):
    server.queue.extend(["trickle:0.3"] * 3)
    t = time.monotonic()
    r = send(env, SEED_002, "--timeout", "2", "--max-attempts", "2")
    took = time.monotonic() - t
    assert r.returncode == 1 and took < 30, (took, r.stderr)  # a whole reply would trickle for minutes
    assert "did not finish the reply in time (--timeout 2 s)" in r.stderr
    assert rows(env, "SELECT status, attempts FROM replies") == [("failed", 2)]


def test_terminal_escapes_in_a_reply_are_shown_not_obeyed(server, env):
    server.queue.append("escape")
    assert send(env, SEED_002).returncode == 0
    (reply,), = rows(env, "SELECT reply FROM replies")
    assert "\x1b]0;pwned\x07" in reply  # stored exactly
    data = run_on_tty("archive", "show", "1", env=env, stderr_too=False, timeout=30)
    assert b"\x1b]0;" not in data and b"\x1b[2J" not in data and "␛]0;pwned".encode() in data
    piped = run_cli("archive", "show", "1", env=env).stdout
    assert "\x1b" not in piped and "␛]0;pwned" in piped  # a pipe is neutralised too
    raw = run_cli("archive", "show", "1", "--raw", env=env).stdout
    assert "\x1b]0;pwned\x07" in raw  # --raw: the data as it is


# -- the archive under attack ------------------------------------------------------------

def test_export_never_writes_over_the_archive(server, env):
    assert send(env, SEED_002).returncode == 0
    before = Path(env["RETEST_ARCHIVE"]).read_bytes()
    for target in (env["RETEST_ARCHIVE"], env["RETEST_ARCHIVE"] + "-wal", env["RETEST_ARCHIVE"] + "-shm"):
        r = run_cli("archive", "export", "--out", target, env=env)
        assert r.returncode == 2 and "the archive's own file" in r.stderr, r.stderr
    assert Path(env["RETEST_ARCHIVE"]).read_bytes() == before
    assert run_cli("archive", "list", env=env).returncode == 0


@pytest.mark.parametrize("args, needle", [
    (["archive", "show", "99999999999999999999"], "out of range"),
    (["archive", "list", "-n", "99999999999999999999"], "out of range"),
    (["archive", "list", "--since", "20261125"], "YYYY-MM-DD"),
    (["check", "99999999999999999999"], "no reply"),
    (["check", "²"], "²"),
    (["send", SEED_002, "--temperature", "nan"], "finite"),
    (["send", SEED_002, "--timeout", "nan"], "finite"),
    (["send", SEED_002, "-j", "0"], "out of range"),
    (["extract", SEED_002, "--max-size", "99999999999"], "out of range"),
])
def test_bad_values_are_one_line(server, env, args, needle):
    assert send(env, SEED_002).returncode == 0
    r = run_cli(*args, env=env)
    assert r.returncode == 2, r.stderr
    lines = _one_line(r)
    assert len(lines) == 1 and lines[0].startswith("retest: error:") and needle in lines[0], r.stderr


def test_a_read_only_archive_can_still_be_read(server, env, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    env = {**env, "RETEST_ARCHIVE": str(folder / "a.db")}
    assert send(env, SEED_002).returncode == 0
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions")
    os.chmod(folder / "a.db", 0o444)
    os.chmod(folder, 0o555)
    try:
        assert run_cli("archive", "list", env=env).returncode == 0
        assert run_cli("archive", "search", "Reply", env=env).returncode == 0
        check = run_cli("check", "1", env=env)
        assert check.returncode == 0 and "arXiv citation(s) checked" in check.stdout
        assert "were not stored" in check.stderr
    finally:
        os.chmod(folder, 0o755)
        os.chmod(folder / "a.db", 0o644)


def test_a_read_only_archive_through_sqlite_read_only_mode(server, env, monkeypatch):
    assert send(env, SEED_002).returncode == 0
    from retest.archive import Archive

    with Archive(env["RETEST_ARCHIVE"], create=False, readonly=True) as a:
        assert a.readonly and len(a.list()) == 1 and a.search("Reply")
        with pytest.raises(sqlite3.OperationalError):
            a.db.execute("DELETE FROM replies")


def test_a_missing_search_index_is_rebuilt(server, env):
    assert send(env, SEED_002).returncode == 0
    db = sqlite3.connect(env["RETEST_ARCHIVE"])
    db.execute("DROP TABLE replies_fts")
    db.commit()
    db.close()
    r = run_cli("archive", "search", "Reply", "--json", env=env)
    assert r.returncode == 0 and '"id": 1' in r.stdout


def test_a_damaged_archive_is_one_line(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 30)
    assert send(env, *docs).returncode == 0
    db = sqlite3.connect(env["RETEST_ARCHIVE"])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(Path(env["RETEST_ARCHIVE"]).read_bytes())
    for offset in range(len(data) // 2, len(data) - 4096, 4096):
        data[offset + 100 : offset + 600] = os.urandom(500)
    Path(env["RETEST_ARCHIVE"]).write_bytes(bytes(data))
    for args in (["archive", "export"], ["archive", "list"], ["archive", "search", "Reply"]):
        r = run_cli(*args, env=env)
        assert r.returncode in (0, 2), r.stderr
        lines = _one_line(r)
        if r.returncode == 2:
            assert len(lines) == 1 and env["RETEST_ARCHIVE"] in lines[0]


def test_writing_to_a_full_device_or_a_missing_folder(server, env, tmp_path):
    assert send(env, SEED_002).returncode == 0
    for target in ("/dev/full", str(tmp_path / "no" / "such" / "x.jsonl")):
        r = run_cli("archive", "export", "--out", target, env=env)
        assert r.returncode == 2 and "cannot write it" in r.stderr and len(_one_line(r)) == 1
    assert not list((tmp_path).glob("*.partial"))
