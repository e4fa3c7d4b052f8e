"""Verdicts and citations are read when a reply is stored (send, batch collect, batch import), and replies an
older retest archived are read once, when the archive is next read."""

import json
import sqlite3

import ledger_archive
import pytest
from servers.batch import BatchServer
from servers.chat import ChatServer
from conftest import KEY, SEED_000, make_docs, run_cli

from retest.archive.schema import APPLICATION_ID, MIGRATIONS, statements


def block(*verdicts) -> str:
    items = [{"claim": c, "status": s, "evidence": e, "note": n} for c, s, e, n in verdicts]
    return "```json\n" + json.dumps({"retest_verdicts": items}) + "\n```"


def answer(prompt: str) -> str:
    return ("It still holds (arXiv:2504.07912, 2025-04); a newer paper, arXiv:2507.01234, agrees.\n"
            + block((1, "holds", ["arXiv:2504.07912"], "replicated"), (2, "overturned", ["arXiv:2912.00001"], "gone")))


def rows(path, sql, *args):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def assert_read_at_arrival(path, replies: int) -> None:
    """Every reply has its verdicts and citation checks in the tables, and is marked read."""
    assert rows(path, "SELECT count(*) FROM replies WHERE status = 'ok'")[0][0] == replies
    assert rows(path, "SELECT count(*) FROM replies WHERE status = 'ok' AND verdicts_at IS NULL")[0][0] == 0
    given = rows(path, "SELECT idx, status, supported, note FROM claim_verdicts ORDER BY reply_id, idx")
    assert given == [(1, "holds", 1, "replicated"), (2, "overturned", 0, "gone")] * replies
    cited = rows(path, "SELECT arxiv_id, verdict FROM verdicts ORDER BY reply_id, rowid")
    assert cited == [("2504.07912", "new"), ("2507.01234", "new"), ("2912.00001", "impossible")] * replies
    assert rows(path, "SELECT count(*) FROM reply_pages")[0][0] == replies  # and the report's page made


def test_the_report_reads_the_page_made_at_arrival_and_remakes_a_stale_one(tmp_path):
    import zlib

    server = ChatServer(reply=answer)
    server.start()
    archive = tmp_path / "a.db"
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(archive),
           "RETEST_MODEL": "test-model"}
    try:
        assert run_cli("send", SEED_000, env=env).returncode == 0
    finally:
        server.stop()
    (html,), = rows(archive, "SELECT html FROM reply_pages")
    made = zlib.decompress(html).decode()
    assert 'href="https://arxiv.org/abs/2504.07912"' in made and "retest_verdicts" not in made
    db = sqlite3.connect(archive)
    with db:  # the stored page is what the report shows
        db.execute("UPDATE reply_pages SET html = ?", (zlib.compress(b"<p>the page as stored</p>"),))
    page = tmp_path / "report.html"
    assert run_cli("report", "-o", page, env=env).returncode == 0
    assert "the page as stored" in page.read_text()
    with db:  # what it showed has changed: the report makes it again
        db.execute("UPDATE verdicts SET verdict = 'known' WHERE arxiv_id = '2507.01234'")
    db.close()
    assert run_cli("report", "-o", page, env=env).returncode == 0
    shown = page.read_text()
    assert "the page as stored" not in shown and 'class="cite known" href="https://arxiv.org/abs/2507.01234"' in shown


def test_send_reads_verdicts_as_replies_arrive(tmp_path):
    server = ChatServer(reply=answer, models=("model-a", "model-b"))
    server.start()
    archive = tmp_path / "a.db"
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(archive)}
    try:
        r = run_cli("send", *make_docs(tmp_path / "docs", 3), "-m", "model-a", "-m", "model-b", env=env)
    finally:
        server.stop()
    assert r.returncode == 0, r.stderr
    assert_read_at_arrival(archive, 6)  # without `claims`, `check` or --check
    ledger = json.loads(run_cli("claims", "--json", env=env).stdout)
    documents = {e["source"] for e in ledger}
    assert len(documents) == 3  # the same claims in three documents: listed under each, with its own replies
    for doc in documents:
        by_index = {i: [(v["model"], v["status"], v["supported"]) for e in ledger
                        if e["index"] == i and e["source"] == doc for v in e["verdicts"]] for i in (1, 2)}
        assert by_index[1] == [("model-a", "holds", True), ("model-b", "holds", True)]  # each model's latest
        assert by_index[2] == [("model-a", "overturned", False), ("model-b", "overturned", False)]


def test_batch_collect_and_import_read_verdicts_as_replies_are_stored(tmp_path):
    server = BatchServer(durations=(0.05, 0.05, 0.05))
    server.reply = answer
    server.start()
    archive = tmp_path / "b.db"
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_MODEL": "test-model",
           "RETEST_ARCHIVE": str(archive)}
    try:
        docs = make_docs(tmp_path / "docs", 2)
        assert run_cli("batch", "submit", *docs, env=env).returncode == 0
        r = run_cli("batch", "collect", "--wait", "--poll", "0.05", env=env)
    finally:
        server.stop()
    assert r.returncode == 0, r.stderr
    assert_read_at_arrival(archive, 2)
    # the same through a file for a self-hosted executor
    requests = tmp_path / "requests.jsonl"
    r = run_cli("batch", "export", *make_docs(tmp_path / "more", 2, prefix="other"), "-o", requests, env=env)
    assert r.returncode == 0, r.stderr
    results = tmp_path / "results.jsonl"
    with open(results, "w") as out:
        for line in requests.read_text().splitlines():
            req = json.loads(line)
            body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": answer("")},
                                 "finish_reason": "stop"}], "usage": {"prompt_tokens": 9, "completion_tokens": 9}}
            out.write(json.dumps({"custom_id": req["custom_id"], "response": {"status_code": 200, "body": body}})
                      + "\n")
    r = run_cli("batch", "import", results, env=env)
    assert r.returncode == 0, r.stderr
    assert_read_at_arrival(archive, 4)


def test_a_reply_whose_block_cannot_be_read_is_kept_with_a_note(tmp_path):
    nested = '```json\n{"retest_verdicts": ' + "[" * 20_000 + "]" * 20_000 + "}\n```"
    server = ChatServer(reply=lambda p: "Prose first.\n" + nested)
    server.start()
    archive = tmp_path / "c.db"
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(archive),
           "RETEST_MODEL": "test-model"}
    try:
        r = run_cli("send", SEED_000, env=env)
    finally:
        server.stop()
    assert r.returncode == 0, r.stderr
    (reply, note, at), = rows(archive, "SELECT reply, verdicts_note, verdicts_at FROM replies")
    assert reply.startswith("Prose first.") and note and at
    assert run_cli("claims", "--json", env=env).returncode == 0


def old_archive(path, docs: int) -> None:
    """An archive as the retest before reading at arrival left it: the schema without that migration, replies
    whose verdicts nobody read, and one reply read earlier (with an online lookup that must survive)."""
    current = path.with_name("current.db")
    ledger_archive.make(current, docs, ("model-a", "model-b"), seed=3, read=True)
    mine = next(i for i, m in enumerate(MIGRATIONS) if "verdicts_at TEXT" in m)
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:mine]:
        for statement in statements(script):
            db.execute(statement)
    db.execute(f"PRAGMA user_version = {mine}")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("ATTACH ? AS cur", (str(current),))
    for table in ("prompts", "claims", "prompt_claims", "replies", "attempts"):
        columns = [r[1] for r in db.execute(f"PRAGMA main.table_info({table})")]
        names = ", ".join(columns)
        db.execute(f"INSERT INTO main.{table} ({names}) SELECT {names} FROM cur.{table}")
    first = db.execute("SELECT min(id) FROM replies WHERE status = 'ok'").fetchone()[0]
    db.execute("INSERT INTO verdicts (reply_id, arxiv_id, written, verdict, relation, online, checked_at)"
               " VALUES (?, '2504.07912', 'arXiv:2504.07912', 'known', 'known', 'found', '2026-01-01')", (first,))
    db.execute("UPDATE replies SET verdicts_note = 'read by hand' WHERE id = ?", (first,))
    db.commit()
    db.close()


def test_an_older_archive_has_its_replies_read_once(tmp_path):
    path = tmp_path / "old.db"
    old_archive(path, 40)
    unread = rows(path, "SELECT count(*) FROM replies WHERE status = 'ok'")[0][0] - 1
    assert unread > 50
    env = {"RETEST_ARCHIVE": str(path)}
    r = run_cli("claims", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert rows(path, "SELECT count(*) FROM replies WHERE status = 'ok' AND verdicts_at IS NULL")[0][0] == 0
    assert rows(path, "SELECT count(*) FROM reply_pages")[0][0] == unread  # their report pages made too
    first = rows(path, "SELECT min(id) FROM replies WHERE status = 'ok'")[0][0]
    assert rows(path, "SELECT online FROM verdicts WHERE reply_id = ?", first) == [("found",)]  # not read again
    # what was read from each reply's text is what the generator wrote into it
    expected = tmp_path / "expected.db"
    ledger_archive.make(expected, 40, ("model-a", "model-b"), seed=3, read=False)
    query = "SELECT reply_id, idx, status, evidence, note FROM claim_verdicts WHERE reply_id != ? ORDER BY 1, 2"
    assert rows(path, query, first) == rows(expected, query, first)
    stamps = rows(path, "SELECT id, verdicts_at FROM replies ORDER BY id")
    again = run_cli("claims", "--json", env=env)
    assert json.loads(again.stdout) == json.loads(r.stdout)
    assert rows(path, "SELECT id, verdicts_at FROM replies ORDER BY id") == stamps  # once: nothing read again


@pytest.mark.parametrize("command", [("report", "-o", "-"), ("archive", "show", "2", "--json")])
def test_report_and_show_read_an_older_archive_too(tmp_path, command):
    path = tmp_path / "old.db"
    old_archive(path, 3)
    r = run_cli(*command, env={"RETEST_ARCHIVE": str(path)})
    assert r.returncode == 0, r.stderr
    assert rows(path, "SELECT verdicts_at IS NOT NULL FROM replies WHERE id = 2") == [(1,)]


def test_reading_an_older_archive_shows_a_progress_bar_on_a_terminal(tmp_path):
    from conftest import run_on_tty

    path = tmp_path / "old.db"
    old_archive(path, 30)
    shown = run_on_tty("claims", env={"RETEST_ARCHIVE": str(path), "COLUMNS": "100"}, timeout=300)
    assert b"reading the verdicts of replies archived earlier (once)" in shown
    again = run_on_tty("claims", env={"RETEST_ARCHIVE": str(path), "COLUMNS": "100"}, timeout=300)
    assert b"reading the verdicts" not in again  # once
