"""Grounded re-tests: what ``--search`` asks of each provider, and the sources of every reply, archived."""

import json
import sqlite3

import pytest
from conftest import KEY, SEED_000, run_cli, run_on_tty
from servers.grounding import SOURCES, GroundingServer


@pytest.fixture
def grounded(tmp_path):
    servers = []

    def make(shape, **kw):
        srv = GroundingServer(shape, **kw)
        url = srv.start()
        servers.append(srv)
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url, "RETEST_MODEL": "gpt-test",
               "RETEST_ARCHIVE": str(tmp_path / f"{shape}-{len(servers)}.db")}
        return srv, env

    yield make
    for srv in servers:
        srv.stop()


def send(env, *args):
    return run_cli("send", "--backoff", "0.01", SEED_000, *args, env=env)


def archived_sources(env):
    db = sqlite3.connect(env["RETEST_ARCHIVE"])
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM sources ORDER BY reply_id, idx")]
    finally:
        db.close()


def expect(shape: str) -> list[dict]:
    """What each dialect tells of the fixture's sources: chat annotations name only the cited ones."""
    return [s for s in SOURCES if shape != "chat" or s["cited"]]


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
@pytest.mark.parametrize("shape,api", [("responses", "responses"), ("chat", "chat"), ("perplexity", "chat")])
def test_sources_are_archived_exactly_as_sent(grounded, shape, api, stream):
    srv, env = grounded(shape)
    r = send(env, "--api", api, *([] if stream else ["--no-stream"]))
    assert r.returncode == 0, r.stderr
    got = archived_sources(env)
    want = expect(shape)
    assert [s["url"] for s in got] == [s["url"] for s in want]  # in order, each once (streams repeat them)
    for g, w in zip(got, want):
        assert bool(g["cited"]) == w["cited"], g
        if shape != "responses" or w["cited"]:  # a web_search_call lists URLs only
            assert g["title"] == w["title"]
        if shape == "perplexity":
            assert (g["date"], g["snippet"]) == (w["date"], w["snippet"])
    assert got[0]["arxiv_id"] == "2504.07912" and all(s["arxiv_id"] is None for s in got[1:])
    reply = json.loads(run_cli("archive", "show", "1", "--json", env=env).stdout)
    assert reply["reply"].startswith("The claim holds")
    if shape != "perplexity":  # annotation spans point into the reply
        first = reply["sources"][0]
        assert reply["reply"][first["start_index"]:first["end_index"]] == "2504.07912"


def test_search_asks_each_api_for_grounding(grounded):
    srv, env = grounded("responses")
    assert send(env, "--api", "responses", "--search", "--search-context", "high",
                "--search-domains", "arxiv.org,OpenReview.net").returncode == 0
    body = srv.requests[-1]
    assert body["tools"] == [{"type": "web_search", "search_context_size": "high",
                              "filters": {"allowed_domains": ["arxiv.org", "openreview.net"]}}]
    assert body["include"] == ["web_search_call.action.sources"]

    srv, env = grounded("chat")
    assert send(env, "--search", "--search-context", "low").returncode == 0
    body = srv.requests[-1]
    assert body["web_search_options"] == {"search_context_size": "low"} and "tools" not in body
    r = send(env, "--search-domains", "arxiv.org", "--force")
    assert r.returncode == 2 and "--search-domains" in r.stderr and "Traceback" not in r.stderr

    srv, env = grounded("perplexity")
    env["RETEST_MODEL"] = "sonar-pro"
    assert send(env, "--search-domains", "arxiv.org").returncode == 0
    body = srv.requests[-1]
    assert body["search_domain_filter"] == ["arxiv.org"] and body["web_search_options"] == {}

    srv, env = grounded("chat")
    env["RETEST_SEARCH"] = "1"
    assert send(env).returncode == 0 and srv.requests[-1]["web_search_options"] == {}
    env["RETEST_SEARCH"] = "maybe"
    r = send(env)
    assert r.returncode == 2 and "RETEST_SEARCH" in r.stderr


def test_without_search_nothing_is_asked_and_settings_keep_their_identity(grounded):
    srv, env = grounded("chat")
    assert send(env).returncode == 0
    assert not {"web_search_options", "tools", "plugins"} & set(srv.requests[-1])
    assert send(env).returncode == 0 and len(srv.requests) == 1  # answered: the same settings
    assert send(env, "--search").returncode == 0 and len(srv.requests) == 2  # grounded is another setting


def test_openrouter_fields():
    from retest.send.endpoint import Settings
    from retest.send.protocols import chat

    s = Settings(model="openai/gpt-4o", base_url="https://openrouter.ai/api/v1", search=True,
                 search_domains=("arxiv.org",))
    # the server tool, not the retired web plugin
    assert chat.body(s, "x")["tools"] == [{"type": "openrouter:web_search",
                                           "parameters": {"allowed_domains": ["arxiv.org"]}}]
    assert "plugins" not in chat.body(s, "x") and "web_search_options" not in chat.body(s, "x")
    s = Settings(model="openai/gpt-4o:online", base_url="https://openrouter.ai/api/v1", search=True)
    assert "plugins" not in chat.body(s, "x") and "tools" not in chat.body(s, "x")


def test_perplexity_agent_api_fields_and_sources():
    """Perplexity's Agent API (Responses shape): its own domain filter; its search_results read as sources."""
    from retest.send.endpoint import Settings
    from retest.send.protocols import responses

    s = Settings(model="openai/gpt-5.4", base_url="https://api.perplexity.ai/v1", api="responses", search=True,
                 search_domains=("arxiv.org",))
    assert responses.body(s, "x")["tools"] == [{"type": "web_search",
                                                "filters": {"search_domain_filter": ["arxiv.org"]}}]
    got = responses.parse({"status": "completed", "output": [
        {"type": "search_results", "results": [{"url": "https://arxiv.org/abs/2504.07912", "title": "A paper"}]},
        {"type": "message", "content": [{"type": "output_text", "text": "It holds."}]}],
        "search_results": [{"url": "https://example.org/x", "title": "X"}]})
    assert got.text == "It holds."
    assert [(x["url"], x["title"]) for x in got.sources] == [("https://arxiv.org/abs/2504.07912", "A paper"),
                                                             ("https://example.org/x", "X")]


def test_archive_search_finds_replies_by_source_title_or_domain(grounded):
    srv, env = grounded("perplexity")
    assert send(env).returncode == 0
    for query in ("openreview.net", "Blog Post", "example.org"):
        found = json.loads(run_cli("archive", "search", query, "--json", env=env).stdout)
        assert [r["id"] for r in found] == [1], query
    assert json.loads(run_cli("archive", "search", "nowhere.invalid", "--json", env=env).stdout) == []
    shown = run_cli("archive", "show", "1", env=env).stdout
    assert "## Sources (3)" in shown and "cited: Scaling Laws for Test-Time Compute" in shown
    exported = [json.loads(line) for line in run_cli("archive", "export", env=env).stdout.splitlines()]
    assert [s["url"] for s in exported[0]["sources"]] == [s["url"] for s in SOURCES]


def test_final_responses_text_wins_over_deltas(grounded):
    srv, env = grounded("responses")
    srv.final_text = "The claim holds (arXiv:2504.07912); newer work exists. And a last sentence the deltas lost."
    assert send(env, "--api", "responses").returncode == 0
    reply = json.loads(run_cli("archive", "show", "1", "--json", env=env).stdout)
    assert reply["reply"] == srv.final_text
    assert "final text is kept" in reply["note"]


@pytest.mark.parametrize("final", [
    {"status": "incomplete", "incomplete_details": "max_output_tokens", "output": []},
    {"status": "completed", "output": [{"type": "message", "content": "a string, not parts"}]},
    {"status": "completed", "output": [{"type": "message", "content": {"text": "an object, not parts"}}]},
    {"status": "completed", "output": [], "output_text": "the SDKs' convenience field, not the API's"},
    {"status": "completed", "output": "nothing like a list"},
    "not even an object",
    {"status": 42},
])
def test_a_final_event_of_odd_shape_keeps_the_streamed_reply(grounded, final):
    srv, env = grounded("responses")
    srv.final = final
    r = send(env, "--api", "responses")
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "Traceback" not in out and "internal error" not in out and "Error" not in out
    reply = json.loads(run_cli("archive", "show", "1", "--json", env=env).stdout)
    assert reply["status"] == "ok" and reply["reply"] == "The claim holds (arXiv:2504.07912); newer work exists."
    assert [s["url"] for s in reply["sources"]] == [s["url"] for s in SOURCES]  # the streamed sources


# -- sources, checked -------------------------------------------------------------------

from servers.arxiv import ArxivServer  # noqa: E402

PAPERS = {
    "2504.07912": ("Scaling Laws for Test-Time Compute", "Ada Lovelace", "2025-04-10"),
    "2503.01111": ("Echo Chamber: RL Post-training Amplifies Behaviors", "Rosie Zhao", "2025-03-02"),
}
BLOCK = ('\n```json\n{"retest_verdicts": [{"claim": 1, "status": "holds", "evidence": ["%s"]}, '
         '{"claim": 2, "status": "overturned", "evidence": ["%s"]}]}\n```\n')


@pytest.fixture
def arxiv_api():
    server = ArxivServer(PAPERS)
    url = server.start()
    yield {"RETEST_ARXIV_URL": url, "RETEST_ARXIV_INTERVAL": "0"}
    server.stop()


def source(url, title, cited=True):
    return {"url": url, "title": title, "cited": cited, "date": None, "snippet": None}


def test_ids_behind_source_urls_are_cited_and_judged(grounded):
    srv, env = grounded("perplexity", sources=[
        source("https://arxiv.org/abs/2503.01111", "Echo Chamber"),
        source("https://arxiv.org/pdf/2912.00001v1", "From the future", cited=False),
        source("https://huggingface.co/papers/2504.07912", "Scaling Laws for Test-Time Compute")])
    assert send(env).returncode == 0
    r = run_cli("check", "1", "--json", env=env)
    cited = {c["id"]: c for c in json.loads(r.stdout)["cited"]}
    assert cited["2503.01111"]["verdict"] == "new" and cited["2503.01111"]["source"].endswith("2503.01111")
    assert cited["2912.00001"]["verdict"] == "impossible"  # dated after the reply, though only consulted
    assert cited["2504.07912"]["source"] is None  # the text cites it too: judged once, from the text
    assert r.returncode == 0


@pytest.mark.parametrize("title, mismatch", [
    ("Attention Is All You Need", True),
    ("Echo Chamber: RL Post-training Amplifies Behaviors", True),  # a real title, of another paper
    ("scaling laws for test-time compute", False),
    ("Scaling Laws for Test Time Compute!", False),
    ("Scaling Laws for Test-Time Compute: An Empirical Study", False),
    ("[2504.07912] Scaling Laws for Test-Time Compute", False),  # arXiv's own page title
])
def test_title_mismatch_from_a_source_title(grounded, arxiv_api, title, mismatch):
    srv, env = grounded("chat", sources=[source("https://arxiv.org/abs/2504.07912", title)])
    assert send(env).returncode == 0
    r = run_cli("check", "1", "--online", "--json", env={**env, **arxiv_api})
    assert r.returncode == 0, r.stderr
    c = {c["id"]: c for c in json.loads(r.stdout)["cited"]}["2504.07912"]
    assert c["claimed_title"] and (c["verdict"] == "title-mismatch") == mismatch, c
    if mismatch:
        assert title.split(":")[0] in c["detail"] and "Scaling Laws for Test-Time Compute" in c["detail"]
        assert c["suspect"]
    shown = run_cli("archive", "show", "1", env=env).stdout
    assert ("title-mismatch" in shown) == mismatch


@pytest.mark.parametrize("text, mismatch", [
    ("See [Attention Is All You Need](https://arxiv.org/abs/2504.07912).", True),
    ("See [Scaling laws for test-time compute](https://arxiv.org/abs/2504.07912v1).", False),
    ("See “Attention Is All You Need” (arXiv:2504.07912).", True),
    ('arXiv:2504.07912, "Scaling Laws for Test-Time Compute", is the one.', False),
    ("See [arxiv.org](https://arxiv.org/abs/2504.07912).", False),  # a domain names no paper
])
def test_title_mismatch_from_the_text(tmp_path, arxiv_api, text, mismatch):
    f = tmp_path / "reply.txt"
    f.write_text(text)
    r = run_cli("check", f, "--online", "--json", "--as-of", "2026-11-23",
                env={**arxiv_api, "RETEST_ARCHIVE": str(tmp_path / "c.db")})
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)["cited"][0]
    assert (c["verdict"] == "title-mismatch") == mismatch, c


def test_evidence_urls_are_resolved_against_the_sources(grounded):
    srv, env = grounded("chat", reply=lambda p: "Reply." + BLOCK % (
        "https://www.example.org/blog/post/", "https://made-up.example.com/paper"))
    assert send(env).returncode == 0
    r = run_cli("check", "1", "--json", env=env)
    claims = json.loads(r.stdout)["claims"]
    first, second = claims[0], claims[1]
    assert first["supported"] is True and first["evidence_check"][0]["source"] == "Someone's Blog Post"
    assert second["supported"] is False
    assert second["evidence_check"][0]["verdict"] == "not a source of the reply"


def test_claims_show_the_sources_and_mark_suspect_evidence(grounded, arxiv_api):
    srv, env = grounded("chat", sources=[source("https://arxiv.org/abs/2504.07912", "Attention Is All You Need"),
                                         source("https://www.example.org/blog/post", "Someone's Blog Post")],
                        reply=lambda p: "Reply." + BLOCK % ("arXiv:2504.07912", "https://example.org/blog/post"))
    assert send(env).returncode == 0
    entries = json.loads(run_cli("claims", "--json", env=env).stdout)
    first, second = entries[0]["verdicts"][0], entries[1]["verdicts"][0]
    assert first["grounded"] and first["sources"] == ["Attention Is All You Need"] and first["supported"] is True
    assert second["sources"] == ["Someone's Blog Post"]
    assert run_cli("check", "1", "--online", env={**env, **arxiv_api}).returncode == 0
    entries = json.loads(run_cli("claims", "--json", env=env).stdout)
    first = entries[0]["verdicts"][0]
    assert first["supported"] is False and first["evidence_check"][0]["verdict"] == "title-mismatch"
    text = run_cli("claims", env=env).stdout
    assert "gpt-test (grounded): holds (unsupported" in text
    assert "! arXiv:2504.07912: title-mismatch" in text and "sources: Someone's Blog Post" in text
    grid = run_on_tty("claims", env={**env, "COLUMNS": "80", "NO_COLOR": "1"}).decode().splitlines()
    row = next(line for line in grid if line.startswith("[1] "))
    assert row.rstrip().endswith("holds⌕!"), grid  # grounded, and unsupported, in one short cell


def test_the_report_lists_each_replys_sources_and_links_only_http(grounded, tmp_path, arxiv_api):
    import html as html_lib
    import re

    hostile = [source("javascript:alert(document.domain)", "JS source"),
               source("JaVaScRiPt:alert(1)", "Mixed case JS"),
               source("data:text/html,<script>alert(1)</script>", "Data source"),
               source("/relative/path", "Relative source"),
               source("//evil.example/x", "Scheme-relative source"),
               source("https://arxiv.org/abs/2504.07912", "Attention Is All You Need"),
               source('https://ok.example/a"onmouseover="alert(1)', "Quoted source")]
    srv, env = grounded("perplexity", sources=hostile,
                        reply=lambda p: "Reply." + BLOCK % ("arXiv:2504.07912", "https://ok.example/none"))
    assert send(env).returncode == 0
    assert run_cli("check", "1", "--online", env={**env, **arxiv_api}).returncode == 0
    page = tmp_path / "report.html"
    r = run_cli("report", SEED_000, "-o", page, env=env)
    assert r.returncode == 0, r.stderr
    html = page.read_text()
    hrefs = [html_lib.unescape(h) for h in re.findall(r'href="([^"]*)"', html) if not h.startswith("#")]
    assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs), hrefs  # and in-page anchors
    assert not re.search(r"(?i)href=\"(javascript|data):", html) and "onmouseover=\"" not in html
    block = html[html.index('<ul class="papers sources">'):]
    block = block[: block.index("</ul>")]
    for s in hostile:
        assert html_lib.escape(s["title"], quote=False) in block  # every source is listed, as text at least
    for label in ("JS source", "Mixed case JS", "Data source", "Relative source", "Scheme-relative source"):
        assert not re.search(rf"<a [^>]*>{label}</a>", block), label
    assert re.search(r'<a href="https://arxiv.org/abs/2504.07912" rel="noopener noreferrer nofollow">'
                     r"Attention Is All You Need</a>", block)
    assert 'class="suspect-source"' in block and "title-mismatch" in block  # the real ID with another title
    assert 'class="grounded"' in html  # the matrix marks grounded verdicts


def test_batch_requests_ask_for_search_and_their_results_keep_their_sources(grounded, tmp_path):
    srv, env = grounded("responses")
    out = tmp_path / "requests.jsonl"
    r = run_cli("batch", "export", SEED_000, "-m", "gpt-test", "--api", "responses", "--search",
                "--search-domains", "arxiv.org", "-o", out, env=env)
    assert r.returncode == 0, r.stderr
    (line,) = [json.loads(x) for x in out.read_text().splitlines()]
    assert line["body"]["tools"] == [{"type": "web_search", "filters": {"allowed_domains": ["arxiv.org"]}}]
    assert line["body"]["include"] == ["web_search_call.action.sources"]
    result = {"id": "r1", "custom_id": line["custom_id"], "error": None,
              "response": {"status_code": 200, "body": srv.response("The claim holds (arXiv:2504.07912).")}}
    res = tmp_path / "results.jsonl"
    res.write_text(json.dumps(result) + "\n")
    r = run_cli("batch", "import", res, env=env)
    assert r.returncode == 0, r.stderr
    assert [s["url"] for s in archived_sources(env)] == [s["url"] for s in SOURCES]


def test_responses_web_searches_are_counted_for_the_price():
    """OpenAI bills each web search call: the usage of a Responses reply says how many ran (opening a page is none)."""
    from retest.send.protocols.responses import parse

    reply = {"status": "completed", "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15},
             "output": [{"type": "web_search_call", "action": {"type": "search", "query": "q"}},
                        {"type": "web_search_call", "action": {"type": "search", "query": "r"}},
                        {"type": "web_search_call", "action": {"type": "open_page", "url": "https://a.example"}},
                        {"type": "message", "content": [{"type": "output_text", "text": "hi", "annotations": []}]}]}
    assert parse(reply).usage["searches"] == 2
    reply["output"] = reply["output"][3:]
    assert "searches" not in parse(reply).usage
