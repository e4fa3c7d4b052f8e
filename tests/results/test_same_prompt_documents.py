"""Documents whose prompts come out the same are sent once, and each keeps its claims (and the shared reply)."""

import json
import re
import shutil
import sqlite3

from servers.chat import ChatServer
from conftest import SEED_002, archive_rows, block, run_cli, server_env

QUESTION = "How do RL training and base models differ in creating MI peaks?"
OTHER = "Where do RL-trained and base models part ways?"
# the claims only: documents with other questions (and paths) make the same prompt
TEMPLATE = ("{#-\ndescription: The claims alone.\nkind: document\n-#}\nRe-test these claims:\n"
            "{% for claim in claims %}\n- {{ claim | claim_line }}\n{% endfor %}\n")


def _reply(prompt: str) -> str:
    n = len(re.findall(r"^- ", prompt, re.M))
    return "These still hold (arXiv:2504.07912).\n\n" + block(*[(i, "holds", ["arXiv:2504.07912"], "replicated")
                                                                 for i in range(1, n + 1)])


def _setup(tmp_path):
    server = ChatServer(reply=_reply)
    server.start()
    template = tmp_path / "claims_only.j2"
    template.write_text(TEMPLATE)
    docs = tmp_path / "docs"
    docs.mkdir()
    a, b, c = docs / "a.txt", docs / "b.txt", docs / "c.txt"
    shutil.copy(SEED_002, a)
    b.write_text(SEED_002.read_text().replace(QUESTION, OTHER))
    shutil.copy(SEED_002, c)
    return server, server_env(server, tmp_path), template, a, b, c


def _ledger(env) -> dict[str, list[dict]]:
    r = run_cli("claims", "--json", env=env)
    assert r.returncode == 0, r.stderr
    out: dict[str, list[dict]] = {}
    for e in json.loads(r.stdout):
        out.setdefault(e["source"], []).append(e)
    return out


def _claims(env, source) -> list[str]:
    r = run_cli("extract", "--json", source, env=env)
    assert r.returncode == 0, r.stderr
    (doc,) = json.loads(r.stdout)
    return [c["text"] for c in doc["claims"]]


def test_two_documents_with_one_prompt_are_sent_once_and_both_keep_their_claims(tmp_path):
    server, env, template, a, b, c = _setup(tmp_path)
    try:
        r = run_cli("send", a, b, "-t", template, env=env)
        assert r.returncode == 0, r.stderr
        assert len(server.completions()) == 1  # nothing paid twice
        texts = _claims(env, a)
        assert len(texts) >= 3 and texts == _claims(env, b)
        ledger = _ledger(env)
        assert sorted(ledger) == [str(a), str(b)]
        (reply_id,) = {v["reply_id"] for entries in ledger.values() for e in entries for v in e["verdicts"]}
        for source in (a, b):
            entries = ledger[str(source)]
            assert [e["text"] for e in entries] == texts
            assert [e["index"] for e in entries] == list(range(1, len(texts) + 1))
            assert all(e["consensus"] == "all hold" and len(e["verdicts"]) == 1 for e in entries)
        assert [e["source"] for e in json.loads(run_cli("claims", "--json", "--source", "b.txt", env=env).stdout)] \
            == [str(b)] * len(texts)

        page = tmp_path / "report.html"
        r = run_cli("report", "-o", page, env=env)
        assert r.returncode == 0, r.stderr
        html = page.read_text()
        headings = re.findall(r'<h\d class="question">([^<]*)</h\d>', html)
        assert sorted(headings) == sorted([QUESTION, OTHER])  # each document, by its own question
        assert html.count("replicated") >= 2 * len(texts)  # the shared reply's verdicts, under each

        r = run_cli("archive", "show", str(reply_id), "--json", env=env)
        assert r.returncode == 0, r.stderr
        shown = json.loads(r.stdout)
        assert shown["documents"] == [{"source": str(a), "claims": list(range(1, len(texts) + 1))},
                                      {"source": str(b), "claims": list(range(1, len(texts) + 1))}]
        listed = json.loads(run_cli("archive", "list", "--json", env=env).stdout)
        assert listed[0]["documents"] == [str(a), str(b)]

        # a third copy later: nothing is sent, and it keeps its claims too
        r = run_cli("send", a, b, c, "-t", template, env=env)
        assert r.returncode == 0, r.stderr
        assert len(server.completions()) == 1
        ledger = _ledger(env)
        assert sorted(ledger) == [str(a), str(b), str(c)]
        assert [e["text"] for e in ledger[str(c)]] == texts
        assert {v["reply_id"] for e in ledger[str(c)] for v in e["verdicts"]} == {reply_id}
        assert archive_rows(env, "SELECT count(*) FROM document_titles") == [(3,)]
    finally:
        server.stop()


def test_copies_named_in_one_run_at_once_are_each_recorded(tmp_path):
    """Sent side by side (``-j 4``), the copy waits for the first one's reply and is recorded all the same."""
    server, env, template, a, b, c = _setup(tmp_path)
    server.latency = 0.3
    try:
        r = run_cli("send", a, b, c, "-t", template, "-j", "4", env=env)
        assert r.returncode == 0, r.stderr
        assert len(server.completions()) == 1
        assert sorted(_ledger(env)) == [str(a), str(b), str(c)]
    finally:
        server.stop()


def test_batch_export_records_every_document_of_a_prompt(tmp_path):
    _, env, template, a, b, c = _setup(tmp_path)
    env = {**env, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}  # nothing is sent
    r = run_cli("batch", "export", a, b, c, "-t", template, "-m", "test-model", "-o", tmp_path / "b.jsonl", env=env)
    assert r.returncode == 0, r.stderr
    assert len((tmp_path / "b.jsonl").read_text().splitlines()) == 1
    assert sorted(s for (s,) in archive_rows(env, "SELECT DISTINCT source FROM prompt_documents")) \
        == [str(a), str(b), str(c)]


def test_a_claim_two_documents_share_in_different_prompts_shows_each_its_own_replies(tmp_path):
    """Not every reply to a shared claim on every page (quadratic in shared claims): a document's own only."""
    server, env, template, a, b, _ = _setup(tmp_path)
    try:
        for doc, how in ((a, template), (b, "retest")):  # two templates: two prompts carrying the same claims
            r = run_cli("send", doc, "-t", how, env=env)
            assert r.returncode == 0, r.stderr
        assert len(server.completions()) == 2
        ledger = _ledger(env)
        assert sorted(ledger) == [str(a), str(b)]
        replies = [{v["reply_id"] for e in ledger[str(s)] for v in e["verdicts"]} for s in (a, b)]
        assert len(replies[0]) == len(replies[1]) == 1 and replies[0] != replies[1]
        assert [e["text"] for e in ledger[str(a)]] == [e["text"] for e in ledger[str(b)]]
        named = json.loads(run_cli("claims", "--json", "--history", a, env=env).stdout)  # by its path: the same
        assert {v["reply_id"] for e in named for v in e["verdicts"]} == replies[0]
        unsent = tmp_path / "unsent.txt"  # a document never sent shows every reply that judged its claims
        shutil.copy(a, unsent)
        named = json.loads(run_cli("claims", "--json", "--history", unsent, env=env).stdout)
        assert {v["reply_id"] for e in named for v in e["verdicts"]} == replies[0] | replies[1]
    finally:
        server.stop()


def test_an_archive_made_before_documents_were_recorded_is_filled_from_it(tmp_path):
    server, env, template, a, b, _ = _setup(tmp_path)
    try:
        assert run_cli("send", a, "-t", template, env=env).returncode == 0
        with sqlite3.connect(env["RETEST_ARCHIVE"]) as db:  # as retest left it before: one path per prompt
            db.execute("DROP TABLE prompt_documents")
            db.execute("ALTER TABLE replies DROP COLUMN cost_priced_at")  # and what the migrations after it add
            db.execute("DROP INDEX verdicts_by_arxiv")
            db.execute("DROP TABLE facts_settled")
            db.execute("PRAGMA user_version = 13")
        before = _claims(env, a)
        ledger = _ledger(env)
        assert sorted(ledger) == [str(a)] and [e["text"] for e in ledger[str(a)]] == before
        assert all(len(e["verdicts"]) == 1 for e in ledger[str(a)])
        assert archive_rows(env, "PRAGMA user_version")[0][0] >= 14
        r = run_cli("send", b, "-t", template, env=env)  # its prompt is archived: nothing is sent
        assert r.returncode == 0, r.stderr
        assert len(server.completions()) == 1
        assert sorted(_ledger(env)) == [str(a), str(b)]
    finally:
        server.stop()


def test_a_reply_added_by_hand_for_a_copy_records_the_copy(tmp_path):
    """``archive add --document`` meets the copy's prompt archived from the first document: the copy keeps its
    claims, and both show the pasted reply."""
    server, env, template, a, b, _ = _setup(tmp_path)
    try:
        assert run_cli("send", a, "-t", template, env=env).returncode == 0
    finally:
        server.stop()
    pasted = tmp_path / "pasted.md"
    pasted.write_text("From a chat app.\n\n" + block((1, "revised", ["arXiv:2504.07912"], "smaller gain")))
    r = run_cli("archive", "add", pasted, "--document", b, "-t", template, "--model", "chat-app", env=env)
    assert r.returncode == 0, r.stderr
    ledger = _ledger(env)
    assert sorted(ledger) == [str(a), str(b)]
    for source in (a, b):
        first = ledger[str(source)][0]
        assert sorted(v["model"] for v in first["verdicts"]) == ["chat-app", "test-model"]

