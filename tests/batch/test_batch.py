"""``retest batch`` against a local Batch API server: submit, status, collect, failures, kills, files."""

import json
import random
from pathlib import Path

import pytest
from servers.batch import BatchServer
from servers.chat import ChatServer, default_reply
from conftest import KEY, archive_rows as rows, batch, kill_submit_at, make_docs, run_cli, server_env, serving


server = serving(BatchServer)


@pytest.fixture
def env(server, tmp_path):
    return server_env(server, tmp_path)


def collect(env, *args):
    return batch(env, "collect", "--wait", "--poll", "0.05", *args)


def test_submit_status_collect(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 3)
    r = batch(env, "submit", *docs, "--max-output-tokens", "200")
    assert r.returncode == 0, r.stderr
    (remote_id, model, count) = r.stdout.strip().split("\t")
    assert remote_id == "batch_0001" and model == "test-model" and count == "3 requests"
    assert "3 requests in 1 batch(es)" in r.stderr
    uploaded = next(f for f in server.files.values() if f["purpose"] == "batch")["content"].splitlines()
    lines = [json.loads(l) for l in uploaded]
    assert [sorted(l) for l in lines] == [["body", "custom_id", "method", "url"]] * 3
    assert all(l["method"] == "POST" and l["url"] == "/v1/chat/completions" for l in lines)
    assert all(l["body"]["model"] == "test-model" and l["body"]["max_tokens"] == 200 for l in lines)
    assert len({l["custom_id"] for l in lines}) == 3
    assert server.batches["batch_0001"]["metadata"]["retest_intent"].startswith("retest-")
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'pending' AND owner = 'batch:1'") == [(3,)]

    status = batch(env, "status", "--json")
    assert status.returncode == 0, status.stderr
    (info,) = json.loads(status.stdout)
    assert info["remote_id"] == "batch_0001" and info["remote_status"] in ("validating", "in_progress", "finalizing",
                                                                         "completed")
    assert info["counts"]["total"] == 3
    table = batch(env, "status", extra={"COLUMNS": "80"})
    assert "batch_0001" in table.stdout and max(len(l) for l in table.stdout.splitlines()) <= 80

    done = collect(env)
    assert done.returncode == 0, done.stderr
    assert "3 replies archived from 1 batch(es), 0 failed" in done.stderr
    ok = rows(env, "SELECT p.text, r.reply, r.api, r.prompt_tokens FROM replies r JOIN prompts p"
                   " ON p.id = r.prompt_id WHERE r.status = 'ok'")
    assert len(ok) == 3 and all(reply == default_reply(text) and tokens > 0 for text, reply, _, tokens in ok)
    again = collect(env, "batch_0001")  # collecting twice adds nothing
    assert again.returncode == 0 and "0 replies archived" in again.stderr and "3 already archived" in again.stderr
    assert rows(env, "SELECT count(*) FROM replies") == [(3,)]
    resubmit = batch(env, "submit", *docs, "--max-output-tokens", "200")
    assert "0 requests in 0 batch(es); 3 already answered" in resubmit.stderr and len(server.batches) == 1
    assert not list(Path(env["RETEST_ARCHIVE"] + ".batches").glob("*.jsonl"))  # uploaded files are cleaned up


def test_failed_requests_go_back_to_unanswered(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 4)
    docs[1].write_text(docs[1].read_text().replace("Does marker01x learn", "Does fail-request learn", 1))
    assert batch(env, "submit", *docs).returncode == 0
    done = collect(env)
    assert done.returncode == 1
    assert "3 replies archived from 1 batch(es), 1 failed" in done.stderr
    failed = [l for l in done.stderr.splitlines() if l.startswith("retest: failed:")]
    assert len(failed) == 1 and "This prompt was refused" in failed[0]
    # the refused prompt is sent again by the next submit, and only it
    docs[1].write_text(docs[1].read_text())
    again = batch(env, "submit", *docs)
    assert again.returncode == 0 and "1 requests in 1 batch(es); 3 already answered" in again.stderr


def test_expiry_keeps_the_partial_output_and_resubmits_the_rest(server, env, tmp_path):
    server.outcomes.append("expired")
    docs = make_docs(tmp_path / "docs", 6)
    assert batch(env, "submit", *docs).returncode == 0
    done = collect(env)
    assert done.returncode == 1
    assert "3 replies archived from 1 batch(es), 3 failed or expired" in done.stderr
    assert sum("could not be executed before the completion window expired" in l
               for l in done.stderr.splitlines()) == 3
    again = batch(env, "submit", *docs)
    assert "3 requests in 1 batch(es); 3 already answered" in again.stderr
    assert collect(env).returncode == 0
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(6,)]


def test_a_failed_batch_fails_its_requests_with_the_reason(server, env, tmp_path):
    server.outcomes.append("failed")
    docs = make_docs(tmp_path / "docs", 2)
    assert batch(env, "submit", *docs).returncode == 0
    done = collect(env)
    assert done.returncode == 1 and done.stderr.count("the batch failed: line 1 is not valid") == 2


def test_send_leaves_prompts_in_an_open_batch_alone(server, env, tmp_path):
    chat = ChatServer()
    chat.start()
    try:
        docs = make_docs(tmp_path / "docs", 2)
        assert batch(env, "submit", *docs).returncode == 0
        send_env = {**env, "OPENAI_BASE_URL": chat.base_url}
        # another endpoint is another job; the batch's own endpoint is the one that matters
        same = run_cli("send", *docs, env={**env, "OPENAI_BASE_URL": server.base_url.replace("/v1", "/v1/")})
        assert "2 in an open batch" in same.stderr and same.returncode == 0
        other = run_cli("send", *docs, env=send_env)
        assert other.returncode == 0 and "2 sent" in other.stderr
    finally:
        chat.stop()


def test_files_are_split_within_the_limits(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 5)
    r = batch(env, "submit", *docs, "--per-file", "2")
    assert r.returncode == 0 and r.stdout.count("batch_") == 3
    assert sorted(len(b["requests"]) for b in server.batches.values()) == [1, 2, 2]
    assert collect(env).returncode == 0
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(5,)]


def test_several_models_make_one_batch_each(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 2)
    r = batch(env, "submit", *docs, "-m", "model-a", "-m", "model-b")
    assert r.returncode == 0 and r.stdout.count("batch_") == 2
    models = {b["requests"][0]["body"]["model"] for b in server.batches.values()}
    assert models == {"model-a", "model-b"}


def test_the_responses_api_in_batches(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 2)
    assert batch(env, "submit", *docs, "--api", "responses", "--system", "Be brief.").returncode == 0
    (b,) = server.batches.values()
    assert b["endpoint"] == "/v1/responses" and b["requests"][0]["body"]["instructions"] == "Be brief."
    assert collect(env).returncode == 0
    assert rows(env, "SELECT api, count(*) FROM replies WHERE status = 'ok' GROUP BY api") == [("responses", 2)]


@pytest.mark.parametrize("step", ["upload:500", "create:500"])
def test_a_remote_failure_is_recorded_and_finished_by_the_next_run(server, env, tmp_path, step):
    server.faults.extend([step] * 6)
    docs = make_docs(tmp_path / "docs", 2)
    r = batch(env, "submit", *docs, timeout=120)
    assert r.returncode == 1 and "run `retest batch submit`" in r.stderr and "500" in r.stderr, r.stderr
    assert server.batches == {}
    assert rows(env, "SELECT count(*) FROM replies WHERE owner = 'batch:1'") == [(2,)]  # held, not lost
    fixed = batch(env, "status")
    assert fixed.returncode == 0 and "submitted now: batch_0001" in fixed.stderr
    assert len(server.batches) == 1 and len(server.batches["batch_0001"]["requests"]) == 2
    assert collect(env).returncode == 0


@pytest.mark.parametrize("fault, expected", [("create:hang-before", "submitted now"),
                                             ("create:hang-after", "found on the server")])
def test_a_submit_killed_around_create_ends_with_one_batch(server, env, tmp_path, fault, expected):
    server.faults.append(fault)
    docs = make_docs(tmp_path / "docs", 3)
    kill_submit_at(server, env, docs, ("POST", "/v1/batches"))
    assert len(server.batches) == (1 if fault.endswith("after") else 0)
    r = batch(env, "submit", *docs)
    assert r.returncode == 0, r.stderr
    assert expected in r.stderr and "0 requests in 0 batch(es)" in r.stderr
    assert len(server.batches) == 1  # never a second batch for the same prompts
    assert collect(env).returncode == 0
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(3,)]


def test_cancel_then_collect_the_partial_output(server, env, tmp_path):
    server.default_outcome = "hang"
    docs = make_docs(tmp_path / "docs", 4)
    assert batch(env, "submit", *docs).returncode == 0
    r = batch(env, "cancel", "batch_0001")
    assert r.returncode == 0 and "cancelling" in r.stderr
    done = collect(env)
    assert "2 replies archived" in done.stderr and done.stderr.count("cancelled before this request ran") == 2


def test_export_and_import_for_an_executor(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 4)
    out = tmp_path / "requests.jsonl"
    r = batch(env, "export", *docs, "-m", "served-model", "-o", out, extra={"OPENAI_API_KEY": ""})
    assert r.returncode == 0, r.stderr
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(lines) == 4 and all(set(l) == {"custom_id", "method", "url", "body"} for l in lines)
    assert all(l["body"]["model"] == "served-model" and "stream" not in l["body"] for l in lines)
    # an executor (as vllm run-batch does) answers them, in any order, one of them failing
    results = []
    for i, l in enumerate(lines):
        text = l["body"]["messages"][-1]["content"]
        if i == 2:
            results.append({"id": f"r{i}", "custom_id": l["custom_id"], "error": None,
                            "response": {"status_code": 500, "body": {"error": {"message": "engine crashed"}}}})
            continue
        results.append({"id": f"r{i}", "custom_id": l["custom_id"], "error": None, "response": {
            "status_code": 200, "request_id": f"x{i}", "body": {
                "choices": [{"index": 0, "message": {"role": "assistant", "content": default_reply(text)},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}}})
    random.Random(3).shuffle(results)
    results.append({"id": "stray", "custom_id": "rt-999-abcdefabcdef", "error": None,
                    "response": {"status_code": 200, "body": {}}})
    res = tmp_path / "results.jsonl"
    res.write_text("\n".join(json.dumps(x) for x in results) + "\n{not json\n")
    r = batch(env, "import", res)
    assert r.returncode == 1
    assert "3 replies archived, 1 failed" in r.stderr and "engine crashed" in r.stderr
    assert "1 result line(s) match no request" in r.stderr and "rt-999-abcdefabcdef" in r.stderr
    assert "1 result line(s) could not be read" in r.stderr
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'") == [(3,)]
    twice = batch(env, "import", res)
    assert "0 replies archived" in twice.stderr and "4 already archived" in twice.stderr
    assert rows(env, "SELECT count(*) FROM replies") == [(4,)]


def test_the_key_is_never_written(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 2)
    server.faults.append("upload:500")
    batch(env, "submit", *docs)
    batch(env, "status")
    collect(env)
    for path in Path(tmp_path).rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_commands_before_any_batch(server, env):
    for args in (["status"], ["collect"]):
        r = batch(env, *args)
        assert r.returncode == 0 and "no replies yet" in r.stderr
    r = batch(env, "collect", "batch_9")
    assert r.returncode in (0, 2) and "Traceback" not in r.stderr
