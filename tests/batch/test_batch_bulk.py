"""``batch submit``/``export`` store their rows in bulk, and never hold the archive's write lock while building."""

import os
import sqlite3
import subprocess
import sys
import time

from servers.chat import ChatServer
from conftest import KEY, SEED_000, SEED_002, make_docs, run_cli

SLOW = """{# description: slow on purpose
kind: document #}
{% for i in range(90000) %}{% for j in range(400) %}{% endfor %}{% endfor %}
Re-test: {{ title }}
"""


def _schema_ready(path) -> bool:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1)
        try:
            return db.execute("PRAGMA user_version").fetchone()[0] > 0
        finally:
            db.close()
    except sqlite3.Error:
        return False


def test_a_send_commits_its_reply_while_a_batch_export_is_building(tmp_path):
    template = tmp_path / "slow.j2"
    template.write_text(SLOW)
    archive = tmp_path / "a.db"
    docs = make_docs(tmp_path / "docs", 6)
    env = {**os.environ, "RETEST_ARCHIVE": str(archive), "RETEST_MODEL": "test-model", "NO_COLOR": "1"}
    export = subprocess.Popen([sys.executable, "-m", "retest", "batch", "export", *map(str, docs), "-t",
                               str(template), "-o", str(tmp_path / "requests.jsonl")],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    server = ChatServer()
    server.start()
    try:
        deadline = time.monotonic() + 60
        while not _schema_ready(archive):
            assert export.poll() is None and time.monotonic() < deadline, export.communicate()
            time.sleep(0.05)
        # while the prompts are being built, the write lock is free: taken at once, within 1 s
        probes = 0
        while probes < 3 and export.poll() is None:
            db = sqlite3.connect(archive, timeout=1.0, isolation_level=None)
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute("ROLLBACK")
            finally:
                db.close()
            probes += 1
            time.sleep(0.2)
        sent = run_cli("send", SEED_002, env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url,
                                              "RETEST_ARCHIVE": str(archive), "RETEST_MODEL": "test-model"})
        still_building = export.poll() is None
    finally:
        server.stop()
        out, err = export.communicate(timeout=300)
    assert probes == 3
    assert sent.returncode == 0, sent.stderr
    assert still_building, "the export ended before the send: make the template slower"
    assert export.returncode == 0, err
    db = sqlite3.connect(archive)
    assert db.execute("SELECT count(*) FROM replies WHERE status = 'ok'").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM batch_requests").fetchone()[0] == 6
    db.close()


def _rows(path) -> dict:
    db = sqlite3.connect(path)
    try:
        return {
            "claims": sorted(db.execute("SELECT key, text, date, arxiv_ids, note_title, source FROM claims")),
            "prompt_claims": sorted(db.execute(
                "SELECT p.sha256, pc.idx, c.key, pc.source FROM prompt_claims pc JOIN prompts p ON p.id = pc.prompt_id"
                " JOIN claims c ON c.id = pc.claim_id")),
            "prompts": sorted(db.execute("SELECT sha256, text, template, template_sha256, source, source_sha256"
                                         " FROM prompts")),
        }
    finally:
        db.close()


def test_rows_stored_in_bulk_are_the_rows_send_stores(tmp_path):
    docs = [SEED_000, SEED_002, *make_docs(tmp_path / "docs", 3)]
    exported = tmp_path / "exported.db"
    r = run_cli("batch", "export", *docs, SEED_000, "-m", "test-model", "-o", tmp_path / "requests.jsonl",
                env={"RETEST_ARCHIVE": str(exported)})
    assert r.returncode == 0, r.stderr
    server = ChatServer()
    server.start()
    sent = tmp_path / "sent.db"
    try:
        r = run_cli("send", *docs, "-m", "test-model", env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url,
                                                            "RETEST_ARCHIVE": str(sent)})
    finally:
        server.stop()
    assert r.returncode == 0, r.stderr
    assert _rows(exported) == _rows(sent)
    assert len(_rows(exported)["prompt_claims"]) > 20
    db = sqlite3.connect(exported)
    (requests, counted), = db.execute("SELECT (SELECT count(*) FROM batch_requests), sum(requests) FROM batches")
    db.close()
    assert requests == counted == 5  # the seed named twice is one request


def test_two_builders_give_the_prompts_one_builder_gives_in_the_same_order(tmp_path):
    from retest.build.prompter import BuiltElsewhere, InputFailure, Recipe, build_all

    docs = tmp_path / "docs"
    make_docs(docs, 37)  # more than a builder hands over at once
    (docs / "doc03b.txt").write_text("")  # an empty file: a failure in its place
    (docs / "doc05b.txt").write_bytes(b"\x00\x01 binary")
    recipe = Recipe((str(docs), str(SEED_002)), "retest", {}, None, "test-model", None)

    def shape(items):
        return [("failure", i.label) if isinstance(i, InputFailure) else (i.source, i.sha256) for i in items]

    one = shape(build_all(recipe))
    assert len(one) == 40 and sum(kind == "failure" for kind, _ in one) == 2
    for builders in (2, 3):
        assert shape(BuiltElsewhere(recipe, builders)) == one
