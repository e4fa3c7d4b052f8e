"""``retest archive add``: a reply pasted from a chat app enters the archive, the ledger and the report."""

import json
import sqlite3

import pytest
from servers.chat import ChatServer
from conftest import FIXTURES, KEY, SEED_000, SEED_002, run_cli

CHATGPT = """## Does the claim still hold?

Mostly yes. The main result was re-measured in 2025 [1], and a later benchmark revised the figure [2].

| Claim | Status |
|---|---|
| 1 | holds |

See also [the survey](https://example.org/survey "A survey").

```json
{"retest_verdicts": [{"claim": 1, "status": "holds", "evidence": ["arXiv:2504.07912"], "note": "re-measured"}]}
```

[1]: https://arxiv.org/abs/2504.07912 "Re-measured"
[2]: https://example.com/benchmark
"""

CLAUDE = """# Answer

The claim was revised.[^1]

```json
{"retest_verdicts": [{"claim": 1, "status": "revised", "evidence": [], "note": "see footnote"}]}
```

Sources:
[1] Benchmark report — https://bench.example.net/report
"""


@pytest.fixture
def env(tmp_path):
    return {"RETEST_ARCHIVE": str(tmp_path / "archive.db")}


def rows(env, sql, *args):
    db = sqlite3.connect(f"file:{env['RETEST_ARCHIVE']}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def test_a_pasted_reply_enters_the_ledger_the_report_and_show(env, tmp_path):
    reply = tmp_path / "chatgpt.md"
    reply.write_text(CHATGPT)
    r = run_cli("archive", "add", reply, "--document", SEED_002, "--model", "chatgpt-deep-research", env=env)
    assert r.returncode == 0, r.stderr
    assert "pasted" in r.stderr and "1 of" in r.stderr
    # the prompt it was recorded against is the one `build` gives
    built = run_cli("build", SEED_002, env=env).stdout
    (prompt,) = rows(env, "SELECT p.text FROM prompts p")
    assert prompt[0].rstrip("\n") == built.rstrip("\n")
    (rec,) = rows(env, "SELECT model, endpoint_name, status, cost_usd, total_tokens, reply FROM replies")
    assert rec[:5] == ("chatgpt-deep-research", "pasted", "ok", None, None) and rec[5] == CHATGPT
    urls = [u for (u,) in rows(env, "SELECT url FROM sources ORDER BY idx")]
    assert set(urls) == {"https://arxiv.org/abs/2504.07912", "https://example.com/benchmark",
                         "https://example.org/survey"}
    claims = json.loads(run_cli("claims", "--json", env=env).stdout)
    verdicts = [v for e in claims for v in e["verdicts"]]
    assert [(v["model"], v["status"], v["pasted"]) for v in verdicts if v["status"]] == [
        ("chatgpt-deep-research", "holds", True)]
    assert "(pasted)" in run_cli("claims", env=env).stdout
    stats = json.loads(run_cli("archive", "stats", "--json", env=env).stdout)  # no cost, and none unknown
    assert [(g["model"], g["ok"], g["unpriced"], g["cost_usd"], g["total_tokens"]) for g in stats["groups"]] == [
        ("chatgpt-deep-research", 1, 0, None, 0)]
    shown = run_cli("archive", "show", "1", env=env).stdout
    assert "pasted" in shown and "no usage, no cost" in shown
    out = tmp_path / "report.html"
    rep = run_cli("report", "-o", out, env=env)
    assert rep.returncode == 0, rep.stderr
    assert "chatgpt-deep-research" in out.read_text() and "(pasted)" in out.read_text()

    # the same text again adds nothing
    again = run_cli("archive", "add", reply, "--document", SEED_002, "--model", "chatgpt-deep-research", env=env)
    assert again.returncode == 0 and "added before" in again.stderr
    assert rows(env, "SELECT count(*) FROM replies")[0][0] == 1


def test_from_stdin_against_an_archived_prompt_with_footnotes(env, tmp_path):
    first = tmp_path / "a.md"
    first.write_text(CHATGPT)
    assert run_cli("archive", "add", first, "--document", SEED_002, "--model", "gpt-app", env=env).returncode == 0
    (sha,) = rows(env, "SELECT sha256 FROM prompts")[0]
    r = run_cli("archive", "add", "-", "--prompt", sha[:12], "--model", "claude-app", input=CLAUDE, env=env)
    assert r.returncode == 0, r.stderr
    got = rows(env, "SELECT r.model, s.url, s.title, s.cited FROM replies r JOIN sources s ON s.reply_id = r.id"
                    " WHERE r.model = 'claude-app'")
    assert got == [("claude-app", "https://bench.example.net/report", "Benchmark report", 1)]
    claims = json.loads(run_cli("claims", "--json", env=env).stdout)
    statuses = {v["model"]: v["status"] for e in claims for v in e["verdicts"] if v["status"]}
    assert statuses == {"gpt-app": "holds", "claude-app": "revised"}
    by_id = run_cli("archive", "add", "-", "--prompt", "1", "--model", "claude-app", input=CLAUDE, env=env)
    assert by_id.returncode == 0 and "added before" in by_id.stderr


def test_a_pasted_reply_beside_a_sent_one_is_its_own_voice(env, tmp_path):
    server = ChatServer()
    server.start()
    try:
        env = {**env, "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}
        assert run_cli("send", SEED_002, "-m", "test-model", env=env).returncode == 0
        assert run_cli("archive", "add", "-", "--document", SEED_002, "--model", "test-model", input=CHATGPT,
                       env=env).returncode == 0
    finally:
        server.stop()
    claims = json.loads(run_cli("claims", "--json", env=env).stdout)
    assert {(v["model"], v["endpoint"]) for e in claims for v in e["verdicts"]} == {
        ("test-model", None), ("test-model", "pasted")}
    assert "test-model@pasted" in run_cli("claims", env=env).stdout


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x00\x01\x02binary", "binary"),
    (b"\xff\xfe\xfa not utf-8", "UTF-8"),
    (b"x" * (10 * 1024 * 1024 + 1), "too large"),
])
def test_a_reply_that_is_no_text_is_one_line_and_nothing_is_stored(env, tmp_path, content, words):
    bad = tmp_path / "reply.md"
    bad.write_bytes(content)
    r = run_cli("archive", "add", bad, "--document", SEED_002, "--model", "m", env=env)
    assert r.returncode == 2 and words in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr and str(bad) in r.stderr
    assert not (tmp_path / "archive.db").exists()


def test_a_document_that_is_not_an_inquiring_line_stores_nothing(env, tmp_path):
    r = run_cli("archive", "add", "-", "--document", FIXTURES / "not_a_line.txt", "--model", "m", input=CHATGPT,
                env=env)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "not_a_line.txt" in r.stderr
    assert not (tmp_path / "archive.db").exists()
    missing = run_cli("archive", "add", "-", "--prompt", "deadbeef00", "--model", "m", input=CHATGPT, env=env)
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    both = run_cli("archive", "add", "-", "--model", "m", input=CHATGPT, env=env)
    assert both.returncode == 2 and "--document" in both.stderr
