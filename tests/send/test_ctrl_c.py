"""Ctrl-C during ``send``, with real signals to a real interpreter's process group (as a terminal sends them):
the first starts nothing new and waits for the requests in flight, whose replies are paid for; a second stops
at once, keeping the text a stream had brought as a cut reply. A re-run never sends a prompt twice."""

import time
from collections import Counter

import pytest
from servers.chat import ChatServer
from conftest import archive_rows as rows, ctrl_c, make_docs, send, server_env, start_retest, wait_until


@pytest.fixture
def slow(tmp_path):
    server = ChatServer(latency=1.5)
    server.start()
    yield server
    server.stop()


def _start(env, *args):
    return start_retest(env, "send", "--backoff", "0.01", *args)




def _markers(server) -> Counter:
    import re

    return Counter(m for r in server.completions() for m in set(re.findall(r"marker\d\dx", str(r["body"]))))


def test_first_ctrl_c_waits_for_the_requests_in_flight_and_a_rerun_sends_each_prompt_once(slow, tmp_path):
    env = server_env(slow, tmp_path)
    docs = make_docs(tmp_path / "docs", 12)
    proc = _start(env, *docs, "-j", "4")
    wait_until(lambda: len(slow.completions()) >= 5)  # the first four answered, the next ones in flight
    time.sleep(0.3)  # the whole second four have reached the server, each answered 1.5 s after it came
    in_flight_then = len(slow.completions())
    ctrl_c(proc)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "internal error" not in err
    assert "waiting for" in err and "in flight" in err and "again to stop at once" in err, err
    sent = len(slow.completions())
    assert sent == in_flight_then  # nothing new started after the Ctrl-C
    # every request the server answered was archived: the summary says so, and so do the rows
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(sent,)]
    assert f"{sent} sent" in err and "not sent" in err and "run the same command again" in err, err
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'pending' AND error IS NULL") == [(0,)]
    again = send(env, *docs, "-j", "4")
    assert again.returncode == 0, again.stderr
    assert len(slow.completions()) == 12
    assert len(_markers(slow)) == 12 and set(_markers(slow).values()) == {1}, _markers(slow)


def test_second_ctrl_c_stops_at_once_and_keeps_the_streamed_text(tmp_path):
    server = ChatServer()
    server.start()
    try:
        env = server_env(server, tmp_path)
        docs = make_docs(tmp_path / "docs", 2)
        server.script["marker00x"] = __import__("collections").deque(["trickle:0.1"])
        server.script["marker01x"] = __import__("collections").deque(["trickle:0.1"])
        proc = _start(env, *docs, "-j", "2")
        wait_until(lambda: len(server.completions()) == 2)
        time.sleep(1.0)  # some text has come
        ctrl_c(proc)
        time.sleep(0.5)
        assert proc.poll() is None  # the first waits: the streams are still coming
        ctrl_c(proc)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 130, err
        assert "Traceback" not in err and "internal error" not in err
        assert "2 requests were in flight" in err and "bill" in err, err
        kept = rows(env, "SELECT status, finish_reason, length(reply) > 3 FROM replies ORDER BY id")
        assert kept == [("ok", "interrupted", 1)] * 2, kept
        again = send(env, *docs)
        assert again.returncode == 0, again.stderr
        assert len(server.completions()) == 2  # what was paid for is not sent again
    finally:
        server.stop()
