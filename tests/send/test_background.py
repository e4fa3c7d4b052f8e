"""``retest send --background`` and ``retest background`` against a local background-mode Responses server."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from servers.background import BackgroundServer
from servers.chat import default_reply
from conftest import archive_rows as rows, make_docs, run_cli, server_env, serving


server = serving(BackgroundServer)


@pytest.fixture
def env(server, tmp_path):
    return server_env(server, tmp_path)


def send(env, *args, **kw):
    return run_cli("send", "--background", "--poll", "0.05", "--backoff", "0.01", *args, env=env, **kw)


def background(env, *args):
    return run_cli("background", *args, env=env)


def start(env, *args):
    cmd = [sys.executable, "-m", "retest", "send", "--background", "--poll", "0.05", "--backoff", "0.01", *map(str, args)]
    return subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(env, sql, predicate, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = rows(env, sql)
            if predicate(value):
                return value
        except sqlite3.OperationalError:
            pass  # not created yet
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {sql}")


def ok_replies(env):
    return rows(env, "SELECT p.text, r.reply FROM replies r JOIN prompts p ON p.id = r.prompt_id WHERE r.status = 'ok'")


def test_each_prompt_is_created_in_the_background_polled_and_archived(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 3)
    r = send(env, *docs, "--max-output-tokens", "900", "--check")
    assert r.returncode == 0, r.stderr
    assert "3 archived" in r.stderr and "done 3" in r.stderr
    assert len(server.bodies) == 3
    for body in server.bodies:
        assert body["background"] is True and body["store"] is True and "stream" not in body
        assert body["metadata"]["retest_key"].startswith("retest-") and body["max_output_tokens"] == 900
    assert len({b["metadata"]["retest_key"] for b in server.bodies}) == 3
    assert sorted(server.creates.values()) == [1, 1, 1]
    assert server.polls >= 3  # answered queued at first: the replies came from polling
    ok = ok_replies(env)
    assert len(ok) == 3 and all(reply == default_reply(text) for text, reply in ok)
    assert rows(env, "SELECT DISTINCT state, status FROM background_responses") == [("ended", "completed")]
    assert rows(env, "SELECT DISTINCT api, owner, finish_reason FROM replies") == [("responses", None, "stop")]
    assert rows(env, "SELECT count(*) FROM replies WHERE prompt_tokens > 0 AND completion_tokens > 0") == [(3,)]
    shown = run_cli("archive", "show", "1", env=env)
    assert shown.returncode == 0 and "Reply " in shown.stdout
    again = send(env, *docs, "--max-output-tokens", "900")
    assert again.returncode == 0 and "3 skipped" in again.stderr and len(server.bodies) == 3


def test_replies_are_checked_as_send_checks_them(server, env, tmp_path):
    server.reply = lambda prompt: ("Still holds, see arXiv:2513.01234.\n\n```json\n"
                                   '{"retest_verdicts": [{"claim": 1, "status": "holds", "evidence": []}]}\n```\n')
    docs = make_docs(tmp_path / "docs", 2)
    r = send(env, *docs, "--check")
    assert r.returncode == 0, r.stderr
    assert "2 suspect citation(s) · verdicts on 2 of" in r.stderr
    assert rows(env, "SELECT count(*), sum(verdict = 'malformed') FROM verdicts") == [(2, 2)]
    assert rows(env, "SELECT DISTINCT idx, status FROM claim_verdicts") == [(1, "holds")]
    claims = run_cli("claims", *docs, "--json", env=env)
    assert claims.returncode == 0 and '"holds"' in claims.stdout


def test_one_prompt_prints_its_reply(server, env, tmp_path):
    (doc,) = make_docs(tmp_path / "docs", 1)
    r = send(env, doc)
    assert r.returncode == 0, r.stderr
    (text, reply), = ok_replies(env)
    assert r.stdout == reply + "\n"


def test_kill_9_while_polling_then_rerun_creates_each_prompt_once(server, env, tmp_path):
    server.hold = True  # every response stays in progress until released
    docs = make_docs(tmp_path / "docs", 4)
    proc = start(env, "-j", "2", *docs)
    wait_until(env, "SELECT count(*) FROM background_responses WHERE state = 'open' AND polls >= 2",
               lambda v: v[0][0] == 4)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert server.total_creates() == 4
    listed = background(env, "list", "--json")
    assert listed.returncode == 0
    import json

    pending = json.loads(listed.stdout)
    assert len(pending) == 4 and {p["state"] for p in pending} == {"open"}
    assert all(p["response_id"].startswith("resp_") for p in pending)
    # still running: a re-run with --no-wait polls each once, creates nothing
    peek = send(env, "-j", "2", "--no-wait", *docs)
    assert peek.returncode == 0, peek.stderr
    assert "4 still running" in peek.stderr and server.total_creates() == 4
    server.release()  # they complete while retest is down
    r = send(env, "-j", "2", *docs)
    assert r.returncode == 0, r.stderr
    assert "4 archived" in r.stderr
    assert sorted(server.creates.values()) == [1, 1, 1, 1]
    assert len(ok_replies(env)) == 4
    assert rows(env, "SELECT count(*) FROM replies") == [(4,)]


def test_two_processes_on_one_archive_create_each_prompt_once(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 6)
    procs = [start(env, "-j", "3", *docs) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert sorted(server.creates.values()) == [1] * 6
    assert len(ok_replies(env)) == 6 and rows(env, "SELECT count(*) FROM replies") == [(6,)]


def test_sigterm_leaves_the_responses_running_and_a_rerun_collects_them(server, env, tmp_path):
    server.hold = True
    docs = make_docs(tmp_path / "docs", 2)
    proc = start(env, *docs)
    wait_until(env, "SELECT count(*) FROM background_responses WHERE state = 'open'", lambda v: v[0][0] == 2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "keep running" in err and "Traceback" not in err
    assert not server.cancels and server.total_creates() == 2
    server.release()
    done = background(env, "collect", "--wait", "--poll", "0.05")
    assert done.returncode == 0, done.stderr
    assert "2 archived" in done.stderr and len(ok_replies(env)) == 2 and server.total_creates() == 2


def test_failed_incomplete_and_cancelled_are_recorded_with_the_reason_and_can_be_sent_again(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 5)
    server.outcomes.update({"marker00x": "failed", "marker01x": "incomplete-empty", "marker02x": "cancelled",
                            "marker03x": "incomplete"})
    r = send(env, *docs)
    assert r.returncode == 1
    failed = {line.split(": ")[2].split(" (")[0][-9:]: line for line in r.stderr.splitlines()
              if line.startswith("retest: failed:")}
    assert sorted(failed) == ["doc00.txt", "doc01.txt", "doc02.txt"]
    assert "The research run failed" in failed["doc00.txt"]
    assert "incomplete (max_output_tokens)" in failed["doc01.txt"]
    assert "was cancelled" in failed["doc02.txt"]
    assert sorted(rows(env, "SELECT b.status, r.status FROM background_responses b JOIN replies r"
                            " ON r.id = b.reply_id")) == [("cancelled", "failed"), ("completed", "ok"),
                                                          ("failed", "failed"), ("incomplete", "failed"),
                                                          ("incomplete", "ok")]
    # the one cut at its output limit kept its text, as `send` keeps such replies
    assert rows(env, "SELECT count(*) FROM replies WHERE finish_reason = 'length' AND status = 'ok'") == [(1,)]
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'failed' AND error IS NOT NULL") == [(3,)]
    # a re-run does not pay for them again unless asked
    again = send(env, *docs)
    assert again.returncode == 1 and "3 ended earlier without a reply" in again.stderr
    assert "--retry-failed" in again.stderr and server.total_creates() == 5
    server.outcomes.clear()
    retried = send(env, "--retry-failed", *docs)
    assert retried.returncode == 0, retried.stderr
    assert "3 archived" in retried.stderr and "2 skipped" in retried.stderr
    assert server.total_creates() == 8 and len(ok_replies(env)) == 5


def test_no_wait_returns_after_submitting_then_collect(server, env, tmp_path):
    server.hold = True
    docs = make_docs(tmp_path / "docs", 3)
    t0 = time.time()
    r = send(env, "--no-wait", *docs)
    assert r.returncode == 0, r.stderr
    assert "3 submitted" in r.stderr and server.polls == 0 and time.time() - t0 < 30
    once = background(env, "collect")
    assert once.returncode == 0 and "3 still running" in once.stderr
    server.release()
    done = background(env, "collect", "--wait", "--poll", "0.05")
    assert done.returncode == 0, done.stderr
    assert "3 archived" in done.stderr and len(ok_replies(env)) == 3 and server.total_creates() == 3
    nothing = background(env, "collect")
    assert nothing.returncode == 0 and "no background responses waiting" in nothing.stderr


def test_cancel_at_the_provider_then_record_and_resend(server, env, tmp_path):
    server.hold = True
    docs = make_docs(tmp_path / "docs", 3)
    assert send(env, "--no-wait", *docs).returncode == 0
    first = rows(env, "SELECT reply_id, response_id FROM background_responses ORDER BY reply_id")
    r = background(env, "cancel", str(first[0][0]))
    assert r.returncode == 1, r.stderr
    assert server.cancels == [first[0][1]] and "was cancelled" in r.stderr
    r = background(env, "cancel", first[1][1])  # by the provider's id
    assert r.returncode == 1 and server.cancels[-1] == first[1][1]
    server.release()  # the third finishes before it is cancelled: its reply is kept
    server.cancel_conflict = True  # and the server refuses to cancel it
    r = background(env, "cancel", "--all")
    assert r.returncode == 0 and "1 archived" in r.stderr
    assert sorted(rows(env, "SELECT b.status, r.status FROM background_responses b JOIN replies r"
                            " ON r.id = b.reply_id")) == [("cancelled", "failed"), ("cancelled", "failed"),
                                                          ("completed", "ok")]
    assert background(env, "list").stdout == ""
    elsewhere = run_cli("background", "cancel", str(first[2][0]),
                        env={**env, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert elsewhere.returncode == 2 and "was created at 127.0.0.1:" in elsewhere.stderr
    unknown = background(env, "cancel", "resp_9999")
    assert unknown.returncode == 2 and "no background response resp_9999" in unknown.stderr
    again = send(env, *docs)
    assert again.returncode == 1 and "2 ended earlier without a reply" in again.stderr
    retried = send(env, "--retry-failed", *docs)
    assert retried.returncode == 0 and server.total_creates() == 5


def test_a_lost_create_is_never_created_twice(server, env, tmp_path):
    (doc,) = make_docs(tmp_path / "docs", 1)
    server.create_faults.append("drop-after")  # made at the provider, then the connection is cut
    r = send(env, doc)
    assert r.returncode == 1
    assert "unknown outcome" in r.stderr and "--resend-unknown" in r.stderr
    assert "offers no way to look it up" in r.stderr
    assert server.total_creates() == 1
    assert rows(env, "SELECT state FROM background_responses") == [("unknown",)]
    again = send(env, doc)
    assert again.returncode == 1 and "1 of unknown outcome" in again.stderr and server.total_creates() == 1
    plain = run_cli("send", "--api", "responses", doc, env=env)  # an ordinary send leaves it alone too
    assert plain.returncode == 0 and "running in the background" in plain.stderr and server.total_creates() == 1
    listed = background(env, "list")
    assert "unknown" in listed.stdout
    resent = send(env, "--resend-unknown", doc)
    assert resent.returncode == 0, resent.stderr
    assert server.total_creates() == 2 and len(ok_replies(env)) == 1


def test_an_unknown_outcome_can_be_given_up_and_stays_unsent(server, env, tmp_path):
    (doc,) = make_docs(tmp_path / "docs", 1)
    server.create_faults.append("drop-after")
    assert send(env, doc).returncode == 1
    r = background(env, "cancel", "1")
    assert r.returncode == 1 and "if the provider made it, cancel it there" in r.stderr and not server.cancels
    again = send(env, doc)
    assert again.returncode == 1 and "1 ended earlier without a reply" in again.stderr
    assert server.total_creates() == 1
    assert send(env, "--retry-failed", doc).returncode == 0 and server.total_creates() == 2


def test_a_lost_create_is_found_where_the_provider_lists_responses(server, env, tmp_path):
    server.listable = True
    docs = make_docs(tmp_path / "docs", 2)
    server.create_faults.append("drop-after")
    r = send(env, *docs)
    assert r.returncode == 0, r.stderr
    assert sorted(server.creates.values()) == [1, 1] and len(ok_replies(env)) == 2


@pytest.mark.parametrize("listable", [True, False], ids=["listed", "unlisted"])
def test_kill_9_while_a_create_is_in_flight(server, env, tmp_path, listable):
    server.listable = listable
    (doc,) = make_docs(tmp_path / "docs", 1)
    server.create_faults.append("hang-after")  # made, never answered
    proc = start(env, doc)
    wait_until(env, "SELECT state FROM background_responses", lambda v: v == [("creating",)])
    deadline = time.time() + 30
    while server.total_creates() < 1 and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    r = send(env, doc)
    assert server.total_creates() == 1
    if listable:
        assert r.returncode == 0, r.stderr
        assert len(ok_replies(env)) == 1
    else:
        assert r.returncode == 1 and "an earlier run stopped while its create call was in flight" in r.stderr


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["sigterm", "ctrl-c"])
def test_stopped_while_a_create_is_in_flight_keeps_its_id(server, env, tmp_path, sig, code):
    (doc,) = make_docs(tmp_path / "docs", 1)
    server.create_faults.append("slow-after:1.5")  # made at once, answered 1.5 s later
    proc = start(env, doc)
    wait_until(env, "SELECT state FROM background_responses", lambda v: v == [("creating",)])
    deadline = time.time() + 30
    while server.total_creates() < 1 and time.time() < deadline:  # the create has reached the server
        time.sleep(0.02)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err and "keep running" in err
    # the run waited for the answer rather than leave the create's outcome unknown
    assert rows(env, "SELECT state, response_id FROM background_responses") == [("open", "resp_0001")]
    r = send(env, doc)  # the provider lists nothing here: only the recorded id can find it
    assert r.returncode == 0, r.stderr
    assert server.total_creates() == 1 and len(ok_replies(env)) == 1


def test_refused_creates_are_retried_and_gateway_timeouts_are_not(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 2)
    server.create_faults.extend(["500", "429"])  # answered errors: nothing made, safe to send again
    r = send(env, docs[0])
    assert r.returncode == 0, r.stderr
    assert len(server.bodies) == 3 and server.total_creates() == 1
    server.create_faults.append("502")  # a gateway gave up: the provider behind it may have made it
    r = send(env, docs[1])
    assert r.returncode == 1 and "unknown outcome" in r.stderr
    assert len(server.bodies) == 4
    server.create_faults.append("drop-before")  # cut before anything was made: unknown too (we cannot tell)
    assert send(env, docs[1], "--resend-unknown").returncode == 1
    assert len(server.bodies) == 5


@pytest.mark.parametrize("fault", ["bad-id", "not-json"])
def test_a_create_answered_with_nonsense_is_not_created_again(server, env, tmp_path, fault):
    (doc,) = make_docs(tmp_path / "docs", 1)
    server.create_faults.append(fault)
    r = send(env, doc)
    assert r.returncode == 1 and "unknown outcome" in r.stderr
    assert "\x1b" not in r.stderr + r.stdout and "Traceback" not in r.stderr
    assert send(env, doc).returncode == 1 and server.total_creates() == 1
    listed = background(env, "list")
    assert listed.returncode == 0 and "\x1b" not in listed.stdout and "unknown" in listed.stdout


def test_every_poll_is_bounded_and_failures_are_survived(server, env, tmp_path):
    (doc,) = make_docs(tmp_path / "docs", 1)
    server.poll_faults.extend(["hang", "500"])
    t0 = time.time()
    r = send(env, "--timeout", "1", doc)
    assert r.returncode == 0, r.stderr
    assert time.time() - t0 < 30 and len(ok_replies(env)) == 1


def test_a_response_the_provider_no_longer_has(server, env, tmp_path):
    (doc,) = make_docs(tmp_path / "docs", 1)
    server.poll_faults.append("404")
    r = send(env, doc)
    assert r.returncode == 1 and "the provider has no response resp_0001" in r.stderr
    assert rows(env, "SELECT status FROM background_responses") == [("gone",)]


def test_options_that_need_background_or_contradict_it(server, env, tmp_path):
    (doc,) = make_docs(tmp_path / "docs", 1)
    for args in (["--no-wait"], ["--retry-failed"], ["--resend-unknown"]):
        r = run_cli("send", *args, doc, env=env)
        assert r.returncode == 2 and "only apply with --background" in r.stderr
    r = send(env, "--api", "chat", doc)
    assert r.returncode == 2 and "drop --api chat" in r.stderr
    assert not server.bodies
    r = background(env, "cancel")
    assert r.returncode == 2 and "one of them" in r.stderr
