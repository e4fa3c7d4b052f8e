"""``retest send`` as real servers behave: overload, missing usage, reasoning, the Responses API, several models."""

import collections
import json
import os

import pytest
from servers.chat import ChatServer, default_reply
from conftest import (
    KEY,
    SEED_002,
    archive_rows as rows,
    make_docs,
    requests_for,
    run_cli,
    send,
    server_env,
    serving,
)


server = serving(ChatServer)


@pytest.fixture
def env(server, tmp_path):
    return server_env(server, tmp_path)


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_a_server_that_cuts_streams_on_each_new_request_gets_every_prompt(server, env, tmp_path, api):
    server.interrupt = True  # llama-cpp-python's default: a new request aborts the stream in progress
    server.latency = 0.2  # reading the prompt, before the first word
    docs = make_docs(tmp_path / "docs", 6)
    r = send(env, *docs, "-j", "4", "--max-attempts", "2", "--api", api)
    assert r.returncode == 0, r.stderr
    assert "6 sent, 0 skipped (already archived), 0 failed" in r.stderr
    said = [l for l in r.stderr.splitlines() if "sending fewer at once" in l]
    assert len(said) == 1 and "cut streams while others were in flight" in said[0]  # said once
    assert "(now 1)" in said[0]  # a server that serves one at a time: straight to 1, no halving on the way
    ok = rows(env, "SELECT p.text, r.reply FROM replies r JOIN prompts p ON p.id = r.prompt_id WHERE status = 'ok'")
    assert len(ok) == 6 and all(reply == default_reply(prompt) for prompt, reply in ok)
    # after the first cut, two of the three still waiting their turn were taken back rather than left to cut the
    # next one served (left there, 3 streams are cut; one taken back may have had its turn already)
    assert 1 <= server.cut_count <= 2 and server.withdrawn >= 1
    withdrawn = rows(env, "SELECT count(*) FROM attempts WHERE error LIKE '%withdrawn before any reply came%'")
    assert withdrawn == [(2,)]
    # retries caused by our own concurrency were not counted: --max-attempts 2 still got every prompt
    (ceiling, lowest, final, note), = rows(env, "SELECT concurrency_ceiling, concurrency_lowest, concurrency_final,"
                                                " note FROM runs")
    assert ceiling == 4 and lowest == 1 and "cut streams" in note
    assert "at most 1 at once at the lowest" in r.stderr


@pytest.mark.parametrize("fault", ["429:ms10", "503"])
def test_overload_bursts_lower_the_level_then_successes_raise_it(server, env, tmp_path, fault):
    server.latency = 0.05
    server.queue.extend([fault] * 6)
    docs = make_docs(tmp_path / "docs", 30)
    r = send(env, *docs, "-j", "8", "--max-attempts", "2")
    assert r.returncode == 0, r.stderr
    assert "30 sent" in r.stderr
    assert sum("sending fewer at once" in l for l in r.stderr.splitlines()) == 1
    (lowest, final), = rows(env, "SELECT concurrency_lowest, concurrency_final FROM runs")
    assert lowest < 8 and final > lowest  # halved, then grown back by successes
    ok = rows(env, "SELECT prompt_id FROM replies WHERE status = 'ok'")
    assert len(ok) == 30 == len(set(ok))
    assert len(server.completions()) == 36  # each fault retried once, nothing sent twice


def test_no_usage_from_the_server_is_estimated_and_marked(server, env, tmp_path):
    server.usage = "none"
    docs = make_docs(tmp_path / "docs", 2)
    r = send(env, *docs)
    assert r.returncode == 0
    assert " · 0 tokens" not in r.stderr and "~" in r.stderr and "estimated" in r.stderr
    for p, c, t, est in rows(env, "SELECT prompt_tokens, completion_tokens, total_tokens, usage_estimated"
                                  " FROM replies"):
        assert p > 100 and c > 5 and t == p + c and est == 1
    show = run_cli("archive", "show", "1", env=env).stdout
    assert "- tokens: ~" in show and "estimated" in show
    exported = json.loads(run_cli("archive", "export", env=env).stdout.splitlines()[0])
    assert exported["usage"]["estimated"] is True and exported["usage"]["completion_tokens"] > 5
    listing = run_cli("archive", "list", env=env).stdout
    assert "~" in listing


def test_usage_details_are_kept(server, env):
    server.usage = "details"
    assert send(env, SEED_002).returncode == 0
    assert rows(env, "SELECT cached_tokens, reasoning_tokens, usage_estimated FROM replies") == [(7, 11, 0)]
    assert "11 of them reasoning, 7 prompt tokens cached" in run_cli("archive", "show", "1", env=env).stdout


def test_replies_cut_at_the_output_limit_are_kept_and_named(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 3)
    server.script["marker00x"] = collections.deque(["length"])
    server.script["marker02x"] = collections.deque(["length"])
    r = send(env, *docs, "--max-output-tokens", "120")
    assert r.returncode == 0
    ids = [i for (i,) in rows(env, "SELECT id FROM replies WHERE finish_reason = 'length' ORDER BY id")]
    assert len(ids) == 2
    assert f"2 replies were cut at --max-output-tokens 120: ids {ids[0]}, {ids[1]}" in r.stderr
    assert server.completions()[0]["body"]["max_tokens"] == 120


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_reasoning_is_kept_apart_from_the_reply(server, env, stream):
    server.reasoning = "Thinking about arXiv:2301.00001 first."
    assert send(env, SEED_002, *([] if stream else ["--no-stream"])).returncode == 0
    (reply, reasoning), = rows(env, "SELECT reply, reasoning FROM replies")
    assert "Thinking" not in reply and reasoning.strip() == server.reasoning
    show = run_cli("archive", "show", "1", env=env).stdout
    assert "## Reasoning (folded" in show and "Thinking about" not in show
    assert "Thinking about arXiv:2301.00001" in run_cli("archive", "show", "1", "--reasoning", env=env).stdout
    check = json.loads(run_cli("check", "1", "--json", env=env).stdout)
    assert "2301.00001" not in {c["id"] for c in check["cited"]}  # check reads only the reply


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_the_responses_api(server, env, stream):
    server.reasoning = "Reasoning summary."
    r = send(env, SEED_002, "--api", "responses", "--system", "Be brief.", "--max-output-tokens", "300",
             *([] if stream else ["--no-stream"]))
    assert r.returncode == 0, r.stderr
    request = server.completions()[0]
    assert request["path"] == "/v1/responses"
    assert request["body"]["instructions"] == "Be brief." and request["body"]["max_output_tokens"] == 300
    assert isinstance(request["body"]["input"], str) and request["body"].get("stream", False) is stream
    (reply, reasoning, api, finish, prompt_tokens), = rows(
        env, "SELECT reply, reasoning, api, finish_reason, prompt_tokens FROM replies")
    assert reply == default_reply("Be brief.\n" + request["body"]["input"])
    assert reasoning == "Reasoning summary." and api == "responses" and finish == "stop" and prompt_tokens > 0
    again = send(env, SEED_002, "--system", "Be brief.", "--max-output-tokens", "300")  # same job over chat
    assert "already answered" in again.stderr and len(server.completions()) == 1


RESPONSES_FAULTS = ["cut", "nodone", "500", "429:ms10", "failed", "drop"]


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_the_responses_api_under_faults(server, env, tmp_path, stream):
    faults = [f for f in RESPONSES_FAULTS if stream or f not in ("cut", "nodone")]
    docs = make_docs(tmp_path / "docs", len(faults))
    for k, fault in enumerate(faults):
        server.script[f"marker{k:02d}x"] = collections.deque([fault])
    r = send(env, *docs, "--api", "responses", "-j", "3", *([] if stream else ["--no-stream"]))
    assert r.returncode == 0, r.stderr
    ok = rows(env, "SELECT attempts FROM replies WHERE status = 'ok'")
    assert len(ok) == len(faults) and all(a == 2 for (a,) in ok)
    for k in range(len(faults)):
        assert len(requests_for(server, f"marker{k:02d}x")) == 2


def test_responses_incomplete_is_kept_as_cut_and_a_failed_request_fails(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 2)
    server.script["marker00x"] = collections.deque(["incomplete"])
    server.script["marker01x"] = collections.deque(["failed:invalid_prompt"])
    r = send(env, *docs, "--api", "responses")
    assert r.returncode == 1
    assert rows(env, "SELECT status, finish_reason FROM replies ORDER BY id") == [("ok", "length"), ("failed", None)]
    assert "invalid_prompt" in r.stderr and "1 reply was cut at the model's output limit" in r.stderr
    assert len(requests_for(server, "marker01x")) == 1  # a deliberate failure is not retried


def test_several_models_in_one_run(tmp_path):
    server = ChatServer(models=("model-a", "model-b"))
    server.start()
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(tmp_path / "a.db")}
    try:
        docs = make_docs(tmp_path / "docs", 3)
        r = send(env, *docs, "-m", "model-a", "-m", "model-b")
        assert r.returncode == 0, r.stderr
        assert "model-a: 3 sent" in r.stderr and "model-b: 3 sent" in r.stderr
        got = rows(env, "SELECT prompt_id, model FROM replies WHERE status = 'ok'")
        assert len(got) == 6 == len(set(got)) and {m for _, m in got} == {"model-a", "model-b"}
        again = send(env, *docs, "-m", "model-a", "-m", "model-b")
        assert again.returncode == 0 and "model-a: 0 sent, 3 skipped" in again.stderr
        assert len(server.completions()) == 6
        dry = send(env, *docs, "-m", "model-a", "-m", "model-b", "--dry-run")
        assert dry.stdout.count("would send") == 6 and "0 of 6 requests (2 models)" in dry.stderr
    finally:
        server.stop()


def test_a_dry_run_needs_no_key_and_no_endpoint(tmp_path):
    env = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "RETEST_ARCHIVE": str(tmp_path / "a.db")}
    r = run_cli("send", SEED_002, "-m", "gpt-4o", "--dry-run", env=env)
    assert r.returncode == 0, r.stderr
    assert "would send" in r.stdout and "to gpt-4o" in r.stdout and "tokens" in r.stdout
    assert "nothing was sent" in r.stderr and "api.openai.com" in r.stderr
    assert "prompt tokens" in r.stderr
    assert not os.path.exists(tmp_path / "a.db")
    unreachable = run_cli("send", SEED_002, "-m", "x", "--dry-run", "--base-url", "http://127.0.0.1:9/v1", env=env)
    assert unreachable.returncode == 0
    nokey = run_cli("send", SEED_002, "-m", "gpt-4o", env=env)
    assert nokey.returncode == 2 and "OPENAI_API_KEY is not set" in nokey.stderr and "--dry-run" in nokey.stderr
