"""`archive search` takes every word given; `archive show` takes `last`, `-1`, `-2`… for the newest replies."""

import json

import pytest
from servers.chat import ChatServer
from conftest import KEY, SEED_000, SEED_002, run_cli


@pytest.fixture(scope="module")
def two_replies(tmp_path_factory):
    folder = tmp_path_factory.mktemp("refs")
    server = ChatServer()
    server.start()
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(folder / "a.db")}
    server.reply = lambda p: ("Sparse subnetworks still hold up." if "reasoning peaks" in p else "Nothing sparse here.")
    for seed in (SEED_000, SEED_002):
        r = run_cli("send", seed, "-m", "test-model", "--fit-tokens", "450", env=env)
        assert r.returncode == 0, r.stderr
    yield env
    server.stop()


def test_search_takes_every_word_unquoted(two_replies):
    quoted = run_cli("archive", "search", "sparse subnetworks", "--json", env=two_replies)
    unquoted = run_cli("archive", "search", "sparse", "subnetworks", "--json", env=two_replies)
    assert unquoted.returncode == 0, unquoted.stderr
    assert json.loads(unquoted.stdout) == json.loads(quoted.stdout)
    assert [h["reply"] for h in json.loads(unquoted.stdout)] == ["Sparse subnetworks still hold up."]


@pytest.mark.parametrize("ref, back", [("last", 0), ("latest", 0), ("-1", 0), ("-2", 1)])
def test_show_counts_back_from_the_newest(two_replies, ref, back):
    ids = sorted((h["id"] for h in json.loads(run_cli("archive", "list", "--json", env=two_replies).stdout)),
                 reverse=True)
    r = run_cli("archive", "show", ref, "--json", env=two_replies)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["id"] == ids[back]


def test_show_past_the_oldest_is_one_line(two_replies):
    r = run_cli("archive", "show", "-3", env=two_replies)
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and "only 2 replies" in r.stderr
    assert "Traceback" not in r.stderr
