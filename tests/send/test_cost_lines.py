"""Cost lines say a thing once: the hint for a price once per run (one line naming every unpriced model), one
figure when what was kept and what was spent are the same, "about" or "~" but never both.

Through the real CLI against the chat server on 127.0.0.1 (one's own server: no price unless given).
"""

import re

import pytest
from servers.chat import ChatServer
from conftest import SEED_002, make_docs, run_cli, send, server_env, serving


server = serving(ChatServer, models=("test-model", "llama", "qwen"))


@pytest.fixture
def env(server, tmp_path):
    (tmp_path / "prices.toml").write_text("")
    return server_env(server, tmp_path) | {"RETEST_PRICES": str(tmp_path / "prices.toml")}


def test_the_price_hint_is_said_once_naming_every_unpriced_model(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 3)
    r = send(env, *docs, "-m", "llama", "-m", "qwen")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("--price") == 1, r.stderr  # 6 replies, 2 models: one hint
    [hint] = [line for line in r.stderr.splitlines() if "--price" in line]
    assert "llama and qwen" in hint and "archive reprice" in hint
    summary = r.stderr.strip().splitlines()[-1]
    assert "· cost unknown ·" in summary and summary.count("unknown") == 1, summary
    # a run that priced everything gives no hint
    priced = send(env, *docs, "-m", "test-model", "--price", "1/2")
    assert priced.returncode == 0 and "--price" not in priced.stderr, priced.stderr


def test_one_figure_when_kept_and_spent_are_the_same(server, env):
    r = send(env, SEED_002, "-m", "test-model", "--price", "2/8")
    assert r.returncode == 0, r.stderr
    summary = r.stderr.strip().splitlines()[-1]
    assert re.search(r"· cost \$0\.\d+ ·", summary), summary
    assert "for replies kept" not in summary and "spent ·" not in summary, summary
    # an attempt that timed out after text came may have been billed: then both figures, apart
    server.queue.extend(["trickle:0.3"])
    again = send(env, SEED_002, "-m", "test-model", "--price", "2/8", "--force", "--timeout", "1",
                 "--max-attempts", "2")
    assert again.returncode == 0, again.stderr
    summary = again.stderr.strip().splitlines()[-1]
    kept, spent = re.search(r"cost ~?\$([\d.]+) for replies kept, ~?\$([\d.]+) spent", summary).groups()
    assert float(spent) > float(kept), summary


def test_the_dry_run_says_about_or_tilde_never_both_and_unpriced_models_in_one_line(server, env):
    r = run_cli("send", SEED_002, "-m", "test-model", "-m", "llama", "-m", "qwen", "--price", "test-model=2.5/10",
                "--dry-run", env=env)
    assert r.returncode == 0, r.stderr
    assert "about ~" not in r.stderr and re.search(r"; about \$[\d.]+ \(--price", r.stderr), r.stderr
    [unknown] = [line for line in r.stderr.splitlines() if "unknown" in line]
    assert unknown.startswith("cost llama, qwen: unknown") and r.stderr.count("--price INPUT/OUTPUT") == 1


def test_a_background_run_gives_the_hint_once_too(tmp_path):
    from servers.background import BackgroundServer

    srv = BackgroundServer()
    srv.start()
    try:
        (tmp_path / "prices.toml").write_text("")
        env = server_env(srv, tmp_path) | {"RETEST_PRICES": str(tmp_path / "prices.toml")}
        docs = make_docs(tmp_path / "docs", 2)
        r = run_cli("send", "--background", "--poll", "0.05", *docs, "-m", "test-model", "-m", "other-model",
                    env=env)
        assert r.returncode == 0, r.stderr
        assert r.stderr.count("--price") == 1 and "test-model and other-model" in r.stderr, r.stderr
        assert "· cost unknown ·" in r.stderr.strip().splitlines()[-1]
    finally:
        srv.stop()
