"""``archive reprice``: replies kept while their model had no price get one from a price given since, marked as
priced later wherever costs are shown; a cost found as a reply arrived is never changed.

Through the real CLI against the chat server on 127.0.0.1 (one's own server: no price unless given).
"""

import json

import pytest
from servers.chat import ChatServer
from conftest import SEED_002, archive_rows as rows, make_docs, run_cli, send, server_env, serving


server = serving(ChatServer, models=("test-model", "llama", "qwen"))


@pytest.fixture
def env(server, tmp_path):
    (tmp_path / "prices.toml").write_text("")
    return server_env(server, tmp_path) | {"RETEST_PRICES": str(tmp_path / "prices.toml")}


def _costs(env, model):
    return rows(env, "SELECT id, prompt_tokens, completion_tokens, cost_usd, cost_source, cost_priced_at, spent_usd"
                     " FROM replies WHERE model = ? ORDER BY id", model)


def test_a_price_given_later_prices_the_replies_kept_without_one(server, env, tmp_path):
    docs = make_docs(tmp_path / "docs", 2)
    assert send(env, *docs, "-m", "llama", "-m", "qwen").returncode == 0
    assert all(c[3] is None for c in _costs(env, "llama"))
    dry = run_cli("archive", "reprice", "--price", "llama=2/8", "--dry-run", env=env)
    assert dry.returncode == 1, dry.stderr  # qwen's stay without a price
    assert "llama: 2 replies would cost $" in dry.stdout and "nothing was changed" in dry.stderr
    assert all(c[3] is None for c in _costs(env, "llama"))  # a dry run changes nothing
    r = run_cli("archive", "reprice", "--price", "llama=2/8", env=env)
    assert r.returncode == 1 and "qwen: 2 replies still without a price" in r.stderr, r.stderr
    for _, pt, ct, cost, source, later, spent in _costs(env, "llama"):
        assert cost == pytest.approx((pt * 2 + ct * 8) / 1e6) and source == "user" and later is not None
        assert spent == pytest.approx(cost)
    assert all(c[3] is None for c in _costs(env, "qwen"))
    # wherever costs are shown, marked as priced later
    rid = _costs(env, "llama")[0][0]
    assert "priced later" in run_cli("archive", "show", str(rid), env=env).stdout
    stats = run_cli("archive", "stats", env=env)
    [llama] = [line for line in stats.stdout.splitlines() if line.startswith("llama")]
    assert "(2 priced later)" in llama, stats.stdout
    [listed] = [x for x in json.loads(run_cli("archive", "list", "--json", env=env).stdout) if x["id"] == rid]
    assert listed["cost"]["priced_at"] is not None
    page = tmp_path / "r.html"
    assert run_cli("report", *docs, "-o", page, env=env).returncode == 0
    # llama's two reply cards and the cost line of each of the two documents (and the legend, once)
    assert page.read_text().count("(priced later)") == 5
    # the prices file, written since, prices the rest; asked again, nothing is priced twice
    (tmp_path / "prices.toml").write_text('[models."qwen"]\ninput = 1\noutput = 1\n')
    r = run_cli("archive", "reprice", env=env)
    assert r.returncode == 0 and "qwen: 2 replies priced" in r.stdout and "llama" not in r.stdout, r.stderr
    again = run_cli("archive", "reprice", "--price", "llama=9/9", env=env)
    assert again.returncode == 0 and "nothing to price" in again.stderr
    assert _costs(env, "llama")[0][3] == pytest.approx((_costs(env, "llama")[0][1] * 2
                                                        + _costs(env, "llama")[0][2] * 8) / 1e6)


def test_a_cost_found_as_the_reply_arrived_is_never_changed(server, env):
    assert send(env, SEED_002, "-m", "test-model", "--price", "1/2").returncode == 0
    [before] = _costs(env, "test-model")
    r = run_cli("archive", "reprice", "--price", "test-model=50/50", env=env)
    assert r.returncode == 0 and "nothing to price" in r.stderr, r.stderr
    assert _costs(env, "test-model") == [before] and before[5] is None


def test_an_attempt_that_may_have_been_billed_is_priced_too(server, env):
    server.queue.extend(["trickle:0.3"])  # text arrives, then the attempt times out: it may have been billed
    assert send(env, SEED_002, "-m", "llama", "--timeout", "1", "--max-attempts", "2").returncode == 0
    assert run_cli("archive", "reprice", "-m", "llama", "--price", "2/8", env=env).returncode == 0
    [(_, pt, ct, cost, _, later, spent)] = _costs(env, "llama")
    [(attempt,)] = rows(env, "SELECT cost_usd FROM attempts WHERE outcome != 'ok' AND cost_usd IS NOT NULL")
    assert later and attempt > 0 and spent == pytest.approx(cost + attempt)


def test_a_price_for_every_model_alike_needs_a_model(server, env):
    r = run_cli("archive", "reprice", "--price", "2/8", env=env)
    assert r.returncode == 2 and "--model" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr
    bad = run_cli("archive", "reprice", "--price", "llama=cheap", env=env)
    assert bad.returncode == 2 and "--price" in bad.stderr and "Traceback" not in bad.stderr
