"""Named endpoints (``-m MODEL@NAME``): several endpoints in one command, each with its own key; the ledger
keeps the same model name at two endpoints apart; bad endpoint files are one line."""

import json
import sqlite3

import pytest
from servers.chat import ChatServer
from conftest import KEY, SEED_000, SEED_002, run_cli, two_endpoints

KEY_A = "sk-alpha-SECRET-1111aaaa"
KEY_B = "sk-beta-SECRET-2222bbbb"


@pytest.fixture
def two(tmp_path):
    a = ChatServer(models=("alpha-model", "shared-model"))
    b = ChatServer(models=("beta-model", "shared-model"))
    a.start()
    b.start()
    conf = tmp_path / "endpoints.toml"
    conf.write_text(f'[endpoints.a]\nbase_url = "{a.base_url}"\nkey_env = "A_KEY"\n\n'
                    f'[endpoints.b]\nbase_url = "{b.base_url}"\nkey_env = "B_KEY"\n\n'
                    '[endpoints.b.aliases]\nshort = "beta-model"\n')
    env = {"RETEST_ENDPOINTS": str(conf), "A_KEY": KEY_A, "B_KEY": KEY_B, "OPENAI_API_KEY": KEY,
           "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "RETEST_ARCHIVE": str(tmp_path / "archive.db")}
    yield a, b, env
    a.stop()
    b.stop()


def posted(server):
    return [r for r in server.requests if r["path"].endswith("/chat/completions")]


def test_one_command_two_endpoints_each_with_its_own_models_and_key(two):
    a, b, env = two
    r = run_cli("send", SEED_000, "-m", "alpha-model@a", "-m", "short@b", "-m", "shared-model@a",
                "-m", "shared-model@b", env=env)
    assert r.returncode == 0, r.stderr
    assert sorted(q["body"]["model"] for q in posted(a)) == ["alpha-model", "shared-model"]
    assert sorted(q["body"]["model"] for q in posted(b)) == ["beta-model", "shared-model"]  # the alias resolved
    assert {q["headers"]["authorization"] for q in posted(a)} == {f"Bearer {KEY_A}"}
    assert {q["headers"]["authorization"] for q in posted(b)} == {f"Bearer {KEY_B}"}
    db = sqlite3.connect(env["RETEST_ARCHIVE"])
    rows = sorted(db.execute("SELECT model, endpoint_name, status FROM replies").fetchall())
    assert rows == [("alpha-model", "a", "ok"), ("beta-model", "b", "ok"), ("shared-model", "a", "ok"),
                    ("shared-model", "b", "ok")]
    raw = open(env["RETEST_ARCHIVE"], "rb").read()
    for key in (KEY_A, KEY_B, KEY):
        assert key.encode() not in raw
    assert "shared-model@a" in r.stderr and "shared-model@b" in r.stderr  # the summary tells them apart

    # the same model name at two endpoints: two voices in the ledger, the report and the stats
    claims = json.loads(run_cli("claims", "--json", env=env).stdout)
    voices = {(v["model"], v["endpoint"]) for e in claims for v in e["verdicts"]}
    assert {("shared-model", "a"), ("shared-model", "b"), ("alpha-model", "a"), ("beta-model", "b")} <= voices
    text = run_cli("claims", env=env).stdout
    assert "shared-model@a:" in text and "shared-model@b:" in text
    assert "alpha-model:" in text and "alpha-model@a" not in text  # unambiguous: the plain name
    stats = json.loads(run_cli("archive", "stats", "--json", env=env).stdout)
    assert sorted(g["model"] for g in stats["groups"]) == ["alpha-model", "beta-model", "shared-model@a",
                                                          "shared-model@b"]
    only = json.loads(run_cli("claims", "--json", "--model", "shared-model@b", env=env).stdout)
    assert {(v["model"], v["endpoint"]) for e in only for v in e["verdicts"]} == {("shared-model", "b")}
    report = run_cli("report", "-o", str(Path_(env) / "r.html"), env=env)
    assert report.returncode == 0, report.stderr
    html = (Path_(env) / "r.html").read_text()
    assert "shared-model@a" in html and "shared-model@b" in html

    # a re-run sends nothing again
    again = run_cli("send", SEED_000, "-m", "alpha-model@a", "-m", "shared-model@b", env=env)
    assert again.returncode == 0 and len(posted(a)) == 2 and len(posted(b)) == 2


def Path_(env):
    from pathlib import Path

    return Path(env["RETEST_ARCHIVE"]).parent


def test_plain_model_keeps_its_meaning_beside_a_named_one(two, tmp_path):
    a, b, env = two
    env = {**env, "OPENAI_BASE_URL": a.base_url}
    r = run_cli("send", SEED_000, "-m", "alpha-model", "-m", "beta-model@b", env=env)
    assert r.returncode == 0, r.stderr
    assert [q["headers"]["authorization"] for q in posted(a)] == [f"Bearer {KEY}"]
    assert [q["headers"]["authorization"] for q in posted(b)] == [f"Bearer {KEY_B}"]


def test_a_model_the_endpoint_does_not_serve_is_refused_before_anything_is_sent(two):
    a, b, env = two
    r = run_cli("send", SEED_000, SEED_002, "-m", "alpha-model@a", "-m", "beta-modle@b", env=env)
    assert r.returncode == 2
    assert "beta-modle" in r.stderr and "closest: beta-model" in r.stderr and len(r.stderr.splitlines()) == 1
    assert posted(a) == [] and posted(b) == []
    # --no-model-check sends it anyway (the stand-in then refuses it as a real server would)
    r = run_cli("send", SEED_000, "-m", "alpha-model@a", "--no-model-check", env=env)
    assert r.returncode == 0 and len(posted(a)) == 1


def test_a_server_without_a_model_list_is_not_asked_again(two):
    a, b, env = two
    a.listing = False
    for seed in (SEED_000, SEED_002):
        r = run_cli("send", seed, "-m", "alpha-model@a", env=env)
        assert r.returncode == 0, r.stderr
    assert [g["path"] for g in a.gets if g["path"].endswith("/models")] == ["/v1/models"]
    assert len(posted(a)) == 2


def test_models_lists_what_each_endpoint_serves(two):
    a, b, env = two
    r = run_cli("models", "a", "b", "--json", env=env)
    assert r.returncode == 0, r.stderr
    got = {e["endpoint"]: e["models"] for e in json.loads(r.stdout)}
    assert got == {"a": ["alpha-model", "shared-model"], "b": ["beta-model", "shared-model"]}
    text = run_cli("models", env=env)  # every endpoint of the file
    assert text.returncode == 0, text.stderr
    assert "alpha-model" in text.stdout and "beta-model" in text.stdout
    assert KEY_A not in text.stdout + text.stderr
    unknown = run_cli("models", "nope", env=env)
    assert unknown.returncode == 2 and "known are" in unknown.stderr and " a, b," in unknown.stderr


@pytest.mark.parametrize("body, words", [
    ("[endpoints.a\nbase_url = 1", ["not valid TOML"]),
    ('[endpoints.a]\nbase_url = "ftp://x"\n', ["[endpoints.a]", "base_url"]),
    ('[endpoints.a]\nbase_url = "http://127.0.0.1:9/v1"\ncolour = "red"\n', ["[endpoints.a]", "colour"]),
    ('[endpoints.a]\nbase_url = "http://127.0.0.1:9/v1"\nkey_env = "UNSET_KEY_X"\n', ["[endpoints.a]", "UNSET_KEY_X"]),
    ('[endpoints.a]\nbase_url = "http://127.0.0.1:9/v1"\napi = "soap"\n', ["[endpoints.a]", "api"]),
])
def test_a_bad_endpoints_file_is_one_line_naming_file_endpoint_and_setting(tmp_path, body, words):
    conf = tmp_path / "endpoints.toml"
    conf.write_text(body)
    env = {"RETEST_ENDPOINTS": str(conf), "RETEST_ARCHIVE": str(tmp_path / "a.db")}
    r = run_cli("send", SEED_000, "-m", "m@a", env=env)
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    for w in [str(conf), *words]:
        assert w in r.stderr
    assert not (tmp_path / "a.db").exists() or sqlite3.connect(tmp_path / "a.db").execute(
        "SELECT count(*) FROM replies").fetchone()[0] == 0


def test_a_bad_entry_does_not_stop_the_others(two, tmp_path):
    a, b, env = two
    conf = tmp_path / "endpoints.toml"
    conf.write_text(conf.read_text() + '\n[endpoints.broken]\nbase_url = "nope"\n')
    r = run_cli("send", SEED_000, "-m", "alpha-model@a", env=env)
    assert r.returncode == 0, r.stderr
    r = run_cli("send", SEED_000, "-m", "alpha-model@broken", env=env)
    assert r.returncode == 2 and "[endpoints.broken] base_url" in r.stderr


def test_an_unknown_endpoint_name_lists_the_known_ones(two):
    a, b, env = two
    r = run_cli("send", SEED_000, "-m", "alpha-model@nowhere", env=env)
    assert r.returncode == 2
    assert "unknown endpoint @nowhere" in r.stderr and "a, b" in r.stderr and "perplexity" in r.stderr


def test_background_responses_at_two_named_endpoints(tmp_path):
    from servers.background import BackgroundServer

    a, b = BackgroundServer(), BackgroundServer()
    a.start()
    b.start()
    try:
        env = two_endpoints(tmp_path, a, b, KEY_A, KEY_B)
        r = run_cli("send", SEED_000, "--background", "--no-wait", "-m", "test-model@a", "-m", "other-model@b",
                    env=env)
        assert r.returncode == 0, r.stderr
        assert [x["model"] for x in a.bodies] == ["test-model"] and [x["model"] for x in b.bodies] == ["other-model"]
        assert a.keys == {f"Bearer {KEY_A}"} and b.keys == {f"Bearer {KEY_B}"}
        for name in ("a", "b"):
            done = run_cli("background", "collect", "--endpoint", name, "--wait", "--poll", "0.05", env=env)
            assert done.returncode == 0, done.stderr
        db = sqlite3.connect(env["RETEST_ARCHIVE"])
        assert sorted(db.execute("SELECT model, endpoint_name, status FROM replies").fetchall()) == [
            ("other-model", "b", "ok"), ("test-model", "a", "ok")]
    finally:
        a.stop()
        b.stop()
