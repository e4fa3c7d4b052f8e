"""What is learned about a paper holds for every reply citing it (issue #34 item 2): `check N --online` once, and
every other reply citing the same ID is judged by it — in `check`, `claims --json` and the report; `--online` on
`claims`, `report` and `send --check`; a claim's own retracted paper shown (issue #30 item 7)."""

from __future__ import annotations

import json

import pytest
from servers.arxiv import ArxivServer
from servers.chat import ChatServer
from servers.openalex import OpenAlexServer
from conftest import SEED_002, archive_rows, run_cli, run_on_tty, server_env

ID = "2504.07912"
REAL = "Echo Chamber: RL Post-training Amplifies Behaviors"
GHOST = "2507.09999"  # a plausible ID arXiv never issued: not found
OA_KEY = "oa-facts-key-7c1e"


def block(evidence: str) -> str:
    return ('\n\n```json\n{"retest_verdicts": [{"claim": 1, "status": "holds", "evidence": ["' + evidence
            + '"], "note": "still holds"}]}\n```\n')


# four models cite the same paper: three give it another paper's title (each their own), one its real title
WRONG = {
    "model-a": f'Claim 1 holds: see "Cats Are Liquid at Room Temperature" (arXiv:{ID}).',
    "model-b": f"Claim 1 holds, as [Dogs Also Flow Like Liquids](https://arxiv.org/abs/{ID}) shows.",
    "model-c": f'Claim 1 holds — "A Survey of Feline Rheology", arXiv:{ID}.',
}
RIGHT = f'Claim 1 holds: "{REAL}" (arXiv:{ID}).'
MODELS = (*WRONG, "model-d", "model-e")


@pytest.fixture
def chat():
    server = ChatServer(models=MODELS)
    for model, text in WRONG.items():
        server.replies_by_model[model] = lambda prompt, text=text: text + block(f"arXiv:{ID}")
    server.replies_by_model["model-d"] = lambda prompt: RIGHT + block(f"arXiv:{ID}")
    server.replies_by_model["model-e"] = lambda prompt: WRONG["model-a"] + block(f"arXiv:{ID}")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def arxiv():
    server = ArxivServer({ID: (REAL, "Rosie Zhao", "2025-04-10")})
    server.url = server.start()
    yield server
    server.stop()


def env_of(chat, arxiv, tmp_path) -> dict:
    return {**server_env(chat, tmp_path), "RETEST_ARXIV_URL": arxiv.url, "RETEST_ARXIV_INTERVAL": "0",
            "NO_PROXY": "127.0.0.1"}


def first_claim(env, *args) -> dict:
    r = run_cli("claims", "--json", *args, env=env)
    assert r.returncode == 0, r.stderr
    return {v["model"]: v for v in json.loads(r.stdout)[0]["verdicts"]}


def test_one_check_online_makes_every_reply_citing_the_paper_suspect(chat, arxiv, tmp_path):
    env = env_of(chat, arxiv, tmp_path)
    sent = run_cli("send", SEED_002, *[a for m in MODELS[:4] for a in ("-m", m)], env=env)
    assert sent.returncode == 0, sent.stderr
    before = first_claim(env)
    assert all(v["supported"] is True for v in before.values())  # offline, nothing is known about the paper
    first = archive_rows(env, "SELECT id FROM replies WHERE model = 'model-a'")[0][0]
    checked = run_cli("check", str(first), "--online", env=env)
    assert checked.returncode == 0, checked.stderr
    assert "title-mismatch" in checked.stdout
    assert len(arxiv.requests) == 1
    # every reply that gave the paper another title is title-mismatch: the fact is the paper's real title
    rows = dict(archive_rows(env, "SELECT r.model, v.verdict FROM verdicts v JOIN replies r ON r.id = v.reply_id"
                                  " WHERE v.arxiv_id = ?", ID))
    assert rows == {"model-a": "title-mismatch", "model-b": "title-mismatch", "model-c": "title-mismatch",
                    "model-d": "known"}
    after = first_claim(env)
    assert {m: v["supported"] for m, v in after.items()} == {"model-a": False, "model-b": False, "model-c": False,
                                                             "model-d": True}
    for m in WRONG:
        assert [c["verdict"] for c in after[m]["evidence_check"]] == ["title-mismatch"]
    # each reply's own check says so too, without a look-up of its own
    other = archive_rows(env, "SELECT id FROM replies WHERE model = 'model-c'")[0][0]
    mine = json.loads(run_cli("check", str(other), "--json", env=env).stdout)
    assert [c["verdict"] for c in mine["cited"]] == ["title-mismatch"]
    page = tmp_path / "report.html"
    assert run_cli("report", "-o", page, env=env).returncode == 0
    html = page.read_text()
    assert html.count(f'<span class="cite suspect">arXiv:{ID}</span> — title-mismatch') == 3
    assert html.count('<span class="flag">unsupported</span>') >= 3
    # a reply arriving later is judged by what is known at once, with no look-up
    later = run_cli("send", SEED_002, "-m", "model-e", "--check", env=env)
    assert later.returncode == 0 and "1 suspect citation(s)" in later.stderr, later.stderr
    assert first_claim(env)["model-e"]["supported"] is False
    assert len(arxiv.requests) == 1


def test_claims_online_looks_papers_up_and_a_failure_is_one_warning(chat, arxiv, tmp_path):
    env = env_of(chat, arxiv, tmp_path)
    chat.replies_by_model["model-a"] = lambda prompt: f"Holds (arXiv:{GHOST})." + block(f"arXiv:{GHOST}")
    chat.replies_by_model["model-b"] = lambda prompt: f"Holds, per arXiv:{GHOST}." + block(f"arXiv:{GHOST}")
    assert run_cli("send", SEED_002, "-m", "model-a", "-m", "model-b", env=env).returncode == 0
    other = run_cli("claims", "--online", "--json", "--source", "000_", env=env)
    assert other.returncode == 0 and not arxiv.requests  # only the papers of the claims asked about are looked up
    down = run_cli("claims", "--online", "--json", env={**env, "RETEST_ARXIV_URL": "http://127.0.0.1:9/api/query"})
    assert down.returncode == 0, down.stderr
    warnings = [line for line in down.stderr.splitlines() if "arXiv" in line]
    assert len(warnings) == 1 and "going on with what the archive holds" in warnings[0], down.stderr
    assert "Traceback" not in down.stderr
    assert all(v["supported"] is True for v in json.loads(down.stdout)[0]["verdicts"])  # nothing known yet
    r = run_cli("claims", SEED_002, "--online", "--json", env=env)
    assert r.returncode == 0, r.stderr
    verdicts = json.loads(r.stdout)[0]["verdicts"]
    assert [(v["supported"], v["evidence_check"][0]["verdict"]) for v in verdicts] == [(False, "not-found")] * 2
    assert [ids for _, ids in arxiv.requests] == [[GHOST]]
    again = run_cli("claims", "--online", "--json", env=env)
    assert again.returncode == 0 and len(arxiv.requests) == 1  # cached in the archive
    text = run_cli("claims", "--detail", env=env).stdout
    assert text.count(f"! arXiv:{GHOST}: not-found") == 2 and "unsupported" in text


def test_report_online_shows_a_paper_not_found_in_every_reply(chat, arxiv, tmp_path):
    env = env_of(chat, arxiv, tmp_path)
    for m in ("model-a", "model-b"):
        chat.replies_by_model[m] = lambda prompt: f"Holds (arXiv:{GHOST})." + block(f"arXiv:{GHOST}")
    assert run_cli("send", SEED_002, "-m", "model-a", "-m", "model-b", env=env).returncode == 0
    page = tmp_path / "report.html"
    assert run_cli("report", "-o", page, env=env).returncode == 0
    assert "not-found" not in page.read_text()
    r = run_cli("report", "--online", "-o", page, env=env)
    assert r.returncode == 0, r.stderr
    html = page.read_text()
    assert html.count(f'<span class="cite suspect">arXiv:{GHOST}</span> — not-found') == 2
    assert len(arxiv.requests) == 1


def test_send_check_online_counts_what_the_look_up_found_and_reaches_earlier_replies(chat, arxiv, tmp_path):
    env = env_of(chat, arxiv, tmp_path)
    earlier = run_cli("send", SEED_002, "-m", "model-b", "--check", env=env)
    assert earlier.returncode == 0 and "0 suspect citation(s)" in earlier.stderr, earlier.stderr
    r = run_cli("send", SEED_002, "-m", "model-a", "--check", "--online", env=env)
    assert r.returncode == 0, r.stderr
    assert "1 suspect citation(s)" in r.stderr
    assert [ids for _, ids in arxiv.requests] == [[ID]]
    assert {m: v["supported"] for m, v in first_claim(env).items()} == {"model-a": False, "model-b": False}
    alone = run_cli("send", SEED_002, "-m", "model-c", "--online", env=env)
    assert alone.returncode == 2 and "--online" in alone.stderr and "Traceback" not in alone.stderr


@pytest.fixture
def oa():
    from servers.openalex import work

    server = OpenAlexServer(key=OA_KEY)
    server.add(work(1, "Echo Chamber", "2025-04-10", arxiv="2504.07912", cited_by=300))
    server.add(work(2, "Sparse subnetworks in RL fine-tuning", "2025-05-20", arxiv="2505.11711", cited_by=50,
                    retracted=True))
    server.start()
    yield server
    server.stop()


def test_a_claims_own_retracted_paper_is_shown_from_the_cache_or_looked_up_online(chat, arxiv, oa, tmp_path):
    env = {**env_of(chat, arxiv, tmp_path), "RETEST_OPENALEX_URL": oa.base_url, "OPENALEX_API_KEY": OA_KEY,
           "RETEST_RELATED_INTERVAL": "0"}
    assert run_cli("send", SEED_002, "-m", "model-d", env=env).returncode == 0
    plain = json.loads(run_cli("claims", "--json", env=env).stdout)
    assert all(e["retracted"] == [] for e in plain) and not oa.requests  # no look-up unless asked
    r = run_cli("claims", "--online", "--json", env=env)
    assert r.returncode == 0, r.stderr
    own = {e["index"]: e["retracted"] for e in json.loads(r.stdout) if e["retracted"]}
    assert list(own.values()) == [["2505.11711"]], own
    asked = len(oa.requests)
    assert asked >= 1
    text = run_cli("claims", env=env).stdout  # from the cache now: no new request
    assert "its paper arXiv:2505.11711 is RETRACTED (OpenAlex)" in text and len(oa.requests) == asked
    grid = run_on_tty("claims", env={**env, "COLUMNS": "120", "NO_COLOR": "1"}, stderr_too=False).decode()
    assert grid.count("† ") == 2 and "† its paper is retracted" in grid  # one claim, and the legend
    page = tmp_path / "report.html"
    assert run_cli("report", "-o", page, env=env).returncode == 0
    assert ('arXiv:2505.11711</a> <span class="flag" title="OpenAlex marks this paper retracted">retracted</span>'
            in page.read_text())


def test_a_retraction_cached_by_related_reaches_replies_archived_before_it(chat, arxiv, oa, tmp_path):
    env = {**env_of(chat, arxiv, tmp_path), "RETEST_OPENALEX_URL": oa.base_url, "OPENALEX_API_KEY": OA_KEY,
           "RETEST_RELATED_INTERVAL": "0"}
    chat.replies_by_model["model-a"] = lambda prompt: "Holds (arXiv:2505.11711)." + block("arXiv:2505.11711")
    assert run_cli("send", SEED_002, "-m", "model-a", env=env).returncode == 0
    assert first_claim(env)["model-a"]["supported"] is True and not oa.requests
    assert run_cli("related", SEED_002, env=env).returncode == 0  # caches what OpenAlex says of the claims' papers
    asked = len(oa.requests)
    ledger = json.loads(run_cli("claims", "--json", env=env).stdout)
    verdict = ledger[0]["verdicts"][0]
    assert verdict["supported"] is False and verdict["evidence_check"][0]["verdict"] == "retracted"
    assert [e["retracted"] for e in ledger if e["retracted"]] == [["2505.11711"]]
    assert len(oa.requests) == asked and not arxiv.requests  # read from the cache: no look-up of its own
