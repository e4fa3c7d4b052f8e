"""What a run costs: prices from the table, the user's and the provider's; --max-cost; spent vs kept.

Through the real CLI against the chat server on 127.0.0.1, which reports as usage the number of words
of the prompt and of the reply; an endpoint priced "as openai" by the prices file gets the table's
prices for OpenAI's models.
"""

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from servers.chat import ChatServer
from conftest import SEED_000, SEED_002, archive_rows as rows, make_docs, run_cli, send

KEY = "sk-test-cost-key"


@pytest.fixture
def server():
    srv = ChatServer(models=("gpt-4o", "test-model", "sonar"))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def env(server, tmp_path):
    prices = tmp_path / "prices.toml"
    prices.write_text(f'[endpoints."127.0.0.1:{server.port}"]\nprovider = "openai"\n')
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(tmp_path / "a.db"),
            "RETEST_PRICES": str(prices)}


def table_rates(model: str, provider: str = "openai") -> dict:
    """The table's prices for a model, per million tokens, read straight from genai-prices' data."""
    from genai_prices import data_snapshot

    _, info = data_snapshot.get_snapshot().find_provider_model(model, None, provider, None)
    p = info.get_prices(__import__("datetime").datetime.now(__import__("datetime").timezone.utc))
    return {"input": p.input_mtok, "output": p.output_mtok, "cached": p.cache_read_mtok}


def listed(env, *args) -> list[dict]:
    r = run_cli("archive", "list", "--json", "-n", "1000", *args, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


# -- the price of one reply, by hand ---------------------------------------------------------------------

def test_known_model_priced_from_the_table_input_cached_output_reasoning(server, env):
    server.usage = "details"  # 7 prompt tokens cached, 11 of the reply's tokens reasoning
    r = send(env, SEED_002, "-m", "gpt-4o")
    assert r.returncode == 0, r.stderr
    [rec] = listed(env)
    u, rates = rec["usage"], table_rates("gpt-4o")
    assert u["cached_tokens"] == 7 and u["reasoning_tokens"] == 11 and not u["estimated"]
    # by hand: uncached input at the input price, cached at the cache-read price, output (reasoning is part
    # of it, OpenAI bills it as output) at the output price
    expected = ((u["prompt_tokens"] - 7) * rates["input"] + 7 * rates["cached"]
                + u["completion_tokens"] * rates["output"]) / Decimal(1_000_000)
    assert rates["cached"] < rates["input"]  # so that the cached tokens' lower price is seen
    assert rec["cost"]["usd"] == pytest.approx(float(expected), rel=1e-9)
    assert rec["cost"]["source"] == "table" and rec["cost"]["estimated"] is False
    assert rec["cost"]["spent_usd"] == pytest.approx(rec["cost"]["usd"])
    assert "· cost $" in r.stderr and "for replies kept" not in r.stderr  # kept and spent are equal: said once
    shown = run_cli("archive", "show", str(rec["id"]), env=env)
    assert "- cost: $" in shown.stdout and "genai" not in shown.stderr


def test_library_price_matches_the_table_for_the_real_endpoint():
    from retest.send.prices import resolve

    price = resolve("gpt-4o", "api.openai.com", user={"models": {}, "endpoints": {}})
    rates = table_rates("gpt-4o")
    cost = price.cost({"prompt_tokens": 1000, "completion_tokens": 500, "cached_tokens": 200,
                       "reasoning_tokens": 100, "estimated": False})
    by_hand = (800 * rates["input"] + 200 * rates["cached"] + 500 * rates["output"]) / Decimal(1_000_000)
    assert cost.usd == pytest.approx(float(by_hand), rel=1e-12)
    batch = resolve("gpt-4o", "api.openai.com", batch=True, user={"models": {}, "endpoints": {}})
    assert batch.usd(1000, 500) < price.usd(1000, 500)  # the batch discount


def test_which_table_entry_an_endpoint_gets():
    from retest.send.prices import resolve

    none = {"models": {}, "endpoints": {}}
    assert resolve("claude-sonnet-4-5", "api.openai.com", user=none) is None  # OpenAI does not serve it
    assert "anthropic" in resolve("claude-sonnet-4-5", "api.anthropic.com", user=none).label
    assert "openai gpt-4o" in resolve("gpt-4o", "gateway.example.com", user=none).label  # unknown host: by name
    assert resolve("gpt-4o", "localhost:8000", user=none) is None  # one's own server
    assert resolve("gpt-4o", "10.0.0.5:8000", user=none) is None
    assert resolve("a-model-nobody-knows", "api.openai.com", user=none) is None


def test_unknown_model_costs_unknown_never_zero(server, env):
    r = send(env, SEED_002, "-m", "test-model")
    assert r.returncode == 0, r.stderr
    [rec] = listed(env)
    assert rec["cost"]["usd"] is None and rec["cost"]["spent_usd"] is None
    assert "cost unknown" in r.stderr and "$0.00" not in r.stderr
    table = run_cli("archive", "list", env=env).stdout.splitlines()
    assert table[1].split()[7] == "?" and "$0.00" not in "".join(table)  # the cost column: unknown


def test_a_local_server_is_unknown_even_under_a_known_name(server, env, tmp_path):
    (tmp_path / "prices.toml").write_text("")  # no provider for the endpoint: 127.0.0.1 is one's own
    assert send(env, SEED_002, "-m", "gpt-4o").returncode == 0
    assert listed(env)[0]["cost"]["usd"] is None


def test_user_prices_on_the_command_line_and_in_the_prices_file(server, env, tmp_path):
    r = send(env, SEED_002, "-m", "test-model", "--price", "2/8")
    assert r.returncode == 0, r.stderr
    [rec] = listed(env)
    u = rec["usage"]
    assert rec["cost"]["usd"] == pytest.approx((u["prompt_tokens"] * 2 + u["completion_tokens"] * 8) / 1e6)
    assert rec["cost"]["source"] == "user"
    # the prices file, by model name; a server that costs nothing costs $0.00, said so
    (tmp_path / "prices.toml").write_text('[models."test-model"]\ninput = 0\noutput = 0\n')
    r = send(env, SEED_000, "-m", "test-model")
    assert r.returncode == 0, r.stderr
    assert listed(env)[0]["cost"]["usd"] == 0.0 and "· cost $0.00 ·" in r.stderr
    bad = send(env, SEED_000, "-m", "test-model", "--price", "cheap")
    assert bad.returncode == 2 and "--price" in bad.stderr and "Traceback" not in bad.stderr
    (tmp_path / "prices.toml").write_text("[models.x\n")
    bad = send(env, SEED_000, "-m", "test-model")
    assert bad.returncode == 2 and "prices file" in bad.stderr and "Traceback" not in bad.stderr


def test_a_cost_the_provider_reports_wins(server, env):
    server.usage_extra = {"cost": {"input_tokens_cost": 0.001, "output_tokens_cost": 0.002, "request_cost": 0.005,
                                   "total_cost": 0.008}, "num_search_queries": 2}
    r = send(env, SEED_002, "-m", "sonar")  # priced by neither the table (for this endpoint) nor the user
    assert r.returncode == 0, r.stderr
    [rec] = listed(env)
    assert rec["cost"] == {"usd": 0.008, "estimated": False, "source": "reported", "spent_usd": 0.008,
                           "spent_estimated": False, "priced_at": None}


# -- what may have been billed ------------------------------------------------------------------------------

def test_a_timed_out_attempt_counts_as_spent(server, env):
    server.queue.extend(["slow:3"])
    r = send(env, SEED_002, "-m", "gpt-4o", "--timeout", "1", "--max-attempts", "3")
    assert r.returncode == 0, r.stderr
    [rec] = listed(env)
    attempts = rows(env, "SELECT n, outcome, prompt_tokens, cost_usd FROM attempts ORDER BY n")
    assert attempts[0][1] == "retry" and attempts[0][2] > 0 and attempts[0][3] > 0
    assert rec["cost"]["spent_usd"] == pytest.approx(rec["cost"]["usd"] + attempts[0][3])
    assert rec["cost"]["spent_estimated"] is True
    assert "spent" in r.stderr.splitlines()[-1]


def test_a_refused_request_is_not_spent(server, env):
    server.queue.extend(["500"])
    assert send(env, SEED_002, "-m", "gpt-4o").returncode == 0
    [rec] = listed(env)
    assert rec["cost"]["spent_usd"] == pytest.approx(rec["cost"]["usd"])


# -- --max-cost ------------------------------------------------------------------------------------------------

def test_max_cost_stops_before_the_ceiling_with_requests_in_flight(server, env, tmp_path):
    make_docs(tmp_path / "docs", 24)
    server.latency = 0.3
    ceiling = 0.12  # each request reserves ~$0.023 (2,000 tokens out); each reply costs ~$0.002
    r = send(env, tmp_path / "docs", "-m", "gpt-4o", "-j", "4", "--max-output-tokens", "2000",
             "--max-cost", str(ceiling))
    assert r.returncode == 1, r.stderr
    served = len(server.completions())
    assert 4 <= served < 24 and server.max_active >= 2  # stopped part-way, with several in flight
    recorded = rows(env, "SELECT sum(spent_usd), count(*) FROM replies WHERE status = 'ok'")[0]
    assert recorded[1] == served and recorded[0] <= ceiling
    assert f"{24 - served} request(s) not sent" in r.stderr and "--max-cost" in r.stderr
    assert rows(env, "SELECT count(*) FROM replies")[0][0] == served  # nothing left claimed for the rest
    # a re-run with a new ceiling sends only the rest
    again = send(env, tmp_path / "docs", "-m", "gpt-4o", "-j", "4", "--max-output-tokens", "2000",
                 "--max-cost", "5")
    assert again.returncode == 0, again.stderr
    assert len(server.completions()) == 24
    assert rows(env, "SELECT count(*) FROM replies WHERE status = 'ok'")[0][0] == 24


def test_max_cost_needs_a_price_and_an_output_bound(server, env):
    r = send(env, SEED_002, "-m", "test-model", "--max-cost", "1", "--max-output-tokens", "100")
    assert r.returncode == 2 and "no price is known for test-model" in r.stderr and not server.completions()
    r = send(env, SEED_002, "-m", "gpt-4o", "--max-cost", "1")
    assert r.returncode == 2 and "--max-output-tokens" in r.stderr and not server.completions()


# -- dry runs ---------------------------------------------------------------------------------------------------

def test_dry_run_says_what_it_would_cost(env):
    r = run_cli("send", SEED_002, "-m", "gpt-4o", "-m", "test-model", "--dry-run", "--max-output-tokens", "1000",
                env={k: v for k, v in env.items() if k != "OPENAI_API_KEY"})
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stderr.splitlines() if x.startswith("cost gpt-4o:"))
    tokens = int(line.split(" for ")[1].split(" tokens")[0].lstrip("~").replace(",", ""))
    rates = table_rates("gpt-4o")
    assert f"${float(tokens * rates['input'] / Decimal(1_000_000)):.4f}" in line
    assert f"${float(1000 * rates['output'] / Decimal(1_000_000)):.3f}" in line  # the output bound
    assert "up to 1 × 1,000 tokens" in line
    assert any(x.startswith("cost test-model: unknown") for x in r.stderr.splitlines())
    typical = run_cli("send", SEED_002, "-m", "gpt-4o", "--dry-run", env=env)
    assert "a typical reply" in typical.stderr
    ceiling = run_cli("send", SEED_000, SEED_002, "-m", "gpt-4o", "--dry-run", "--max-output-tokens", "1000",
                      "--max-cost", "0.015", env=env)
    assert "at least 1 of 2 would be sent" in ceiling.stderr, ceiling.stderr  # each reserves ~$0.012


# -- where cost shows ----------------------------------------------------------------------------------------

def test_stats_totals_equal_the_sum_of_the_list(server, env):
    server.queue.extend(["slow:3"])
    assert send(env, SEED_002, "-m", "gpt-4o", "--timeout", "1").returncode == 0
    assert send(env, SEED_000, SEED_002, "-m", "gpt-4o", "-m", "test-model").returncode == 0
    server.queue.extend(["400"])
    send(env, SEED_000, "-m", "gpt-4o", "--temperature", "0.5")
    listing = listed(env)
    r = run_cli("archive", "stats", "--json", env=env)
    assert r.returncode == 0, r.stderr
    stats = json.loads(r.stdout)
    total = stats["total"]
    assert total["requests"] == len(listing) == 5
    assert total["failed"] == sum(x["status"] == "failed" for x in listing) == 1
    assert total["total_tokens"] == sum(x["usage"]["total_tokens"] or 0 for x in listing)
    assert total["cost_usd"] == pytest.approx(sum(x["cost"]["usd"] or 0 for x in listing))
    assert total["spent_usd"] == pytest.approx(sum(x["cost"]["spent_usd"] or 0 for x in listing))
    assert total["spent_usd"] > total["cost_usd"]
    assert {g["model"] for g in stats["groups"]} == {"gpt-4o", "test-model"}
    by_day = json.loads(run_cli("archive", "stats", "--json", "--by", "day", env=env).stdout)
    assert by_day["total"] == total and all(len(g["day"]) == 10 for g in by_day["groups"])
    later = json.loads(run_cli("archive", "stats", "--json", "--since", "2999-01-01", env=env).stdout)
    assert later["total"]["requests"] == 0
    table = run_cli("archive", "stats", env=env)
    assert table.returncode == 0 and "gpt-4o" in table.stdout and "unknown" in table.stdout


# -- odd usage never loses a paid reply ----------------------------------------------------------------------------

@pytest.mark.parametrize("api,stream", [("chat", True), ("chat", False), ("responses", True)])
def test_a_token_count_past_2_63_is_kept_as_a_note_and_the_reply_stored(server, env, api, stream):
    server.usage_extra = {"prompt_tokens": 2**64, "completion_tokens": -3, "total_tokens": "many",
                          "cost": "free"}
    args = ["--api", api] + ([] if stream else ["--no-stream"])
    r = send(env, SEED_002, "-m", "gpt-4o", *args)
    assert r.returncode == 0, r.stderr
    assert "internal error" not in r.stderr
    [rec] = listed(env)
    assert rec["status"] == "ok" and rec["reply"].startswith("Reply ")
    assert "usage.prompt_tokens was an integer of 20 digits (not used)" in rec["note"]
    assert "usage.completion_tokens was -3" in rec["note"]
    assert rec["usage"]["estimated"] is True and rec["cost"]["estimated"] is True
    before = len(server.completions())
    again = send(env, SEED_002, "-m", "gpt-4o", *args)
    assert again.returncode == 0 and len(server.completions()) == before  # nothing paid for twice


# -- the price table stays out of start-up -------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--help"], ["extract", str(SEED_002)], ["archive", "list"]])
def test_the_price_table_is_not_imported_at_start_up(args, tmp_path):
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "retest", *args], capture_output=True, text=True,
                       env={**__import__("os").environ, "RETEST_ARCHIVE": str(tmp_path / "none.db")}, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "genai_prices" not in r.stderr and "import time:" in r.stderr


def test_claims_json_and_the_report_carry_costs(server, env, tmp_path):
    from conftest import block

    server.replies_by_model = {m: (lambda p: "Fine.\n" + block((1, "holds", ["arXiv:2504.07912"], "ok")))
                               for m in ("gpt-4o", "test-model")}
    assert send(env, SEED_002, "-m", "gpt-4o", "-m", "test-model").returncode == 0
    by_id = {r["id"]: r for r in listed(env)}
    ledger = json.loads(run_cli("claims", SEED_002, "--json", env=env).stdout)
    verdicts = {v["model"]: v for v in ledger[0]["verdicts"]}
    kept = by_id[verdicts["gpt-4o"]["reply_id"]]["cost"]["usd"]
    assert verdicts["gpt-4o"]["cost"]["usd"] == pytest.approx(kept) and kept > 0
    assert verdicts["gpt-4o"]["cost"]["reported"] is False
    assert verdicts["test-model"]["cost"] is None  # unknown, not zero

    from retest.archive import Archive
    from retest.results.report import build_report

    with Archive(env["RETEST_ARCHIVE"]) as archive:
        data = build_report(archive, paths=[str(SEED_002)])
    cost = data["docs"][0]["cost"]  # per model; unknown is None, never 0
    assert cost["gpt-4o"]["usd"] == pytest.approx(kept) and cost["test-model"] is None
    page = tmp_path / "r.html"
    assert run_cli("report", SEED_002, "-o", page, env=env).returncode == 0
    html = page.read_text()
    assert "Cost: gpt-4o $" in html and "test-model unknown" in html
    assert "(+ 1 unknown)" in html  # the summary band adds what is known and counts what is not


# -- batches ------------------------------------------------------------------------------------------------------

def test_batch_replies_at_batch_rates_and_max_cost_per_submit(tmp_path):
    from servers.batch import BatchServer

    srv = BatchServer()
    srv.start()
    try:
        prices = tmp_path / "prices.toml"
        prices.write_text(f'[endpoints."{srv.base_url.split("/")[2]}"]\nprovider = "openai"\n')
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": srv.base_url, "RETEST_ARCHIVE": str(tmp_path / "a.db"),
               "RETEST_PRICES": str(prices)}
        docs = make_docs(tmp_path / "docs", 6)
        # each request reserves ~1,100 input + 1,000 output tokens at batch rates (~$0.0064): $0.02 holds 3
        r = run_cli("batch", "submit", *docs, "-m", "gpt-4o", "--max-output-tokens", "1000", "--max-cost", "0.02",
                    env=env)
        assert r.returncode == 1, r.stderr
        assert "3 request(s) not submitted" in r.stderr and "3 requests in 1 batch(es)" in r.stderr
        c = run_cli("batch", "collect", "--wait", "--poll", "0.05", env=env)
        assert c.returncode == 0, c.stderr
        recs = listed(env)
        assert len(recs) == 3
        from retest.send.prices import resolve

        standard = resolve("gpt-4o", "api.openai.com", user={"models": {}, "endpoints": {}})
        for rec in recs:
            u = rec["usage"]
            full = float(standard.usd(u["prompt_tokens"], u["completion_tokens"]))
            assert rec["cost"]["usd"] == pytest.approx(full / 2)  # OpenAI's batch rates: half price
        again = run_cli("batch", "submit", *docs, "-m", "gpt-4o", "--max-output-tokens", "1000", "--max-cost",
                        "1", env=env)
        assert again.returncode == 0 and "3 requests in 1 batch(es); 3 already answered" in again.stderr
    finally:
        srv.stop()


def test_usage_of_any_shape_is_read_without_failing():
    from hypothesis import given
    from hypothesis import strategies as st

    from retest.send.protocols.usage import MAX_COUNT, normalise

    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=5))
    detail_keys = st.sampled_from(["cached_tokens", "reasoning_tokens", "total_cost", "web_search_requests", "x"])
    value = st.recursive(leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(detail_keys, inner,
                                                                                           max_size=3),
                         max_leaves=8)
    keys = st.sampled_from(["prompt_tokens", "completion_tokens", "total_tokens", "input_tokens", "output_tokens",
                            "prompt_tokens_details", "completion_tokens_details", "input_tokens_details", "cost",
                            "num_search_queries", "server_tool_use"])

    @given(st.dictionaries(keys, value, max_size=6) | value)
    def check(raw):
        usage = normalise(raw)
        if usage is None:
            return
        for k in ("prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens", "searches"):
            v = usage.get(k)
            assert v is None or (type(v) is int and 0 <= v <= MAX_COUNT)
        assert usage.get("total_tokens") is None or 0 <= usage["total_tokens"] <= 2 * MAX_COUNT
        assert usage.get("note") is None or len(usage["note"]) < 2000

    check()
