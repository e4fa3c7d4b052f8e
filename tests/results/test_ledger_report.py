"""The claims ledger over models and time, and the HTML report in a real browser."""

import json
import re

import pytest
from conftest import SEED_000, SEED_002, SEEDS, block, browse, run_cli


def _send(env, *args):
    r = run_cli("send", *args, "-m", "model-a", "-m", "model-b", env=env)
    assert r.returncode == 0, r.stderr
    return r


def test_the_ledger_over_two_models_and_two_dates(two_models):
    server, env = two_models
    # June: both models say claim 1 holds; model-b already doubts claim 2
    server.replies_by_model = {
        "model-a": lambda p: "June.\n" + block((1, "holds", ["arXiv:2504.07912"], "replicated")),
        "model-b": lambda p: "June.\n" + block((1, "holds", [], "fine"), (2, "revised", ["arXiv:2609.01234"], "moved")),
    }
    _send(env, SEEDS, "--today", "2026-06-01")
    # November: model-a now says claim 1 is overturned, with evidence from the future (suspect)
    server.replies_by_model = {
        "model-a": lambda p: "November.\n" + block((1, "overturned", ["arXiv:2702.00001"], "too new")),
        "model-b": lambda p: "November.\n" + block((1, "holds", ["arXiv:2504.07912"], "still"),
                                                    (2, "overturned", ["arXiv:2609.01234"], "gone")),
    }
    _send(env, SEEDS, "--today", "2026-11-20", "--force")  # the same prompts, asked again months later
    r = run_cli("claims", SEED_002, "--json", env=env)
    assert r.returncode == 0, r.stderr
    ledger = json.loads(r.stdout)
    assert [c["index"] for c in ledger] == [1, 2, 3, 4, 5]
    for c in ledger:
        assert set(c) >= {"index", "text", "date", "arxiv_ids", "source", "consensus", "verdicts"}
        for v in c["verdicts"]:
            assert set(v) >= {"model", "status", "evidence", "evidence_check", "note", "reply_id", "at"}
    first, second, third = ledger[0], ledger[1], ledger[2]
    assert first["date"] == "2025-04" and first["arxiv_ids"] == ["2504.07912"]
    assert [(v["model"], v["status"], v["supported"]) for v in first["verdicts"]] == [
        ("model-a", "overturned", False), ("model-b", "holds", True)]  # the latest of each model
    assert first["consensus"] == "holds (1 unsupported dissent)"  # model-a's rests only on a suspect paper
    assert second["consensus"] == "all overturned"  # among the models that judged it
    assert [v["status"] for v in second["verdicts"]] == [None, "overturned"]  # model-a never judged claim 2
    assert third["consensus"] == "untested"
    history = json.loads(run_cli("claims", SEED_002, "--json", "--history", env=env).stdout)
    assert [(v["model"], v["status"]) for v in history[0]["verdicts"]] == [
        ("model-a", "holds"), ("model-b", "holds"), ("model-a", "overturned"), ("model-b", "holds")]
    only_b = json.loads(run_cli("claims", SEED_002, "--json", "--model", "model-b", env=env).stdout)
    assert {v["model"] for c in only_b for v in c["verdicts"]} == {"model-b"}
    text = run_cli("claims", SEED_002, env={**env, "COLUMNS": "80"})
    assert text.returncode == 0 and max(len(l) for l in text.stdout.splitlines()) <= 80
    assert "[1] holds (1 unsupported dissent) · 2025-04" in text.stdout and "ALL HOLD" not in text.stdout


def test_the_ledger_of_a_corpus_prompt_and_by_source(two_models):
    server, env = two_models
    server.reply = lambda p: block((1, "holds", [], "a"), (9, "revised", [], "b"))
    _send(env, SEED_000, SEED_002, "-t", "corpus")
    everything = json.loads(run_cli("claims", "--json", env=env).stdout)
    assert len(everything) == 13
    assert {c["source"] for c in everything} == {str(SEED_000), str(SEED_002)}
    by_source = json.loads(run_cli("claims", "--source", "002_", "--json", env=env).stdout)
    assert len(by_source) == 5 and by_source[0]["text"].startswith("RL post-training acts")
    corpus_ninth = [c for c in everything if c["verdicts"] and c["verdicts"][0]["status"] == "revised"]
    assert len(corpus_ninth) == 1 and corpus_ninth[0]["source"] == str(SEED_002)  # claim 9 of the corpus prompt


def test_claims_of_documents_never_sent(tmp_path):
    r = run_cli("claims", SEED_002, "--json", env={"RETEST_ARCHIVE": str(tmp_path / "none.db")})
    assert r.returncode == 0 and json.loads(r.stdout) == []
    text = run_cli("claims", SEED_002, env={"RETEST_ARCHIVE": str(tmp_path / "none.db")})
    assert "[1] not sent · 2025-04" in text.stdout and "no replies yet" in text.stderr


# -- the report in a real browser ----------------------------------------------------------

HOSTILE = ("Look: <script>document.title='PWNED'</script> and <img src=x onerror=\"document.title='PWNED2'\"> "
           "and arXiv:2513.01234 and arXiv:2609.01234.\n")


@pytest.fixture
def report(two_models, tmp_path):
    server, env = two_models
    server.replies_by_model = {
        "model-a": lambda p: HOSTILE + block((1, "holds", ["arXiv:2504.07912"], "<b>bold</b> claim")),
        "model-b": lambda p: "Fine.\n" + block((1, "revised", ["arXiv:2513.01234"], "odd id"),
                                               (2, "overturned", ["arXiv:2609.01234"], "new work")),
    }
    _send(env, SEED_002)
    page = tmp_path / "report.html"
    r = run_cli("report", SEED_002, "-o", page, env=env)
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stderr and "5 claims in 1 document(s), 2 model(s)" in r.stderr
    return page


def test_the_report_is_self_contained(report):
    html = report.read_text()
    assert "<script" not in html.replace("&lt;script", "")
    assert not re.search(r"<link|@import|url\(|<img", html)
    assert not re.search(r'src="http', html)
    assert "&lt;script&gt;document.title=" in html and "&lt;img src=x onerror=" in html
    assert "prefers-color-scheme: dark" in html and "@media print" in html


def test_the_report_in_chromium(report, tmp_path):
    dom = browse(tmp_path, report, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-1000:]
    html = dom.stdout
    assert "<title>retest report</title>" in html  # neither script ran
    assert "PWNED" in html and "<img" not in html  # the hostile text is text
    rows = re.findall(r'<tr data-claim="(\d+)">', html)
    assert rows == ["1", "2", "3", "4", "5"]
    statuses = re.findall(r'data-status="([a-z]+)"', html)
    assert statuses[:2] == ["holds", "revised"] and statuses[3] == "overturned"
    assert "unsupported" in html  # model-b's verdict on claim 1 rests on a malformed ID
    assert 'class="cite suspect"' in html and "arXiv:2513.01234" in html
    assert re.search(r'class="papers new-list">\s*<li><a class="cite new" href="https://arxiv.org/abs/2609.01234"', html)
    assert "Claims no reply addressed (3)" in html
    shot = tmp_path / "report.png"
    r = browse(tmp_path, report, f"--screenshot={shot}", "--window-size=1280,1600")
    assert r.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000
    narrow = tmp_path / "narrow.png"
    r = browse(tmp_path, report, f"--screenshot={narrow}", "--window-size=420,1600")
    assert r.returncode == 0 and narrow.stat().st_size > 5_000


def test_report_without_an_archive(tmp_path):
    r = run_cli("report", "-o", tmp_path / "r.html", env={"RETEST_ARCHIVE": str(tmp_path / "none.db")})
    assert r.returncode == 0 and "nothing archived yet" in r.stderr and (tmp_path / "r.html").exists()
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("statuses, word", [
    ([], "untested"), ([None, None], "untested"), (["holds", "holds"], "all hold"), (["holds", None], "all hold"),
    (["revised"], "all revised"), (["overturned", "holds", "overturned"], "overturned by 2"),
    (["holds", "revised"], "split"), (["unresolved", "unresolved"], "unresolved"),
])
def test_consensus_words(statuses, word):
    from retest.results.ledger import consensus

    assert consensus([{"status": s, "supported": True} for s in statuses]) == word
    assert consensus([{"status": "overturned", "supported": False}]) == "unsupported"


def test_hostile_evidence_stays_text_in_cells_and_verdict_tables(two_models, tmp_path):
    """The matrix's cells and each reply's verdict table (built outside the template) escape what a reply names as
    evidence; only an http(s) address becomes a link, broken after its slashes, its & escaped."""
    server, env = two_models
    evil = '<img src=x onerror="alert(1)">'
    url = "https://example.org/a?b=1&c=2"
    server.reply = lambda p: block((1, "holds", [evil, url, "javascript:alert(2)"], "a <i>note</i> & more"))
    _send(env, SEED_002)
    page = tmp_path / "report.html"
    r = run_cli("report", SEED_002, "-o", page, env=env)
    assert r.returncode == 0, r.stderr
    html = page.read_text()
    assert "<img" not in html and "onerror=\"alert" not in html
    assert html.count("<li>&lt;img src=x onerror=&#34;alert(1)&#34;&gt;</li>") == 2  # a cell for each model
    assert html.count("<td>&lt;img src=<wbr>x onerror=<wbr>&#34;alert(1)&#34;&gt;<br>") == 2  # each reply's table
    assert html.count('<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">') == 2
    assert html.count("https:/<wbr>/<wbr>example.org/<wbr>a?<wbr>b=<wbr>1&amp;<wbr>c=<wbr>2") == 4
    assert 'href="javascript' not in html and html.count("javascript:alert(2)") == 4
    assert html.count("a &lt;i&gt;note&lt;/i&gt; &amp; more") == 4
