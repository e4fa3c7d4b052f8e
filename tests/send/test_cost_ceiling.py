"""What a run costs, where the bill has more parts than input and output: deep research, searches, request
fees; background runs priced like `send`; one's own server never priced; unknown never shown as $0.

Through the real CLI against the stand-in servers on 127.0.0.1 (or a dry run, which sends nothing anywhere).
"""

import json
import re
from decimal import Decimal

import pytest
from servers.background import BackgroundServer
from servers.chat import ChatServer
from servers.grounding import GroundingServer
from conftest import KEY, SEED_002, make_docs, run_cli
from conftest import archive_rows as rows

# Perplexity's own documented example of a sonar-deep-research reply's usage: the reasoning tokens and the
# citation tokens are billed apart from the completion tokens, and each search query is billed too.
DEEP_RESEARCH_USAGE = {"prompt_tokens": 19, "completion_tokens": 7163, "total_tokens": 7182,
                       "citation_tokens": 20016, "num_search_queries": 18, "reasoning_tokens": 73997}
DEEP_RESEARCH_PRICES = {"input": 2, "output": 8, "citation": 2, "reasoning": 3, "search": 0.005}  # USD / M, / search


def prices_file(tmp_path, text: str):
    path = tmp_path / "prices.toml"
    path.write_text(text)
    return str(path)


def toml_prices(model: str, rates: dict) -> str:
    return f'[models."{model}"]\n' + "".join(f"{k} = {v}\n" for k, v in rates.items())


@pytest.fixture
def chat(tmp_path):
    srv = ChatServer(models=("test-model", "gpt-4o", "sonar-deep-research", "openai/gpt-4o:online"))
    srv.start()
    yield srv
    srv.stop()


def env_for(server, tmp_path, prices: str = "") -> dict:
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_MODEL": "test-model",
            "RETEST_ARCHIVE": str(tmp_path / "a.db"), "RETEST_PRICES": prices_file(tmp_path, prices)}


def send(env, *args):
    return run_cli("send", "--backoff", "0.01", *args, env=env)


# -- 6: a ceiling that holds, or a refusal that says why ----------------------------------------------------------

def test_max_cost_refuses_deep_research_whose_bill_no_setting_bounds(chat, tmp_path):
    env = env_for(chat, tmp_path, toml_prices("sonar-deep-research", DEEP_RESEARCH_PRICES))
    chat.usage_extra = DEEP_RESEARCH_USAGE
    docs = make_docs(tmp_path / "docs", 4)
    r = send(env, *docs, "-m", "sonar-deep-research", "-j", "4", "--max-cost", "0.30", "--max-output-tokens", "8000")
    assert r.returncode == 2, r.stderr
    assert "--max-cost" in r.stderr and "sonar-deep-research" in r.stderr and "reasoning" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not chat.completions()  # nothing sent, nothing spent
    # without a ceiling it is sent, and each reply is priced as Perplexity bills it
    r = send(env, docs[0], "-m", "sonar-deep-research")
    assert r.returncode == 0, r.stderr
    p, u = DEEP_RESEARCH_PRICES, DEEP_RESEARCH_USAGE
    by_hand = (Decimal(u["prompt_tokens"] * p["input"] + u["completion_tokens"] * p["output"]
                       + u["citation_tokens"] * p["citation"] + u["reasoning_tokens"] * p["reasoning"]) / 1_000_000
               + u["num_search_queries"] * Decimal(str(p["search"])))
    [(cost, spent, estimated)] = rows(env, "SELECT cost_usd, spent_usd, cost_estimated FROM replies")
    assert cost == pytest.approx(float(by_hand)) and spent == pytest.approx(cost) and not estimated
    assert by_hand > Decimal("0.40")  # the documented example costs ~$0.41 a request


def test_max_cost_refuses_openrouters_web_plugin(chat, tmp_path):
    env = env_for(chat, tmp_path, toml_prices("openai/gpt-4o:online", {"input": 2.5, "output": 10}))
    r = send(env, SEED_002, "-m", "openai/gpt-4o:online", "--max-cost", "1", "--max-output-tokens", "100")
    assert r.returncode == 2 and "web plugin" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not chat.completions()
    # --search at OpenRouter asks for the same plugin (a dry run: nothing leaves the machine)
    dry = run_cli("send", SEED_002, "-m", "openai/gpt-4o", "--search", "--dry-run", "--max-cost", "1",
                  "--max-output-tokens", "100", "--price", "2.5/10",
                  env={**env, "OPENAI_BASE_URL": "https://openrouter.ai/api/v1"})
    assert dry.returncode == 2 and "web plugin" in dry.stderr, dry.stderr


def test_max_cost_holds_when_replies_would_search_more_than_reserved(tmp_path):
    srv = GroundingServer(shape="responses")
    srv.searches, srv.latency = 12, 0.5  # it searches 12 times a reply, unless the request bounds its tool calls
    url = srv.start()
    try:
        rates = {"input": 2, "output": 8, "search": 0.01}
        srv.base_url = url
        env = env_for(srv, tmp_path, toml_prices("test-model", rates))
        docs = make_docs(tmp_path / "docs", 6)
        ceiling = 0.25
        r = send(env, *docs, "--api", "responses", "--search", "-j", "4", "--max-output-tokens", "100",
                 "--max-cost", str(ceiling))
        assert r.returncode in (0, 1), r.stderr
        [(spent, n)] = rows(env, "SELECT sum(spent_usd), count(*) FROM replies WHERE status = 'ok'")
        assert n >= 1 and spent <= ceiling, r.stderr
        assert srv.requests and all(b.get("max_tool_calls") == 5 for b in srv.requests)
    finally:
        srv.stop()


# -- 7: background runs honour --price and the prices file -------------------------------------------------------

def test_background_runs_and_collect_price_each_response_by_its_model(tmp_path):
    srv = BackgroundServer()
    srv.start()
    try:
        env = env_for(srv, tmp_path, toml_prices("other-model", {"input": 3, "output": 12}))
        docs = make_docs(tmp_path / "docs", 2)
        r = run_cli("send", "--background", "--poll", "0.05", docs[0], "--price", "2/8", env=env)
        assert r.returncode == 0, r.stderr
        [(pt, ct, cost, source)] = rows(env, "SELECT prompt_tokens, completion_tokens, cost_usd, cost_source"
                                        " FROM replies")
        assert source == "user" and cost == pytest.approx((pt * 2 + ct * 8) / 1e6)
        assert f"cost ${cost:.4f}" in r.stderr and "spent" not in r.stderr  # kept and spent are one figure
        # submitted now, collected later: `background collect` prices each by its own model (the prices file)
        srv.hold = True
        assert run_cli("send", "--background", "--no-wait", docs[1], "-m", "other-model", env=env).returncode == 0
        srv.release()
        c = run_cli("background", "collect", "--wait", "--poll", "0.05", env=env)
        assert c.returncode == 0, c.stderr
        [(pt, ct, cost, source)] = rows(env, "SELECT prompt_tokens, completion_tokens, cost_usd, cost_source"
                                        " FROM replies WHERE model = 'other-model'")
        assert source == "user" and cost == pytest.approx((pt * 3 + ct * 12) / 1e6), c.stderr
        assert "cost $" in c.stderr and "spent" not in c.stderr, c.stderr
    finally:
        srv.stop()


def test_three_collectors_count_a_priced_reply_once(tmp_path):
    import os
    import subprocess
    import sys
    import time

    srv = BackgroundServer()
    srv.start()
    try:
        env = env_for(srv, tmp_path, toml_prices("test-model", {"input": 2, "output": 8}))
        docs = make_docs(tmp_path / "docs", 4)
        srv.hold = True
        assert run_cli("send", "--background", "--no-wait", *docs, env=env).returncode == 0
        procs = [subprocess.Popen([sys.executable, "-m", "retest", "background", "collect", "--wait", "--poll",
                                   "0.05"], env={**os.environ, **env}, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(3)]
        deadline = time.time() + 60
        while srv.polls < 12 and time.time() < deadline:
            time.sleep(0.05)
        srv.release()
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
        for cost, spent in rows(env, "SELECT cost_usd, spent_usd FROM replies"):
            assert cost is not None and spent == pytest.approx(cost)  # spent once, however many collected
    finally:
        srv.stop()


# -- 8: one's own server, in every spelling, is never priced as a provider --------------------------------------

SELF_HOSTED = ["http://[::1]:8000/v1", "http://localhost.:8000/v1", "http://127.1:8000/v1", "http://0:8000/v1",
               "http://0.0.0.0:8000/v1", "http://2130706433:8000/v1", "http://10.1.2.3:8000/v1",
               "http://172.16.5.4/v1", "http://172.31.255.1:8000/v1", "http://192.168.1.20:11434/v1",
               "http://[fd12:3456::1]:8000/v1", "http://[fc00::1]/v1", "http://[::ffff:127.0.0.1]:8000/v1",
               "http://[::ffff:10.0.0.1]:8000/v1", "http://[fe80::1]:8000/v1", "http://LOCALHOST:8000/v1",
               "http://gpu.localhost:8000/v1", "http://169.254.1.1:8000/v1"]


@pytest.mark.parametrize("url", SELF_HOSTED)
def test_a_server_of_ones_own_is_never_priced_as_a_provider(tmp_path, url):
    env = {"OPENAI_BASE_URL": url, "RETEST_ARCHIVE": str(tmp_path / "a.db"),
           "RETEST_PRICES": prices_file(tmp_path, "")}
    dry = run_cli("send", SEED_002, "-m", "gpt-4o", "--dry-run", "--max-output-tokens", "100", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "cost gpt-4o: unknown" in dry.stderr and "genai-prices" not in dry.stderr, dry.stderr
    ceiling = run_cli("send", SEED_002, "-m", "gpt-4o", "--dry-run", "--max-output-tokens", "100", "--max-cost", "1",
                      env=env)
    assert ceiling.returncode == 2 and "no price is known for gpt-4o" in ceiling.stderr, ceiling.stderr


@pytest.mark.parametrize("url", ["http://172.32.0.1:8000/v1", "http://[2606:4700:4700::1111]:8000/v1",
                                 "https://api.openai.com/v1", "http://11.0.0.1/v1"])
def test_a_public_address_keeps_the_providers_price(tmp_path, url):
    env = {"OPENAI_BASE_URL": url, "RETEST_ARCHIVE": str(tmp_path / "a.db"),
           "RETEST_PRICES": prices_file(tmp_path, "")}
    dry = run_cli("send", SEED_002, "-m", "gpt-4o", "--dry-run", "--max-output-tokens", "100", env=env)
    assert dry.returncode == 0 and "genai-prices: openai gpt-4o" in dry.stderr, dry.stderr


# -- 9: unknown stays unknown -----------------------------------------------------------------------------------

def test_an_attempt_that_may_have_been_billed_at_an_unknown_price_is_never_shown_as_0(chat, tmp_path):
    env = env_for(chat, tmp_path)
    chat.queue.extend(["trickle:0.3"])  # text arrives, then the attempt times out: it may have been billed
    r = send(env, SEED_002, "-m", "test-model", "--timeout", "1", "--max-attempts", "1")
    assert r.returncode == 1, r.stderr
    summary = r.stderr.strip().splitlines()[-1]
    assert "$0.00" not in summary and "unknown" in summary, summary
    stats = json.loads(run_cli("archive", "stats", "--json", env=env).stdout)
    assert stats["total"]["spent_usd"] is None


# -- 10: the dry run counts a request fee for every request -----------------------------------------------------

def test_the_dry_run_counts_one_request_fee_per_request(tmp_path):
    from genai_prices import data_snapshot

    n, out = 12, 1000
    docs = make_docs(tmp_path / "docs", n)
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "RETEST_ARCHIVE": str(tmp_path / "a.db"),
           "RETEST_PRICES": prices_file(tmp_path, '[endpoints."127.0.0.1:9"]\nprovider = "perplexity"\n')}
    r = run_cli("send", *docs, "-m", "sonar", "--dry-run", "--max-output-tokens", str(out), "--max-cost", "100",
                env=env)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stderr.splitlines() if x.startswith("cost sonar:"))
    tokens = int(re.search(r"for ~?([\d,]+) tokens", line).group(1).replace(",", ""))
    provider, info = data_snapshot.get_snapshot().find_provider_model("sonar", None, "perplexity", None)
    from genai_prices import Usage

    fee = info.calc_price(Usage(input_tokens=0, output_tokens=0), provider).total_price
    assert fee > 0  # sonar bills each request
    one = info.calc_price(Usage(input_tokens=tokens, output_tokens=n * out), provider).total_price
    expected = one + (n - 1) * fee  # every request pays its fee, not the first alone
    most = Decimal(re.search(r"at most ~?\$([\d.,]+)", line).group(1).replace(",", ""))
    assert most == pytest.approx(expected, rel=Decimal("0.01")), line
    each = Decimal(re.search(r"each request reserves up to \$([\d.,]+)", r.stderr).group(1))
    assert most >= n * fee and most <= n * each * Decimal("1.01"), r.stderr


def test_a_background_response_billed_without_text_counts_as_spent(tmp_path):
    srv = BackgroundServer()
    srv.start()
    try:
        env = env_for(srv, tmp_path, toml_prices("test-model", {"input": 2, "output": 8}))
        (doc,) = make_docs(tmp_path / "docs", 1)
        srv.outcomes["marker00x"] = "completed-empty"  # it ran, and its usage was billed, but it has no text
        r = run_cli("send", "--background", "--poll", "0.05", doc, env=env)
        assert r.returncode == 1, r.stderr
        [(cost, spent)] = rows(env, "SELECT cost_usd, spent_usd FROM replies")
        assert cost is None and spent > 0  # nothing kept, something spent
        assert "$0.00 for replies kept" in r.stderr and "$0.00 spent" not in r.stderr, r.stderr
    finally:
        srv.stop()


def test_deep_research_priced_from_the_table_counts_every_part_of_the_bill(chat, tmp_path):
    from genai_prices import Usage, data_snapshot

    env = env_for(chat, tmp_path, f'[endpoints."127.0.0.1:{chat.port}"]\nprovider = "perplexity"\n')
    chat.usage_extra = DEEP_RESEARCH_USAGE
    r = send(env, SEED_002, "-m", "sonar-deep-research")
    assert r.returncode == 0, r.stderr
    u = DEEP_RESEARCH_USAGE
    provider, info = data_snapshot.get_snapshot().find_provider_model("sonar-deep-research", None, "perplexity", None)
    billed_output = u["completion_tokens"] + u["reasoning_tokens"] + u["citation_tokens"]
    by_table = info.calc_price(Usage(input_tokens=u["prompt_tokens"], output_tokens=billed_output,
                                     output_reasoning_tokens=u["reasoning_tokens"],
                                     output_citation_tokens=u["citation_tokens"],
                                     web_searches=u["num_search_queries"]), provider).total_price
    [(cost,)] = rows(env, "SELECT cost_usd FROM replies")
    assert cost == pytest.approx(float(by_table)) and cost > 0.40  # not the $0.057 of its completion tokens alone
