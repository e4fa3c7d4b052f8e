"""``retest check``: verdicts on cited arXiv IDs, online verification, claims diff."""

import datetime as dt
import json

import pytest
from servers.arxiv import ArxivServer
from conftest import SEED_002, run_cli

from retest.check.citations import sequence_bound
from retest.check.reply import check

AS_OF = dt.date(2026, 11, 23)


def verdicts(text, prompt=None, as_of=AS_OF):
    return {c.id: c.verdict for c in check(text, prompt=prompt, as_of=as_of).cited}


def test_each_offline_verdict_kind():
    reply = (
        "Still holds (arXiv:2504.07912). Newer: https://arxiv.org/abs/2609.01234v2 and doi:10.48550/arXiv.2608.04567.\n"
        "Suspect ones: arXiv:2513.01234, arXiv:2401.1234, arXiv:2504.07912v0, arXiv:hep-th/0801001,\n"
        "arXiv:2702.00001 (from the future), arxiv.org/pdf/2604.99999.pdf (too high a number),\n"
        "and ProRL (May 2023, arXiv:2505.24864).\n"
    )
    got = verdicts(reply, prompt=SEED_002.read_text())
    assert got == {
        "2504.07912": "known",
        "2609.01234": "new",
        "2608.04567": "new",
        "2513.01234": "malformed",
        "2401.1234": "malformed",
        "hep-th/0801001": "malformed",
        "2702.00001": "impossible",
        "2604.99999": "implausible",
        "2505.24864": "date-mismatch",
    }


def test_lookalikes_are_not_citations():
    text = "Version 2025.04 shipped; call 555.1234 or +1 202.555.0142; python 3.11.7; see file_2401.12345.txt."
    assert check(text, as_of=AS_OF).cited == []


def test_version_zero_is_malformed_even_when_id_is_known():
    assert verdicts("arXiv:2504.07912v0", prompt="arXiv:2504.07912") == {"2504.07912": "malformed"}


def test_date_mismatch_tolerates_a_month_and_reads_the_right_parenthesis():
    assert verdicts("(2025-05, arXiv:2504.07912)") == {"2504.07912": "new"}  # one month off: announcement lag
    assert verdicts("(2025-07, arXiv:2504.07912)") == {"2504.07912": "date-mismatch"}
    assert verdicts("(2024-01, arXiv:2401.12345); later (2025-06, arXiv:2506.00001)") == {
        "2401.12345": "new", "2506.00001": "new"}
    c = check("arXiv:2504.07912 (published September 2023)", as_of=AS_OF).cited[0]
    assert (c.stated_date, c.implied_date) == ("2023-09", "2025-04") and c.verdict == "date-mismatch"


def test_impossible_depends_on_as_of():
    assert verdicts("arXiv:2611.00001", as_of=dt.date(2026, 11, 1)) == {"2611.00001": "new"}
    assert verdicts("arXiv:2611.00001", as_of=dt.date(2026, 10, 31)) == {"2611.00001": "impossible"}


def test_implausible_bound_grows_with_the_year():
    assert sequence_bound(2026) > 30000  # arXiv passed 30000 in 2026
    assert verdicts("arXiv:2610.31000") == {"2610.31000": "new"}
    assert verdicts("arXiv:1610.31000") == {"1610.31000": "implausible"}
    assert sequence_bound(2030) > sequence_bound(2026)
    assert sequence_bound(2010) <= 9999


def test_claims_diff():
    reply = "The ~91% routing figure holds (arXiv:2504.07912). Sparsity is now 5-30% too."
    report = check(reply, prompt=SEED_002.read_text(), as_of=AS_OF)
    assert [(c.index, c.addressed) for c in report.claims] == [(1, True), (2, True), (3, False), (4, False),
                                                               (5, False)]
    assert report.claims[0].via == ["arXiv:2504.07912", "~91%"]
    assert report.claims[1].via == ["5–30%"]


def test_cli_on_a_file_groups_verdicts(tmp_path):
    f = tmp_path / "reply.txt"
    f.write_text("New: arXiv:2609.01234. Suspect: arXiv:2513.01234. Old: arXiv:2504.07912.\n")
    r = run_cli("check", f, "--against", SEED_002, "--as-of", "2026-11-23")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.index("New — surfaced by the reply (1)") < out.index("Suspect (1)") < out.index("Re-cited")
    assert "malformed — month 13 does not exist" in out
    assert "Claims re-tested: 1 of 5" in out
    data = json.loads(run_cli("check", f, "--json", "--as-of", "2026-11-23").stdout)
    assert {c["id"]: c["verdict"] for c in data["cited"]} == {
        "2609.01234": "new", "2513.01234": "malformed", "2504.07912": "new"}
    assert data["suspect"] == 1


def test_cli_stdin_and_bad_targets(tmp_path):
    r = run_cli("check", "-", "--json", input="see arXiv:2504.07912\n")
    assert r.returncode == 0 and json.loads(r.stdout)["cited"][0]["id"] == "2504.07912"
    missing = run_cli("check", tmp_path / "nope.txt")
    assert missing.returncode == 2 and "nope.txt: no such file" in missing.stderr
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\x00\x01")
    assert run_cli("check", binary).returncode == 2


PAPERS = {
    "2504.07912": ("Echo Chamber: RL Post-training Amplifies Behaviors", "Rosie Zhao", "2025-04-10"),
    "2609.01234": ("A Newer Paper", "Ada Lovelace", "2026-09-02"),
    "hep-th/9711200": ("The Large N Limit of Superconformal Field Theories", "Juan Maldacena", "1997-11-27"),
}


@pytest.fixture
def arxiv_api(tmp_path):
    server = ArxivServer(PAPERS, reject={"2601.00002"})
    url = server.start()
    yield server, {"RETEST_ARXIV_URL": url, "RETEST_ARXIV_INTERVAL": "0.2",
                   "RETEST_ARCHIVE": str(tmp_path / "cache.db"), "NO_PROXY": "127.0.0.1"}
    server.stop()


def test_online_found_not_found_and_cache(tmp_path, arxiv_api):
    server, env = arxiv_api
    f = tmp_path / "reply.txt"
    f.write_text("arXiv:2504.07912, arXiv:2609.01234, hep-th/9711200, arXiv:2605.00042, arXiv:2513.01234\n")
    r = run_cli("check", f, "--online", "--json", "--as-of", "2026-11-23", env=env)
    assert r.returncode == 0, r.stderr
    cited = {c["id"]: c for c in json.loads(r.stdout)["cited"]}
    assert cited["2504.07912"]["online"] == "found" and cited["2504.07912"]["first_author"] == "Rosie Zhao"
    assert cited["2504.07912"]["title"].startswith("Echo Chamber") and cited["2504.07912"]["published"] == "2025-04-10"
    assert cited["hep-th/9711200"]["online"] == "found"
    assert cited["2605.00042"]["verdict"] == "not-found" and cited["2605.00042"]["online"] == "not-found"
    assert cited["2513.01234"]["verdict"] == "malformed" and cited["2513.01234"]["online"] is None
    assert len(server.requests) == 1  # one batch; the malformed ID was never sent
    assert sorted(server.requests[0][1]) == sorted(["2504.07912", "2609.01234", "hep-th/9711200", "2605.00042"])
    again = run_cli("check", f, "--online", "--as-of", "2026-11-23", env=env)
    assert again.returncode == 0 and len(server.requests) == 1  # all from the cache
    assert "found: “Echo Chamber" in again.stdout


def test_online_400_falls_back_to_single_lookups(tmp_path, arxiv_api):
    server, env = arxiv_api
    f = tmp_path / "reply.txt"
    f.write_text("arXiv:2504.07912 and arXiv:2601.00002\n")
    r = run_cli("check", f, "--online", "--json", "--as-of", "2026-11-23", env=env)
    cited = {c["id"]: c for c in json.loads(r.stdout)["cited"]}
    assert cited["2504.07912"]["online"] == "found"
    assert cited["2601.00002"]["verdict"] == "not-found"
    assert [len(ids) for _, ids in server.requests] == [2, 1, 1]


def test_online_batches_of_100_are_paced(tmp_path, arxiv_api):
    server, env = arxiv_api
    ids = [f"2603.{n:05d}" for n in range(1, 151)]
    f = tmp_path / "reply.txt"
    f.write_text(" ".join(f"arXiv:{i}" for i in ids))
    r = run_cli("check", f, "--online", "--json", "--as-of", "2026-11-23", env={**env, "RETEST_ARXIV_INTERVAL": "1"})
    assert r.returncode == 0
    assert [len(b) for _, b in server.requests] == [100, 50]
    assert server.requests[1][0] - server.requests[0][0] >= 0.95


def test_default_pacing_is_three_seconds(tmp_path, arxiv_api):
    from retest.check.arxiv_api import Client

    server, env = arxiv_api
    client = Client(url=env["RETEST_ARXIV_URL"])
    client.lookup([f"2603.{n:05d}" for n in range(1, 102)])
    assert server.requests[1][0] - server.requests[0][0] >= 2.95
    assert Client(url="https://export.arxiv.org/api/query", interval=0.1).interval == 3.0  # never faster on arXiv


@pytest.mark.parametrize("mode", ["html", "400"])
def test_an_api_that_answers_nonsense_says_nothing_is_missing(tmp_path, mode):
    server = ArxivServer(PAPERS, mode=mode)
    env = {"RETEST_ARXIV_URL": server.start(), "RETEST_ARXIV_INTERVAL": "0", "RETEST_ARCHIVE": str(tmp_path / "c.db")}
    f = tmp_path / "reply.txt"
    f.write_text("arXiv:2504.07912 and arXiv:2605.00042\n")
    try:
        r = run_cli("check", f, "--online", "--json", "--as-of", "2026-11-23", env=env)
        assert r.returncode == 1 and "offline only" in r.stderr, r.stderr
        cited = {c["id"]: c for c in json.loads(r.stdout)["cited"]}
        assert all(c["online"] is None and c["verdict"] == "new" for c in cited.values())
        again = run_cli("check", f, "--online", "--json", "--as-of", "2026-11-23", env=env)
        assert len(server.requests) > 1 and again.returncode == 1  # nothing was cached as not-found
    finally:
        server.stop()


def test_a_trickling_api_is_cut_at_its_deadline(tmp_path, monkeypatch):
    import time

    from retest.check.arxiv_api import Client, OfflineError

    server = ArxivServer(PAPERS, mode="trickle")
    client = Client(url=server.start(), interval=0, timeout=2)
    t = time.monotonic()
    try:
        with pytest.raises(OfflineError, match="cannot reach|within 2 s"):
            client.lookup(["2504.07912"])
        assert time.monotonic() - t < 6
    finally:
        server.stop()


def test_bad_pacing_setting(tmp_path):
    f = tmp_path / "reply.txt"
    f.write_text("arXiv:2504.07912\n")
    r = run_cli("check", f, "--online", env={"RETEST_ARXIV_INTERVAL": "abc", "RETEST_ARCHIVE": str(tmp_path / "c.db")})
    assert r.returncode == 2 and "RETEST_ARXIV_INTERVAL='abc'" in r.stderr and "internal" not in r.stderr


def test_online_when_the_api_is_down(tmp_path):
    f = tmp_path / "reply.txt"
    f.write_text("arXiv:2504.07912\n")
    env = {"RETEST_ARXIV_URL": "http://127.0.0.1:9/api/query", "RETEST_ARCHIVE": str(tmp_path / "c.db")}
    r = run_cli("check", f, "--online", "--as-of", "2026-11-23", env=env)
    assert r.returncode == 1
    assert "cannot reach the arXiv API" in r.stderr and "offline only" in r.stderr
    assert "arXiv:2504.07912" in r.stdout and "Traceback" not in r.stderr
