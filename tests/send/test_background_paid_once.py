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
from background_server import BackgroundServer
from conftest import archive_rows as rows
from conftest import run_cli, server_env, serving
from test_send import make_docs

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
           "sigterm-twice": ([signal.SIGTERM, signal.SIGTERM], 143), "sigint-twice": ([signal.SIGINT, signal.SIGINT], 130),
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
