"""`retest related` and `build --related` through the CLI, against local stand-ins for OpenAlex and Semantic Scholar."""

from __future__ import annotations

import json
import socket

import pytest
from conftest import SEED_002, archive_rows, run_cli
from servers.openalex import OA_KEY, OpenAlexServer, corpus, work
from servers.s2 import S2Server, paper

S2_KEY = "s2-test-key-8a7b6c5d4e"


def env_for(server, tmp_path, **extra) -> dict:
    return {"RETEST_OPENALEX_URL": server.base_url, "OPENALEX_API_KEY": OA_KEY, "RETEST_RELATED_INTERVAL": "0",
            "RETEST_RELATED_BACKOFF": "0.05", "RETEST_ARCHIVE": str(tmp_path / "archive.db"), **extra}


def claims_of(stdout: str) -> list[dict]:
    docs = json.loads(stdout)
    assert len(docs) == 1
    return docs[0]["claims"]


def test_related_json_lists_newer_citers_best_first_with_ids_retractions_and_notes(oa, tmp_path):
    r = run_cli("related", SEED_002, "--json", env=env_for(oa, tmp_path))
    assert r.returncode == 0, r.stderr
    claims = claims_of(r.stdout)
    first, second = claims[0], claims[1]
    assert first["arxiv_ids"] == ["2504.07912"]
    titles = [p["title"] for p in first["related"]]
    assert titles == ["Base models and RL post-training deployment revisited", "A journal paper with only a DOI"]
    assert "An older citer from before the claim" not in titles  # published before the claim's month
    doi_only = first["related"][1]
    assert doi_only == {"title": "A journal paper with only a DOI", "date": "2025-11-03", "arxiv_id": None,
                        "doi": "10.1000/xyz.1", "cited_by_count": 5, "retracted": False, "cites": ["2504.07912"],
                        "source": "openalex"}
    assert first["related"][0]["arxiv_id"] == "2509.00001"
    # the claim's own paper is retracted, and so is one of its citers: both say so
    assert second["papers"][0]["retracted"] is True
    bad = [p for p in second["related"] if p["arxiv_id"] == "2601.00003"][0]
    assert bad["retracted"] is True
    assert "\x1b" not in bad["title"] and "\\u001b" not in r.stdout
    # IDs the service does not know are noted on their claims; the rest went on
    assert any("not known to OpenAlex" in n for n in claims[2]["notes"])
    assert "related: " in r.stderr
    anchors = json.loads(r.stdout)[0]["anchors"]
    echo = [a for a in anchors if a["arxiv_id"] == "2504.07912"][0]
    assert echo["label"] and [p["arxiv_id"] for p in echo["related"]] == ["2509.00001", None]


def test_related_table_shows_papers_and_retractions(oa, tmp_path):
    r = run_cli("related", SEED_002, env=env_for(oa, tmp_path))
    assert r.returncode == 0, r.stderr
    assert "arXiv:2509.00001" in r.stdout and "doi:10.1000/xyz.1" in r.stdout
    assert "arXiv:2505.11711 is RETRACTED" in r.stdout
    assert "\x1b" not in r.stdout


def test_since_narrows_and_max_bounds(oa, tmp_path):
    r = run_cli("related", SEED_002, "--json", "--since", "2025-10-01", "--max", "1", env=env_for(oa, tmp_path))
    assert r.returncode == 0, r.stderr
    claims = claims_of(r.stdout)
    assert [p["title"] for p in claims[0]["related"]] == ["A journal paper with only a DOI"]
    assert all(len(c["related"]) <= 1 for c in claims)
    assert any(q["filter"].endswith("from_publication_date:2025-10-01") for q in oa.list_calls())
    r = run_cli("related", SEED_002, "--json", "--since", "30y", env=env_for(oa, tmp_path))
    assert r.returncode == 0, r.stderr  # a duration back past every claim narrows nothing
    assert len(claims_of(r.stdout)[0]["related"]) == 2


def test_bad_since_is_one_line(oa, tmp_path):
    r = run_cli("related", SEED_002, "--since", "last tuesday", env=env_for(oa, tmp_path))
    assert r.returncode == 2
    assert "--since last tuesday" in r.stderr and "Traceback" not in r.stderr


def test_second_run_makes_no_requests_refresh_asks_again_offline_never(oa, tmp_path):
    env = env_for(oa, tmp_path)
    first = run_cli("related", SEED_002, "--json", env=env)
    assert first.returncode == 0, first.stderr
    made = len(oa.requests)
    assert made == 1 + 2 * 2  # one batched look-up, two sorted pages for each known paper
    again = run_cli("related", SEED_002, "--json", env=env)
    assert len(oa.requests) == made
    assert again.stdout == first.stdout
    offline = run_cli("related", SEED_002, "--json", "--offline", env={**env, "OPENALEX_API_KEY": ""})
    assert offline.returncode == 0 and offline.stdout == first.stdout and len(oa.requests) == made
    run_cli("related", SEED_002, "--json", "--refresh", env=env)
    assert len(oa.requests) == 2 * made


def test_offline_with_nothing_cached_says_what_is_missing(oa, tmp_path):
    r = run_cli("related", SEED_002, "--json", "--offline", env=env_for(oa, tmp_path))
    assert r.returncode == 0
    assert not oa.requests
    assert "not in the cache" in r.stderr
    assert all(c["related"] == [] for c in claims_of(r.stdout))


def test_build_related_puts_papers_in_the_prompt_and_caches(oa, tmp_path):
    env = env_for(oa, tmp_path)
    r = run_cli("build", SEED_002, "--related", env=env)
    assert r.returncode == 0, r.stderr
    assert "Newer papers that cite these claims' papers" in r.stdout
    assert "arXiv:2509.00001: “Base models and RL post-training deployment revisited”" in r.stdout
    assert "doi:10.1000/xyz.1" in r.stdout
    assert "its paper arXiv:2505.11711 is RETRACTED" in r.stdout
    assert "say which you could not verify" in r.stdout
    made = len(oa.requests)
    again = run_cli("build", SEED_002, "--related", env=env)
    assert again.stdout == r.stdout and len(oa.requests) == made
    plain = run_cli("build", SEED_002, env=env)
    assert "Newer papers" not in plain.stdout and plain.stdout != r.stdout
    js = run_cli("build", SEED_002, "--related", "--format", "json", env=env)
    prompt = json.loads(js.stdout)
    assert [p["arxiv_id"] for p in prompt["claims"][0]["related"]] == ["2509.00001", None]


def test_fit_tokens_drops_related_papers_first_and_says_so(oa, tmp_path):
    env = env_for(oa, tmp_path)
    full = run_cli("build", SEED_002, "--related", "--format", "json", env=env)
    tokens = json.loads(full.stdout)["tokens"]
    r = run_cli("build", SEED_002, "--related", "--fit-tokens", str(tokens - 15), env=env)
    assert r.returncode == 0, r.stderr
    dropped = [line for line in r.stderr.splitlines() if "dropped to fit" in line]
    assert dropped and all("related paper" in line for line in dropped)
    assert "related paper 2 of claim [" in dropped[0]  # the lowest ranked go first
    assert "Base models and RL post-training deployment revisited" in r.stdout  # the best one stays


def test_throttled_service_is_waited_out(oa, tmp_path):
    oa.throttle = 2
    r = run_cli("related", SEED_002, "--json", env=env_for(oa, tmp_path))
    assert r.returncode == 0, r.stderr
    assert claims_of(r.stdout)[0]["related"]
    stamps = [t for t, _, _ in oa.requests]
    assert stamps[2] - stamps[0] >= 1.9  # Retry-After: 1, twice


def _dead_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def test_dead_service_is_one_line_and_nothing_is_built(tmp_path):
    env = {"RETEST_OPENALEX_URL": _dead_url(), "OPENALEX_API_KEY": OA_KEY, "RETEST_RELATED_INTERVAL": "0",
           "RETEST_RELATED_BACKOFF": "0.01", "RETEST_ARCHIVE": str(tmp_path / "a.db")}
    out = tmp_path / "prompts"
    r = run_cli("build", SEED_002, "--related", "--out-dir", out, env=env)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "OpenAlex at 127.0.0.1" in lines[0] and "cannot reach" in lines[0], r.stderr
    assert not out.exists() or not list(out.iterdir())
    related = run_cli("related", SEED_002, "--json", env=env)
    assert related.returncode == 1
    assert any("could not be looked up" in n for n in claims_of(related.stdout)[0]["notes"])


@pytest.mark.parametrize("mode,words", [("garbage", "not JSON"), ("types", "without a list of results"),
                                        ("huge", "more than 16 MB"), ("500", "answered 500")])
def test_garbage_answers_are_one_line_naming_the_service(mode, words, tmp_path):
    server = OpenAlexServer(mode=mode)
    server.start()
    try:
        r = run_cli("build", SEED_002, "--related", env=env_for(server, tmp_path, OPENALEX_API_KEY=""))
    finally:
        server.stop()
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and "OpenAlex" in r.stderr and words in r.stderr, r.stderr


def test_slow_answers_meet_the_deadline(tmp_path):
    server = OpenAlexServer(latency=2.0)
    server.start()
    try:
        r = run_cli("build", SEED_002, "--related",
                    env=env_for(server, tmp_path, OPENALEX_API_KEY="", RETEST_RELATED_TIMEOUT="0.3"))
    finally:
        server.stop()
    assert r.returncode == 1 and "no complete answer within 0.3 s" in r.stderr


def test_missing_and_refused_keys_say_where_to_get_one_and_never_show_it(oa, tmp_path):
    env = env_for(oa, tmp_path)
    missing = run_cli("build", SEED_002, "--related", env={**env, "OPENALEX_API_KEY": ""})
    assert missing.returncode == 1 and "wants an API key" in missing.stderr
    assert "openalex.org/settings/api" in missing.stderr
    wrong = "oa-wrong-key-0123456789abcdef"
    refused = run_cli("related", SEED_002, env={**env, "OPENALEX_API_KEY": wrong})
    assert refused.returncode == 1 and "refused the key" in refused.stderr
    assert wrong not in refused.stderr + refused.stdout and wrong[:12] not in refused.stderr
    ok = run_cli("related", SEED_002, "--json", env=env)
    assert ok.returncode == 0
    assert all(q.get("api_key") == OA_KEY for _, _, q in oa.requests[-5:])  # sent as the api_key parameter
    assert OA_KEY not in ok.stdout + ok.stderr
    data = b"".join(p.read_bytes() for p in tmp_path.glob("archive.db*"))
    assert OA_KEY.encode() not in data and wrong.encode() not in data


def test_official_openalex_without_a_key_stops_before_any_request(tmp_path):
    r = run_cli("related", SEED_002, env={"OPENALEX_API_KEY": "", "RETEST_OPENALEX_URL": "",
                                         "RETEST_ARCHIVE": str(tmp_path / "a.db")})
    assert r.returncode == 1
    assert "OPENALEX_API_KEY" in r.stderr and "openalex.org/settings/api" in r.stderr


def test_semantic_scholar_batch_lookup_and_bounded_paging(tmp_path):
    known = paper("P1", "Echo Chamber", "2025-04-10", arxiv="2504.07912", citations=3000)
    citers = [paper(f"C{i}", f"Citing paper number {i}", f"2025-{(i % 9) + 4:02d}-01", arxiv=f"2509.{i:05d}",
                    citations=i % 50) for i in range(5000)]
    server = S2Server([known, *citers], {"P1": [c["paperId"] for c in citers]}, key=S2_KEY)
    server.start()
    env = {"RETEST_S2_URL": server.base_url, "SEMANTIC_SCHOLAR_API_KEY": S2_KEY, "RETEST_RELATED_INTERVAL": "0",
           "RETEST_ARCHIVE": str(tmp_path / "a.db")}
    try:
        r = run_cli("related", SEED_002, "--json", "--source", "s2", "--max", "3", env=env)
    finally:
        server.stop()
    assert r.returncode == 0, r.stderr
    claims = claims_of(r.stdout)
    assert len(claims[0]["related"]) == 3 and all(p["source"] == "s2" for p in claims[0]["related"])
    assert all(p["retracted"] is None for p in claims[0]["related"])
    posts = [req for req in server.requests if req[1] == "POST"]
    assert len(posts) == 1 and len(posts[0][4]["ids"]) == 5  # one batch look-up for every paper
    pages = [req for req in server.requests if req[1] == "GET"]
    assert len(pages) == 3  # 5,000 citers: three pages of 1,000, not five
    assert any("not known to Semantic Scholar" in n for n in claims[1]["notes"])


def test_semantic_scholar_refused_key(tmp_path):
    server = S2Server([], key=S2_KEY)
    server.start()
    try:
        r = run_cli("build", SEED_002, "--related", "--source", "s2",
                    env={"RETEST_S2_URL": server.base_url, "SEMANTIC_SCHOLAR_API_KEY": "s2-wrong-key-abcdef0123",
                         "RETEST_RELATED_INTERVAL": "0", "RETEST_ARCHIVE": str(tmp_path / "a.db")})
    finally:
        server.stop()
    assert r.returncode == 1 and "Semantic Scholar" in r.stderr and "refused the key" in r.stderr
    assert "semanticscholar.org/product/api" in r.stderr and "s2-wrong-key" not in r.stderr


def test_related_options_without_related_are_refused(tmp_path):
    r = run_cli("build", SEED_002, "--since", "6m", env={"RETEST_ARCHIVE": str(tmp_path / "a.db")})
    assert r.returncode == 2 and "go with --related" in r.stderr


def test_cache_tables_hold_when_each_lookup_was_made(oa, tmp_path):
    env = env_for(oa, tmp_path)
    run_cli("related", SEED_002, env=env)
    rows = archive_rows(env, "SELECT source, arxiv_id, since, fetched_at FROM related_citing ORDER BY arxiv_id")
    assert [(r[0], r[1], r[2]) for r in rows] == [("openalex", "2504.07912", "2025-04-01"),
                                                  ("openalex", "2505.11711", "2025-05-01")]
    assert all(r[3] for r in rows)


def test_a_much_cited_paper_costs_two_sorted_requests(tmp_path):
    server = OpenAlexServer(key=OA_KEY)
    cited = server.add(work(1, "A famous paper", "2024-01-05", arxiv="2401.00001", cited_by=50_000))
    for n in range(2, 3002):
        server.add(work(n, f"Citer {n}", f"2024-{(n % 12) + 1:02d}-01", doi=f"10.1/{n}", cited_by=n), cites=[cited])
    doc = tmp_path / "famous.txt"
    doc.write_text("Does the famous result hold?\n\nThis reads the question as: whether it still holds.\n\n"
                   "Sources 1 notes\n\nDoes the famous paper hold?\n\n"
                   "Accuracy rises by 12% with the famous trick (2024-01, arXiv:2401.00001).\n")
    server.start()
    try:
        r = run_cli("related", doc, "--json", env=env_for(server, tmp_path))
    finally:
        server.stop()
    assert r.returncode == 0, r.stderr
    calls = [q for q in server.list_calls() if q["filter"].startswith("cites:")]
    assert sorted(q["sort"] for q in calls) == ["cited_by_count:desc", "publication_date:desc"]
    assert all(int(q["per-page"]) <= 200 and "select" in q for q in calls)
    related = claims_of(r.stdout)[0]["related"]
    assert len(related) == 5 and min(p["cited_by_count"] for p in related) > 2900  # found by the server's sort


@pytest.mark.parametrize("value", ["ftp://mirror.example/", "not a url", "https://user:pw@mirror.example"])
def test_a_bad_base_url_is_one_line(value, tmp_path):
    r = run_cli("related", SEED_002, env={"RETEST_OPENALEX_URL": value, "OPENALEX_API_KEY": OA_KEY,
                                         "RETEST_ARCHIVE": str(tmp_path / "a.db")})
    assert r.returncode == 2 and "RETEST_OPENALEX_URL" in r.stderr and "Traceback" not in r.stderr
    assert "pw" not in r.stderr.replace("password", "")


def test_send_related_with_a_dead_service_sends_nothing(tmp_path):
    from servers.chat import ChatServer
    from conftest import server_env

    chat = ChatServer()
    chat.start()
    try:
        env = {**server_env(chat, tmp_path), "RETEST_OPENALEX_URL": _dead_url(), "OPENALEX_API_KEY": OA_KEY,
               "RETEST_RELATED_INTERVAL": "0", "RETEST_RELATED_BACKOFF": "0.01"}
        r = run_cli("send", SEED_002, "--related", env=env)
        assert r.returncode == 1 and "OpenAlex" in r.stderr
        assert not chat.requests
    finally:
        chat.stop()
