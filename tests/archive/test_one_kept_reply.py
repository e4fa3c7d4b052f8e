"""One kept reply per reply row is the archive's own rule (a unique index), not only the code's: whatever
writes to it, a second kept attempt for a reply is refused; an archive from before the rule opens as it is."""

import sqlite3

import pytest
from servers.chat import ChatServer
from conftest import SEED_002, run_cli, server_env, serving

server = serving(ChatServer)


def test_the_archive_refuses_a_second_kept_attempt_for_a_reply(server, tmp_path):
    env = server_env(server, tmp_path)
    r = run_cli("send", SEED_002, env=env)
    assert r.returncode == 0, r.stderr
    db = sqlite3.connect(env["RETEST_ARCHIVE"])
    try:
        assert db.execute("SELECT reply_id, outcome, kept FROM attempts").fetchall() == [(1, "ok", 1)]
        with pytest.raises(sqlite3.IntegrityError):
            db.execute("INSERT INTO attempts (reply_id, n, started_at, outcome, kept) VALUES (1, 2, 'x', 'ok', 1)")
        # what any writer gets by inserting or ignoring: nothing
        db.execute("INSERT OR IGNORE INTO attempts (reply_id, n, started_at, outcome, kept)"
                   " VALUES (1, 2, 'x', 'ok', 1)")
        assert db.execute("SELECT count(*) FROM attempts").fetchone() == (1,)
    finally:
        db.close()


def test_an_archive_from_before_the_rule_with_a_reply_kept_twice_still_opens(tmp_path):
    from retest.archive.schema import APPLICATION_ID, MIGRATIONS, statements

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:9], start=1):  # the schema before the rule
        for statement in statements(script):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {number}")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("INSERT INTO prompts (sha256, text, created_at) VALUES ('x', 'a prompt', '2026-01-01')")
    db.execute("INSERT INTO replies (prompt_id, model, endpoint, params, params_sha256, status, attempts, reply,"
               " created_at) VALUES (1, 'm', 'e', '{}', 'p', 'ok', 2, 'the reply', '2026-01-01')")
    for n in (1, 2):  # stored twice by two collectors, as older versions could
        db.execute("INSERT INTO attempts (reply_id, n, started_at, outcome) VALUES (1, ?, '2026-01-01', 'ok')", (n,))
    db.commit()
    db.close()
    from retest.archive import Archive

    with Archive(str(path)) as archive:  # upgraded in place
        assert archive.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    r = run_cli("archive", "list", "--json", env={"RETEST_ARCHIVE": str(path)})
    assert r.returncode == 0, r.stderr
    assert "the reply" in r.stdout
