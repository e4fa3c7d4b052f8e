"""The archive as a library: migrations and the claim protocol that prevents double sending."""

import os
import sqlite3
import subprocess
import sys

from retest.archive import Archive
from retest.archive.schema import APPLICATION_ID, MIGRATIONS, statements


def _job(a, text="p"):
    import hashlib

    pid = a.add_prompt(text, hashlib.sha256(text.encode()).hexdigest())
    return pid, dict(model="m", endpoint="h", params={"t": 1}, params_sha256="k")


def test_version_1_archive_is_migrated_forward(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    for statement in statements(MIGRATIONS[0]):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("INSERT INTO prompts (sha256, text, created_at) VALUES ('x', 'kept', 'now')")
    db.close()
    with Archive(path) as a:
        assert a.schema_version == len(MIGRATIONS) >= 2
        assert a.db.execute("SELECT text FROM prompts").fetchall()[0][0] == "kept"
        assert a.verdicts(1) == []


def test_read_only_open_does_not_create(tmp_path):
    import pytest

    from retest.archive import ArchiveError

    with pytest.raises(ArchiveError, match="no replies yet"):
        Archive(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()


def test_claim_protocol(tmp_path):
    path = tmp_path / "a.db"
    first, second = Archive(path), Archive(path)
    pid, job = _job(first)
    reply_id, state = first.claim(pid, **job)
    assert state == "claimed"
    assert second.claim(pid, **job) == (None, "busy")  # alive elsewhere: not sent twice
    first.complete(reply_id, reply="r", finish_reason="stop", usage={"total_tokens": 3}, latency_ms=5)
    assert second.claim(pid, **job) == (None, "done")
    forced, state = second.claim(pid, **job, force=True)
    assert state == "claimed" and forced != reply_id
    first.close()
    second.close()


def test_claim_of_a_dead_process_is_taken_over(tmp_path):
    path = tmp_path / "a.db"
    code = (
        "import sys, hashlib; sys.path[:0] = sys.argv[2:3]; from retest.archive import Archive; "
        "a = Archive(sys.argv[1]); pid = a.add_prompt('p', hashlib.sha256(b'p').hexdigest()); "
        "print(a.claim(pid, model='m', endpoint='h', params={'t': 1}, params_sha256='k')[0])"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path), os.path.dirname(os.path.dirname(os.path.dirname(__file__))) + "/src"],
                         capture_output=True, text=True, check=True)
    dead_claim = int(out.stdout)
    with Archive(path) as a:
        pid, job = _job(a)
        assert a.claim(pid, **job) == (dead_claim, "claimed")  # same row: no duplicate
        assert a.db.execute("SELECT count(*) FROM replies").fetchone()[0] == 1


def test_released_claim_is_free(tmp_path):
    with Archive(tmp_path / "a.db") as a, Archive(tmp_path / "a.db") as b:
        pid, job = _job(a)
        rid, _ = a.claim(pid, **job)
        a.release(rid)
        assert b.claim(pid, **job) == (rid, "claimed")


def test_only_complete_replies_are_searchable(tmp_path):
    with Archive(tmp_path / "a.db") as a:
        pid, job = _job(a, "a prompt about plasticity")
        rid, _ = a.claim(pid, **job)
        a.attempt(rid, 1, started_at="t", latency_ms=1, outcome="retry", error="the stream broke")
        assert a.search("broke") == []
        a.complete(rid, reply="entropy collapses", finish_reason="stop", usage=None, latency_ms=1)
        assert [r["id"] for r in a.search("entropy")] == [rid]
        assert [r["id"] for r in a.search("plasticity")] == [rid]
        assert a.get(rid)["attempts"] == 1
