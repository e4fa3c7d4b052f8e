"""The new surfaces against a hostile server and hostile files: batch, file outputs, URLs, terminals, limits.

Each test is one way a run could pay twice, lose a paid reply, destroy the
archive, leak a secret, hang, crash or print raw escapes — and shows it does not.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers.batch import BatchServer
from servers.chat import ChatServer
from conftest import (
    KEY,
    archive_rows as rows,
    batch,
    kill_submit_at,
    make_docs,
    run_cli,
    run_on_tty,
    server_env,
    serving,
)


server = serving(BatchServer)


@pytest.fixture
def env(server, tmp_path):
    return server_env(server, tmp_path)


def collect(env, *args, extra=None):
    return batch(env, "collect", "--wait", "--poll", "0.05", *args, extra=extra)


def creates(server) -> int:
    return sum(1 for call in server.calls if call == ("POST", "/v1/batches"))


# -- paid for twice, or a paid reply lost ------------------------------------------------------

def test_a_create_whose_answer_was_lost_is_looked_up_not_made_again(server, env, tmp_path):
    server.faults.append("create:drop-after")  # the server creates the batch, then the connection drops
    docs = make_docs(tmp_path / "docs", 3)
    r = batch(env, "submit", *docs)
    assert r.returncode == 0, r.stderr
    assert len(server.batches) == 1 and creates(server) == 1  # billed once
    assert r.stdout.split("\t")[0] == "batch_0001"
    assert collect(env).returncode == 0
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(3,)]


ODD_BODIES = {
    "error code a number": {"error": {"code": 429, "message": "slow down"}, "response": None},
    "error a string": {"error": "boom", "response": None},
    "body message a string": {"error": None, "response": {"status_code": 500, "body": {"error": "plain text"}}},
    "status a list": {"error": None, "response": {"status_code": [500], "body": "x"}},
}


def _chat_body(text: str, **over) -> dict:
    message = {"role": "assistant", "content": over.pop("content", text)}
    body = {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": over.pop("usage", {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7})}
    return body


def test_odd_result_lines_are_problems_on_their_item_never_a_lost_batch(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 8)
    odd = iter([
        lambda l: {**l, **ODD_BODIES["error code a number"]},
        lambda l: {**l, **ODD_BODIES["error a string"]},
        lambda l: {**l, **ODD_BODIES["body message a string"]},
        lambda l: {**l, "response": {"status_code": 200, "body": _chat_body("", content={"text": "an object"})}},
        lambda l: {**l, "response": {"status_code": 200, "body": _chat_body(
            "big usage", usage={"prompt_tokens": 2**64, "completion_tokens": 10**30, "total_tokens": -1})}},
        lambda l: {**l, "response": {"status_code": 200, "body": _chat_body("", content=[1, None, {"text": "part"}])}},
        lambda l: {**l, "response": {"status_code": 200, "body": _chat_body("lone \ud83d surrogate")}},
    ])

    def mangle(line: dict) -> str:
        change = next(odd, None)
        if change is None:  # the last line: nested 5,000 deep around a findable custom_id
            return '{"custom_id": "%s", "response": %s1%s}' % (line["custom_id"], "[" * 5000, "]" * 5000)
        return json.dumps(change(line))

    server.mangle = mangle
    server.odd_lines = ["[" * 5000 + "]" * 5000, '{"custom_id": 12}', "not json at all"]
    assert batch(env, "submit", *docs).returncode == 0
    done = collect(env)
    assert done.returncode == 1, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    stored = dict(rows(env, "SELECT reply, note FROM replies WHERE status = 'ok'"))
    # every line with text was stored, whatever shape held it
    assert set(stored) == {"big usage", "part", "lone \ufffd surrogate", "an object"}
    assert "token counts not stored" in stored["big usage"]
    failed = rows(env, "SELECT error FROM replies WHERE status = 'failed'")
    assert len(failed) == 4 and rows(env, "SELECT count(*) FROM replies WHERE status = 'pending'") == [(0,)]
    text = " ".join(e for (e,) in failed)
    assert "429: slow down" in text and "boom" in text and "plain text" in text and "deeper than" in text
    assert "3 result line(s) could not be read" in done.stderr


def test_a_cut_download_is_tried_again(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 4)
    assert batch(env, "submit", *docs).returncode == 0
    server.faults.append("content:cut")
    done = collect(env)
    assert done.returncode == 0, done.stderr
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(4,)]


def test_a_download_cut_every_time_is_one_line_and_collected_later(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 2)
    assert batch(env, "submit", *docs).returncode == 0
    server.faults.extend(["content:cut"] * 6)
    done = collect(env)
    assert done.returncode != 0 and "internal error" not in done.stderr
    said = [l for l in done.stderr.splitlines() if l.startswith("retest:")]
    assert len(said) == 1 and "broke after 6 attempts" in said[0]
    assert collect(env).returncode == 0
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(2,)]


def test_export_cancel_export_again(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 3)
    out = tmp_path / "requests.jsonl"
    first = batch(env, "export", *docs, "-m", "m", "-o", out)
    assert first.returncode == 0, first.stderr
    assert batch(env, "cancel", "1").returncode == 0
    again = batch(env, "export", *docs, "-m", "m", "-o", out)
    assert again.returncode == 0, again.stderr
    assert "wrote 3 requests" in again.stderr
    ids = [json.loads(l)["custom_id"] for l in out.read_text().splitlines()]
    # the results of the second file land on the same prompts
    results = [{"custom_id": cid, "error": None, "response": {"status_code": 200, "body": _chat_body(f"r{i}")}}
               for i, cid in enumerate(ids)]
    res = tmp_path / "results.jsonl"
    res.write_text("\n".join(json.dumps(x) for x in results) + "\n")
    imported = batch(env, "import", res)
    assert imported.returncode == 0 and "3 replies archived" in imported.stderr, imported.stderr


def test_a_submit_killed_during_upload_leaves_prompts_that_can_be_batched_again(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 3)
    server.faults.extend(["upload:500"] * 6)
    assert batch(env, "submit", *docs).returncode == 1
    # the request file is lost with the killed run: its batch is given up, its prompts released
    for f in Path(env["RETEST_ARCHIVE"] + ".batches").glob("*.jsonl"):
        f.unlink()
    again = batch(env, "submit", *docs)
    assert again.returncode == 0, again.stderr
    assert "3 requests in 1 batch(es)" in again.stderr
    assert collect(env).returncode == 0
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(3,)]


@pytest.mark.parametrize("rerun", ["submit", "export"])
def test_kill_9_during_upload_then_batch_again(server, env, tmp_path, rerun):
    server.faults.append("upload:hang")
    docs = make_docs(tmp_path / "docs", 3)
    kill_submit_at(server, env, docs, ("POST", "/v1/files"))
    if rerun == "export":  # the held prompts are released, then exported for an executor
        assert batch(env, "cancel", "1").returncode == 0
        r = batch(env, "export", *docs, "-o", tmp_path / "req.jsonl")
        assert r.returncode == 0 and "wrote 3 requests" in r.stderr, r.stderr
        return
    r = batch(env, "submit", *docs)
    assert r.returncode == 0, r.stderr
    assert "IntegrityError" not in r.stderr and len(server.batches) == 1
    assert collect(env).returncode == 0
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(3,)]


# -- hangs ------------------------------------------------------------------------------------

def test_a_dripping_server_is_cut_at_the_deadline(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 1)
    assert batch(env, "submit", *docs).returncode == 0
    server.drip = 2.0
    server.faults.extend(["retrieve:drip"] * 2)
    t = time.monotonic()
    r = batch(env, "status", extra={"RETEST_TIMEOUT": "1"}, timeout=60)
    assert time.monotonic() - t < 30
    assert r.returncode == 0 and "batch_0001" in r.stdout, r.stderr


def test_a_template_that_is_a_fifo_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "pipe.j2")
    t = time.monotonic()
    r = run_cli("templates", env={"RETEST_TEMPLATES": str(tmp_path)}, timeout=30)
    assert time.monotonic() - t < 20 and r.returncode == 2 and "not a regular file" in r.stderr, r.stderr


def test_batch_import_of_a_fifo_does_not_block(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 1)
    assert batch(env, "export", *docs, "-m", "m", "-o", tmp_path / "req.jsonl").returncode == 0
    os.mkfifo(tmp_path / "results.jsonl")
    t = time.monotonic()
    r = batch(env, "import", tmp_path / "results.jsonl", timeout=30)
    assert time.monotonic() - t < 20
    assert r.returncode == 2 and "not a regular file" in r.stderr and len(r.stderr.splitlines()) == 1


# -- file outputs ------------------------------------------------------------------------------

chat = serving(ChatServer)


@pytest.fixture
def chat_env(chat, tmp_path):
    return server_env(chat, tmp_path)


def _archive_with_a_reply(chat_env, tmp_path) -> Path:
    docs = make_docs(tmp_path / "docs", 1)
    r = run_cli("send", *docs, env=chat_env)
    assert r.returncode == 0, r.stderr
    return Path(chat_env["RETEST_ARCHIVE"])


@pytest.mark.parametrize("how", ["itself", "symlink", "wal", "shm"])
@pytest.mark.parametrize("command", ["report", "build", "batch export", "archive export"])
def test_no_output_is_written_over_the_archive(chat_env, tmp_path, how, command):
    archive = _archive_with_a_reply(chat_env, tmp_path)
    target = {"itself": archive, "wal": Path(f"{archive}-wal"), "shm": Path(f"{archive}-shm"),
              "symlink": tmp_path / "looks-harmless.html"}[how]
    if how == "symlink":
        target.symlink_to(archive)
    doc = make_docs(tmp_path / "docs", 1)[0]
    args = {"report": ["report", "-o", target],
            "build": ["build", doc, "-o", target],
            "batch export": ["batch", "export", doc, "-m", "m", "-o", target],
            "archive export": ["archive", "export", "-o", target]}[command]
    r = run_cli(*args, env=chat_env)
    assert r.returncode != 0 and "archive's own file" in r.stderr, r.stderr
    assert rows(chat_env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(1,)]


@pytest.mark.parametrize("command", ["report", "build", "archive export"])
def test_outputs_with_the_longest_names_and_never_into_a_fifo(chat_env, tmp_path, command):
    _archive_with_a_reply(chat_env, tmp_path)
    doc = make_docs(tmp_path / "docs", 1)[0]
    long_name = tmp_path / ("n" * 250 + ".out")
    base = {"report": ["report"], "build": ["build", doc], "archive export": ["archive", "export"]}[command]
    r = run_cli(*base, "-o", long_name, env=chat_env)
    assert r.returncode == 0, r.stderr
    assert long_name.stat().st_size > 0 and not list(tmp_path.glob("*.partial"))
    fifo = tmp_path / "pipe.out"
    os.mkfifo(fifo)
    t = time.monotonic()
    r = run_cli(*base, "-o", fifo, env=chat_env, timeout=30)
    assert time.monotonic() - t < 20
    assert r.returncode != 0 and "not a regular file" in r.stderr and "internal error" not in r.stderr


# -- URLs ---------------------------------------------------------------------------------------

def test_a_base_url_query_stays_a_query_and_its_value_a_secret(chat, chat_env, tmp_path):
    secret = "QUERYSECRET0123456789"
    url = f"{chat.base_url}?api-version=2024-06-01&key={secret}"
    docs = make_docs(tmp_path / "docs", 1)
    r = run_cli("send", *docs, env={**chat_env, "OPENAI_BASE_URL": url})
    assert r.returncode == 0, r.stderr
    (req,) = chat.requests
    assert req["path"] == f"/v1/chat/completions?api-version=2024-06-01&key={secret}"
    chat.queue.append("500")
    chat.queue.extend(["500"] * 8)
    more = make_docs(tmp_path / "more", 1, prefix="other")
    r = run_cli("send", *more, "--max-attempts", "2", "--backoff", "0.01", env={**chat_env, "OPENAI_BASE_URL": url})
    assert r.returncode != 0
    assert secret not in r.stderr + r.stdout
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_userinfo_in_a_base_url_is_refused_before_anything_is_sent(chat, chat_env, tmp_path):
    url = chat.base_url.replace("http://", "http://alice:PASSWORD123@")
    docs = make_docs(tmp_path / "docs", 1)
    for args in (["send", *docs], ["batch", "status"]):
        r = run_cli(*args, env={**chat_env, "OPENAI_BASE_URL": url})
        assert r.returncode == 2 and "user:password@" in r.stderr and "PASSWORD123" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    assert chat.requests == []


# -- terminals ---------------------------------------------------------------------------------

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u009b31m\u202egnp.exe[bold red]X[/]"


def test_a_hostile_batch_id_reaches_no_terminal_raw(server, env, tmp_path):
    original = server.create

    def create(*args, **kwargs):
        batch_ = original(*args, **kwargs)
        server.batches[HOSTILE] = server.batches.pop(batch_["id"])
        server.order[-1] = HOSTILE
        batch_["id"] = HOSTILE
        return batch_

    server.create = create
    docs = make_docs(tmp_path / "docs", 1)
    out = run_on_tty("batch", "submit", *docs, env=env)
    assert b"\x1b" not in out and "\u009b".encode() not in out and "\u202e".encode() not in out, out
    waited = run_on_tty("batch", "collect", "--wait", "--poll", "0.05", env=env)
    assert b"\x1b]0;" not in waited and b"\x1b[2J" not in waited and "\u202e".encode() not in waited
    assert "[bold red]".encode() in waited or "bold red".encode() in waited  # shown, not obeyed


def test_template_descriptions_and_json_views_are_inert_on_a_terminal(chat_env, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "evil.j2").write_text("{#- description: " + HOSTILE + " -#}\n{{ doc.title }}\n")
    env = {**chat_env, "RETEST_TEMPLATES": str(folder)}
    out = run_on_tty("templates", env=env)
    assert b"\x1b" not in out and "\u009b".encode() not in out and "\u202e".encode() not in out, out
    from servers.chat import ChatServer  # a reply full of controls, then every view of it

    srv = ChatServer(reply=lambda prompt: "reply " + HOSTILE)
    srv.start()
    try:
        docs = make_docs(tmp_path / "docs", 1)
        assert run_cli("send", *docs, env={**env, "OPENAI_BASE_URL": srv.base_url}).returncode == 0
    finally:
        srv.stop()
    for args in (["archive", "export", "--format", "markdown"], ["archive", "export"], ["archive", "show", "1",
                                                                                        "--json"],
                 ["archive", "list", "--json"], ["templates", "--json"]):
        shown = run_on_tty(*args, env=env)
        assert b"\x1b]" not in shown and b"\x1b[2J" not in shown, (args, shown)
        assert "\u009b".encode() not in shown and "\u202e".encode() not in shown, (args, shown)
    exported = run_cli("archive", "export", env=env).stdout
    assert json.loads(exported.splitlines()[0])["reply"] == "reply " + HOSTILE  # the data itself is exact


# -- limits per model --------------------------------------------------------------------------

def test_one_rate_limited_model_neither_slows_another_nor_passes_max_attempts(tmp_path):
    from servers.chat import ChatServer

    srv = ChatServer(latency=0.4, models=("model-a", "model-b"))
    srv.model_faults["model-b"] = "429:0"
    srv.start()
    try:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": srv.base_url, "RETEST_ARCHIVE": str(tmp_path / "a.db")}
        docs = make_docs(tmp_path / "docs", 8)
        r = run_cli("send", *docs, "-m", "model-a", "-m", "model-b", "-j", "8", "--max-attempts", "3",
                    "--backoff", "0.01", env=env)
        assert r.returncode == 1, r.stderr
        assert srv.max_active_by_model["model-a"] >= 3  # never throttled to one at a time by b's 429s
        tries: dict[str, int] = {}
        for req in srv.requests:
            if req["body"].get("model") == "model-b":
                key = json.dumps(req["body"]["messages"])
                tries[key] = tries.get(key, 0) + 1
        assert len(tries) == 8 and max(tries.values()) <= 3, tries
        assert rows(env, "SELECT model, status, count(*) FROM replies GROUP BY model, status") == [
            ("model-a", "ok", 8), ("model-b", "failed", 8)]
    finally:
        srv.stop()


# -- orphans ------------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_kill_9_of_send_takes_its_prompt_builder_with_it(chat, chat_env, tmp_path):
    chat.queue.extend(["slow:60"] * 4)  # the senders wait; the builder fills its queue and blocks
    docs = make_docs(tmp_path / "docs", 120)
    proc = subprocess.Popen([sys.executable, "-m", "retest", "send", "-j", "1", *map(str, docs)],
                            env={**os.environ, **chat_env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    kids: list[int] = []
    while time.time() < deadline and not (kids and chat.requests):
        kids = _children(proc.pid)
        time.sleep(0.1)
    assert kids, "no prompt-builder child seen"
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(k) for k in kids):
        time.sleep(0.1)
    left = [k for k in kids if _alive(k)]
    for k in left:
        os.kill(k, signal.SIGKILL)
    assert not left


# -- templates ----------------------------------------------------------------------------------

def test_a_template_cannot_keep_memory_alive_past_its_budget(tmp_path):
    from conftest import SEED_002

    tpl = tmp_path / "hoard.j2"
    tpl.write_text("{#- description: hoard -#}\n{% set ns = namespace(keep=[]) %}{% set s = 'a ' * 2000000 %}"
                   "{% for i in range(40) %}{% set ns.keep = ns.keep + [s.split()] %}{% endfor %}"
                   "{{ ns.keep | length }}\n")
    t = time.monotonic()
    r = run_cli("build", SEED_002, "-t", tpl, env={"RETEST_RENDER_MEMORY": "200", "RETEST_RENDER_TIMEOUT": "60"},
                timeout=120)
    assert r.returncode == 2, r.stderr
    assert "kept more than 200 MB" in r.stderr and "hoard" in r.stderr and len(r.stderr.splitlines()) == 1
    assert time.monotonic() - t < 50  # stopped by memory, not by the clock


# -- verdict blocks ------------------------------------------------------------------------------

def _block(items: str) -> str:
    return "The claim holds.\n\n```json\n{\"retest_verdicts\": " + items + "}\n```\n"


def _send_with(tmp_path, reply: str, *extra):
    from servers.chat import ChatServer

    srv = ChatServer(reply=lambda prompt: reply)
    srv.start()
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": srv.base_url, "RETEST_MODEL": "test-model",
           "RETEST_ARCHIVE": str(tmp_path / "archive.db")}
    try:
        docs = make_docs(tmp_path / "docs", 1)
        r = run_cli("send", *docs, *extra, env=env)
    finally:
        srv.stop()
    return env, docs, r


def _clean(r):
    assert "internal error" not in r.stderr and "Recursion" not in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_verdict_block_nested_thousands_deep_is_a_problem_not_a_crash(tmp_path):
    env, docs, r = _send_with(tmp_path, _block("[" * 5000 + "]" * 5000), "--check")
    _clean(r)
    assert r.returncode == 0
    for args in (["claims", *docs], ["claims", "--json"], ["report", "-o", tmp_path / "r.html"],
                 ["archive", "show", "1"], ["archive", "show", "1", "--json"], ["check", "1"],
                 ["archive", "export", "--format", "markdown"]):
        out = run_cli(*args, env=env)
        _clean(out)
        assert out.returncode in (0, 1), (args, out.stderr)


def test_a_lone_surrogate_in_a_note_keeps_the_verdict(tmp_path):
    items = '[{"claim": 1, "status": "holds", "evidence": ["arXiv:2504.07912"], "note": "fine \\ud83d here"}]'
    env, docs, r = _send_with(tmp_path, _block(items), "--check")
    _clean(r)
    assert r.returncode == 0
    (status, note), = rows(env, "SELECT status, note FROM claim_verdicts")
    assert status == "holds" and note == "fine \ufffd here"
    shown = run_cli("claims", "--json", env=env)
    assert shown.returncode == 0 and '"holds"' in shown.stdout


def _small_disk(limit):
    import resource

    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_views_on_a_full_disk_still_show_what_the_archive_holds(tmp_path):
    items = '[{"claim": 1, "status": "overturned", "evidence": ["arXiv:2504.07912"], "note": "n"}]'
    env, docs, r = _send_with(tmp_path, _block(items))  # not checked yet: the views read it, and would store it
    assert r.returncode == 0
    db = sqlite3.connect(env["RETEST_ARCHIVE"])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    size = os.path.getsize(env["RETEST_ARCHIVE"])
    # what is stored is shown; a verdict read now is shown where the view reads it itself
    for args, needle in ((["claims", "--json"], '"reply_id":1,'), (["archive", "show", "1"], "overturned"),
                         (["report", "-o", "-"], "FST-trained models")):
        out = subprocess.run([sys.executable, "-m", "retest", *args], env={**os.environ, **env, "NO_COLOR": "1"},
                             capture_output=True, text=True, timeout=120, preexec_fn=_small_disk(8192))
        _clean(out)
        assert out.returncode == 0, (args, out.stderr)
        assert needle in out.stdout, (args, out.stdout[-500:])


def test_batch_collect_on_a_full_disk_is_one_line_and_loses_nothing(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 30)
    assert batch(env, "submit", *docs).returncode == 0
    db = sqlite3.connect(env["RETEST_ARCHIVE"])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    size = os.path.getsize(env["RETEST_ARCHIVE"])
    time.sleep(1.2)  # the batch ends on the server
    full = subprocess.run([sys.executable, "-m", "retest", "batch", "collect"], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120, preexec_fn=_small_disk(40_000))
    _clean(full)
    said = [l for l in full.stderr.splitlines() if l.startswith("retest:")]
    assert full.returncode == 2 and len(said) == 1 and "full" in said[0], full.stderr
    assert collect(env).returncode == 0
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(30,)]
