"""Ctrl-C during ``batch submit``, with real signals to a real interpreter's process group (as a terminal sends
them): the first starts nothing new, waits for the creation in flight and records the batch it made (it is paid
for as it runs: ``batch collect`` must find it), prints the summary and exits 130; a second stops at once and says
what may have been created. Nothing is submitted twice."""

import time
from collections import Counter

import pytest
from servers.batch import BatchServer
from conftest import archive_rows as rows, batch, ctrl_c, make_docs, server_env, serving, start_retest, wait_until

server = serving(BatchServer)


@pytest.fixture
def env(server, tmp_path):
    return server_env(server, tmp_path)


def _submit(env, *args):
    return start_retest(env, "batch", "submit", *args)




def _creates(server) -> int:
    return server.calls.count(("POST", "/v1/batches"))


def _requested(server) -> Counter:
    """How many times each prompt was put in a batch created at the provider."""
    import re

    return Counter(m for b in server.batches.values() for r in b["requests"]
                   for m in set(re.findall(r"marker\d\dx", str(r))))


def test_first_ctrl_c_waits_for_the_creation_in_flight_and_records_its_batch(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 4)
    server.faults.append("create:slow:1.5")  # the first batch's creation is in flight when Ctrl-C comes
    proc = _submit(env, *docs, "--per-file", "2")
    wait_until(lambda: _creates(server) >= 1)
    time.sleep(0.2)
    ctrl_c(proc)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "internal error" not in err
    assert "stopping: waiting for batch 1" in err and "Ctrl-C again to stop at once" in err, err
    assert "2 requests in 1 batch(es)" in err and "stopped by Ctrl-C" in err, err
    assert out.split("\t")[0] == "batch_0001"  # the created batch, said as usual
    assert _creates(server) == 1 and server.calls.count(("POST", "/v1/files")) == 1  # nothing new started
    # the created batch is recorded: collect finds it and archives its replies
    assert rows(env, "SELECT remote_id, state FROM batches WHERE remote_id IS NOT NULL") == [("batch_0001",
                                                                                            "submitted")]
    c = batch(env, "collect", "--wait", "--poll", "0.05")
    assert c.returncode == 0 and "2 replies archived" in c.stderr, c.stderr
    # the prompts not submitted wait for the next run, and only they are submitted
    again = batch(env, "submit", *docs, "--per-file", "2")
    assert again.returncode == 0 and "2 requests in 1 batch(es); 2 already answered" in again.stderr, again.stderr
    assert set(_requested(server).values()) == {1} and len(_requested(server)) == 4
    assert batch(env, "collect", "--wait", "--poll", "0.05").returncode == 0
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(4,)]


def test_a_second_ctrl_c_stops_at_once_and_names_what_may_have_been_created(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 2)
    server.faults.append("create:hang-after")  # the provider creates the batch, and never answers
    proc = _submit(env, *docs)
    wait_until(lambda: _creates(server) >= 1)
    time.sleep(0.2)
    ctrl_c(proc)
    time.sleep(0.5)
    assert proc.poll() is None  # the first Ctrl-C waits for the creation in flight
    started = time.time()
    ctrl_c(proc)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and time.time() - started < 10, err
    assert "Traceback" not in err and "internal error" not in err
    assert "retest: error: stopped at once" in err and "batch 1 was being uploaded or created" in err, err
    assert "requests in" not in err  # no summary: it stopped at once
    assert "may exist at the provider" in err
    # the next batch command finds it by its intent and records it: collect archives its replies
    c = batch(env, "collect", "--wait", "--poll", "0.05")
    assert c.returncode == 0 and "found on the server: batch_0001" in c.stderr, c.stderr
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(2,)]
    assert len(server.batches) == 1


def test_ctrl_c_during_an_upload_creates_no_batch_and_frees_its_prompts(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 2)
    server.faults.append("upload:slow:1.5")
    proc = _submit(env, *docs)
    wait_until(lambda: ("POST", "/v1/files") in server.calls)
    time.sleep(0.2)
    ctrl_c(proc)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "stopped by Ctrl-C" in err and "0 requests in 0 batch(es)" in err, err
    assert _creates(server) == 0 and not out  # the upload finished; nothing new (the creation) started
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'pending'") == [(0,)]  # nothing waits on it
    again = batch(env, "submit", *docs)
    assert again.returncode == 0 and "2 requests in 1 batch(es)" in again.stderr, again.stderr
