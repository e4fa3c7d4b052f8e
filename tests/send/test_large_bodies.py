"""A provider's answer past the size bound fails its attempt cleanly: recorded, not retried, no traceback."""

import json

import pytest
from conftest import KEY, SEED_000, archive_rows, run_cli
from servers.grounding import GroundingServer

BIG = 24 * 1024 * 1024  # past the 16 MB bound


@pytest.fixture
def huge_title(tmp_path):
    srv = GroundingServer("chat", sources=[{"url": "https://example.org/a", "title": "T" * BIG, "cited": True,
                                            "date": None, "snippet": None}])
    url = srv.start()
    yield srv, {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url, "RETEST_MODEL": "gpt-test",
                "RETEST_ARCHIVE": str(tmp_path / "a.db")}
    srv.stop()


@pytest.mark.parametrize("how", [[], ["--no-stream"], ["--api", "responses", "--no-stream"],
                                 ["--api", "responses"]])
def test_an_answer_past_the_bound_fails_its_attempt_cleanly(huge_title, how):
    srv, env = huge_title
    r = run_cli("send", "--backoff", "0.01", SEED_000, *how, env=env)
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert "Traceback" not in out and "internal error" not in out
    assert "passed 16 MB" in out, out
    assert len(srv.requests) == 1  # the same request would bring the same answer: not retried
    rows = archive_rows(env, "SELECT status, error FROM replies")
    assert rows and rows[0][0] == "failed" and "passed 16 MB" in rows[0][1], rows


def test_an_answer_under_the_bound_is_kept(huge_title):
    srv, env = huge_title
    srv.sources[0]["title"] = "T" * (2 * 1024 * 1024)
    assert run_cli("send", SEED_000, env=env).returncode == 0
    reply = json.loads(run_cli("archive", "show", "1", "--json", env=env).stdout)
    assert reply["status"] == "ok" and reply["sources"][0]["url"] == "https://example.org/a"


def test_a_background_poll_past_the_bound_is_a_failed_poll(tmp_path):
    from servers.background import BackgroundServer

    srv = BackgroundServer(reply=lambda prompt: "Hi. " * (BIG // 4))
    srv.start()
    try:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": srv.base_url, "RETEST_MODEL": "test-model",
               "RETEST_ARCHIVE": str(tmp_path / "a.db")}
        r = run_cli("send", "--background", "--poll", "0.05", "--backoff", "0.01", "--max-attempts", "2", SEED_000,
                    env=env)
    finally:
        srv.stop()
    out = r.stdout + r.stderr
    assert r.returncode != 0 and "Traceback" not in out and "internal error" not in out
    assert "passed 16 MB" in out and "keeps running" in out, out
    assert srv.total_creates() == 1
    assert archive_rows(env, "SELECT state FROM background_responses") == [("open",)]  # still collectable
