"""``check --online`` against hostile input: what is compared as a title, which URLs name a paper,
where the arXiv API may send the client, and how much of an answer is read."""

import json

import pytest
from servers.arxiv import ArxivServer
from conftest import KEY, SEED_000, run_cli
from servers.grounding import GroundingServer

PAPERS = {
    "2504.07912": ("Scaling Laws for Test-Time Compute", "Ada Lovelace", "2025-04-10"),
    "2503.01111": ("Echo Chamber: RL Post-training Amplifies Behaviors", "Rosie Zhao", "2025-03-02"),
}
LINK = "https://arxiv.org/abs/2504.07912"


@pytest.fixture
def arxiv_api():
    server = ArxivServer(PAPERS)
    url = server.start()
    yield {"RETEST_ARXIV_URL": url, "RETEST_ARXIV_INTERVAL": "0"}
    server.stop()


def check_text(tmp_path, env, text):
    f = tmp_path / "reply.txt"
    f.write_text(text)
    r = run_cli("check", f, "--online", "--json", "--as-of", "2026-11-23",
                env={**env, "RETEST_ARCHIVE": str(tmp_path / "c.db")})
    assert r.returncode == 0, r.stderr
    return {c["id"]: c for c in json.loads(r.stdout)["cited"]}


@pytest.mark.parametrize("text", [
    f"As [Liu et al., 2023]({LINK}) show, it holds.",
    f"As [Liu and Chen (2023)]({LINK}) show, it holds.",
    f"See [the paper]({LINK}).",
    f"[Read more here]({LINK})",
    f"Compare the [GPT-3 paper]({LINK}).",
    'arXiv:2504.07912 "finds a U-shaped curve" in long contexts.',
    'Its authors (arXiv:2504.07912) write: "Models show a U-shaped curve".',
    "[Attention Is All You Need](https://evil.example/arxiv.org/abs/2504.07912)",  # not arXiv's link
])
def test_text_that_is_no_title_is_not_compared(tmp_path, arxiv_api, text):
    c = check_text(tmp_path, arxiv_api, text)["2504.07912"]
    assert c["online"] == "found" and c["claimed_title"] is None and c["verdict"] != "title-mismatch", c
    assert not c["suspect"]


@pytest.mark.parametrize("text", [
    f"See [Attention Is All You Need]({LINK}).",
    'See "Attention Is All You Need" (arXiv:2504.07912).',
    "See “Lost in the middle: how language models use long contexts” (arXiv:2504.07912).",
])
def test_a_wrong_title_is_still_a_mismatch(tmp_path, arxiv_api, text):
    c = check_text(tmp_path, arxiv_api, text)["2504.07912"]
    assert c["verdict"] == "title-mismatch" and c["suspect"], c


def test_only_arxivs_own_hosts_name_a_paper(tmp_path, arxiv_api):
    def source(url, title="Echo Chamber: RL Post-training Amplifies Behaviors"):
        return {"url": url, "title": title, "cited": True, "date": None, "snippet": None}

    lookalikes = [
        "https://www.google.com/search?q=arxiv.org/abs/2503.01111",
        "https://evil.example/arxiv.org/abs/2503.01111",
        "https://arxiv.org.evil.example/abs/2503.01111",
        "https://xn--rxiv-7we.org/abs/2503.01111",  # punycode for a Cyrillic look-alike of arxiv.org
        "https://аrxiv.org/abs/2503.01111",  # the Cyrillic look-alike itself
        "ftp://arxiv.org/abs/2503.01111",
    ]
    srv = GroundingServer("perplexity", sources=[source(u) for u in lookalikes]
                          + [source("https://export.arxiv.org/abs/2503.01111v1")])
    url = srv.start()
    try:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url, "RETEST_MODEL": "gpt-test",
               "RETEST_ARCHIVE": str(tmp_path / "a.db"), **arxiv_api}
        assert run_cli("send", SEED_000, env=env).returncode == 0
        shown = json.loads(run_cli("archive", "show", "1", "--json", env=env).stdout)
        papers = {s["url"]: s["arxiv_id"] for s in shown["sources"]}
        assert all(papers[u] is None for u in lookalikes), papers
        assert papers["https://export.arxiv.org/abs/2503.01111v1"] == "2503.01111"
        r = run_cli("check", "1", "--online", "--json", env=env)
        cited = {c["id"]: c for c in json.loads(r.stdout)["cited"]}
        assert cited["2503.01111"]["source"] == "https://export.arxiv.org/abs/2503.01111v1"
    finally:
        srv.stop()


# -- where the API may send the client ------------------------------------------------

@pytest.fixture
def two_apis():
    real, other = ArxivServer(PAPERS), ArxivServer({"2504.07912": ("Somewhere Else Entirely", "Mallory", "2025-04-10")})
    real_url, other_url = real.start(), other.start()
    yield real, real_url, other, other_url
    real.stop()
    other.stop()


@pytest.mark.parametrize("where", ["other port", "localhost", "ftp", "https"])
def test_redirects_off_the_configured_host_or_scheme_are_refused(tmp_path, two_apis, where):
    real, real_url, other, other_url = two_apis
    port = other_url.split(":")[2].split("/")[0]
    real.redirect = {"other port": other_url.replace("/api/query", "/feed"),
                     "localhost": f"http://localhost:{port}/feed",
                     "ftp": f"ftp://127.0.0.1:{port}/feed",
                     "https": real_url.replace("http://", "https://").replace("/api/query", "/feed")}[where]
    f = tmp_path / "reply.txt"
    f.write_text("See arXiv:2504.07912.")
    r = run_cli("check", f, "--online", "--as-of", "2026-11-23",
                env={"RETEST_ARXIV_URL": real_url, "RETEST_ARXIV_INTERVAL": "0",
                     "RETEST_ARCHIVE": str(tmp_path / "c.db")})
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "redirected to" in r.stderr and "not followed" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not other.requests and "Somewhere Else" not in r.stdout + r.stderr


def test_a_redirect_on_the_same_host_is_followed(tmp_path, two_apis):
    real, real_url, _, _ = two_apis
    real.redirect = real_url.replace("/api/query", "/feed")
    c = check_text(tmp_path, {"RETEST_ARXIV_URL": real_url, "RETEST_ARXIV_INTERVAL": "0"}, "See arXiv:2504.07912.")
    assert c["2504.07912"]["online"] == "found" and len(real.requests) == 2


def test_a_huge_title_is_bounded(tmp_path):
    """A 16 MB title (within the 20 MB body cap) is cut to a title's length before anything works on it."""
    server = ArxivServer(PAPERS)
    server.title_bytes = 16 * 1024 * 1024
    url = server.start()
    try:
        c = check_text(tmp_path, {"RETEST_ARXIV_URL": url, "RETEST_ARXIV_INTERVAL": "0"},
                       "See [Attention Is All You Need](https://arxiv.org/abs/2504.07912).")["2504.07912"]
    finally:
        server.stop()
    assert c["online"] == "found" and c["verdict"] == "title-mismatch"
    assert c["title"].startswith("Scaling Laws for Test-Time Compute") and len(c["title"]) <= 1000
    assert len(c["detail"]) < 2000


def test_an_evidence_url_names_a_paper_only_on_arxivs_hosts(tmp_path):
    block = ('\n```json\n{"retest_verdicts": [{"claim": 1, "status": "holds", "evidence": ["%s"]}, '
             '{"claim": 2, "status": "holds", "evidence": ["%s"]}]}\n```\n')
    srv = GroundingServer("chat", reply=lambda p: "Reply." + block % (
        "https://evil.example/arxiv.org/abs/2504.07912", "https://arxiv.org/abs/2504.07912"))
    url = srv.start()
    try:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url, "RETEST_MODEL": "gpt-test",
               "RETEST_ARCHIVE": str(tmp_path / "a.db")}
        assert run_cli("send", SEED_000, env=env).returncode == 0
        claims = json.loads(run_cli("check", "1", "--json", env=env).stdout)["claims"]
    finally:
        srv.stop()
    (elsewhere,), (arxiv_link,) = claims[0]["evidence_check"], claims[1]["evidence_check"]
    assert elsewhere["id"] is None and elsewhere["verdict"] == "not a source of the reply" and elsewhere["suspect"]
    assert claims[0]["supported"] is False
    assert arxiv_link["id"] == "2504.07912" and claims[1]["supported"] is True
