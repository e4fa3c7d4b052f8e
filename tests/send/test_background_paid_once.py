"""Background mode never loses a paid reply nor pays twice: signals during creates, cancels racing creates,
replies without text, gateway timeouts, and several collectors at once — through the real CLI against the
background-mode stand-in server on 127.0.0.1."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from servers.background import BackgroundServer
from conftest import archive_rows as rows
from conftest import make_docs, run_cli, server_env, serving

server = serving(BackgroundServer)


@pytest.fixture
def env(server, tmp_path):
    return server_env(server, tmp_path)


def send(env, *args, **kw):
    return run_cli("send", "--background", "--poll", "0.05", "--backoff", "0.01", *args, env=env, **kw)


def start(env, *args, command=("send", "--background", "--poll", "0.05", "--backoff", "0.01")):
    cmd = [sys.executable, "-m", "retest", *command, *map(str, args)]
    return subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return
        except sqlite3.OperationalError:
            pass  # the archive is not made yet
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def ok_replies(env):
    return rows(env, "SELECT r.id FROM replies r WHERE r.status = 'ok'")


# -- 1: a signal while creates are in flight ------------------------------------------------------------------

SIGNALS = {"sigterm": ([signal.SIGTERM], 143), "sigint": ([signal.SIGINT], 130),
           "sigterm-twice": ([signal.SIGTERM, signal.SIGTERM], 143),
           "sigint-twice": ([signal.SIGINT, signal.SIGINT], 130),
           "sigint-then-sigterm": ([signal.SIGINT, signal.SIGTERM], 130), "sighup": ([signal.SIGHUP], 129)}


@pytest.mark.parametrize("name", list(SIGNALS))
def test_every_signal_waits_for_every_create_in_flight_and_keeps_each_id(server, env, tmp_path, name):
    sigs, code = SIGNALS[name]
    docs = make_docs(tmp_path / "docs", 4)
    server.create_faults.extend(["slow-after:2"] * 4)  # each made at once, answered 2 s later
    proc = start(env, "-j", "4", *docs)
    wait_for(lambda: server.total_creates() == 4, "four creates at the server")
    for sig in sigs:
        proc.send_signal(sig)
        time.sleep(0.3)
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == code, err
    assert "Traceback" not in err and "internal error" not in err
    # every response the provider made has its id in the archive
    got = rows(env, "SELECT state, response_id FROM background_responses ORDER BY response_id")
    assert got == [("open", f"resp_{k:04d}") for k in range(1, 5)], err
    r = send(env, "-j", "4", *docs)
    assert r.returncode == 0, r.stderr
    assert server.total_creates() == 4 and len(ok_replies(env)) == 4


# -- 2: `background cancel --all` while another run is inside the create call ------------------------------------

@pytest.mark.parametrize("finishes_first", [False, True], ids=["cancelled-at-provider", "finished-first"])
def test_cancel_all_racing_a_create_cancels_at_the_provider_or_keeps_the_reply(server, env, tmp_path, finishes_first):
    (doc,) = make_docs(tmp_path / "docs", 1)
    server.create_faults.append("gated-after")  # made at once, answered when the test says
    if finishes_first:
        server.durations = (0, 0)  # it has completed by the time the cancel arrives,
        server.cancel_conflict = True  # and the provider refuses to cancel an ended response
    else:
        server.hold = True  # it runs until cancelled
    proc = start(env, doc)
    wait_for(lambda: server.total_creates() == 1, "the create at the server")
    c = run_cli("background", "cancel", "--all", env=env)
    assert c.returncode == 0, c.stderr
    assert "cancel requested" in c.stderr and "Traceback" not in c.stderr
    server.open_gate()
    _, err = proc.communicate(timeout=90)
    assert server.cancels == ["resp_0001"], err  # sent to the provider as soon as the id was known
    if finishes_first:  # too late to cancel: the paid reply is archived, never dropped
        assert proc.returncode == 0, err
        assert len(ok_replies(env)) == 1
        assert rows(env, "SELECT state, status FROM background_responses") == [("ended", "completed")]
    else:
        assert proc.returncode == 1, err
        assert rows(env, "SELECT b.status, r.status FROM background_responses b JOIN replies r ON r.id = b.reply_id"
                    ) == [("cancelled", "failed")]
        assert "was cancelled" in err
    again = send(env, doc)  # nothing is sent again on its own
    assert server.total_creates() == 1 and len(server.bodies) == 1, again.stderr


# -- 3: a response that completed (billed) with no text ------------------------------------------------------------

def test_a_response_completed_without_text_holds_its_prompt(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 2)
    server.outcomes["marker00x"] = "completed-empty"
    r = send(env, *docs)
    assert r.returncode == 1 and "no text" in r.stderr.lower(), r.stderr
    assert rows(env, "SELECT b.status, r.status FROM background_responses b JOIN replies r ON r.id = b.reply_id"
                " ORDER BY b.reply_id") == [("completed", "failed"), ("completed", "ok")]
    again = send(env, *docs)  # a plain re-run pays for nothing new
    assert again.returncode == 1 and "1 ended earlier without a reply" in again.stderr, again.stderr
    assert "--retry-failed" in again.stderr and server.total_creates() == 2
    server.outcomes.clear()
    retried = send(env, "--retry-failed", *docs)
    assert retried.returncode == 0, retried.stderr
    assert server.total_creates() == 3 and len(ok_replies(env)) == 2


# -- 4: Cloudflare's 520 and 524 on a create ------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["520", "524", "502", "504"])
@pytest.mark.parametrize("listable", [False, True], ids=["unlisted", "listed"])
def test_a_gateway_that_gave_up_leaves_the_create_of_unknown_outcome(server, env, tmp_path, code, listable):
    (doc,) = make_docs(tmp_path / "docs", 1)
    server.listable = listable
    server.create_faults.append(f"made:{code}")  # the origin made the response; the gateway answered an error
    r = send(env, doc)
    assert len(server.bodies) == 1 and server.total_creates() == 1, r.stderr  # never created a second time
    if listable:  # found by its key and collected
        assert r.returncode == 0, r.stderr
        assert len(ok_replies(env)) == 1
    else:
        assert r.returncode == 1 and "unknown outcome" in r.stderr and "--resend-unknown" in r.stderr
        again = send(env, doc)
        assert again.returncode == 1 and len(server.bodies) == 1


# -- 5: several `background collect --wait` on one archive -------------------------------------------------------

def test_three_collectors_at_once_store_each_response_once(server, env, tmp_path):
    import re

    server.hold = True
    docs = make_docs(tmp_path / "docs", 6)
    assert send(env, "--no-wait", *docs).returncode == 0
    procs = [start(env, "--wait", "--poll", "0.05", command=("background", "collect")) for _ in range(3)]
    wait_for(lambda: server.polls >= 18, "each collector polling each response")
    server.release()
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
    archived = [int(m.group(1)) if (m := re.search(r"(\d+) archived", err)) else 0 for _, err in outs]
    assert sum(archived) == 6, [err for _, err in outs]  # the summaries add up to the responses, once each
    assert rows(env, "SELECT count(*), sum(attempts) FROM replies WHERE status = 'ok'") == [(6, 6)]
    assert rows(env, "SELECT count(*) FROM attempts WHERE outcome = 'ok'") == [(6,)]
    assert server.total_creates() == 6
