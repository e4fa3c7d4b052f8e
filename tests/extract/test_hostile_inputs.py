"""Files that are not what they seem: each gets one line naming it, and the rest go on."""

import os
import subprocess
import sys
import time

from conftest import SEED_002, run_cli


def test_a_fifo_named_txt_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "doc.txt").write_text(SEED_002.read_text())
    t = time.monotonic()
    r = run_cli("extract", "--jsonl", tmp_path, timeout=30)
    assert time.monotonic() - t < 20
    assert r.returncode == 1 and r.stdout.count("\n") == 1
    assert "pipe.txt: not a regular file" in r.stderr


def test_utf16_is_read(tmp_path):
    for name, encoding in (("le.txt", "utf-16"), ("be.txt", "utf-16-be"), ("le-nobom.txt", "utf-16-le")):
        (tmp_path / name).write_bytes(SEED_002.read_text().encode(encoding))
    r = run_cli("extract", "--jsonl", tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count('"How do RL training and base models differ in creating MI peaks?"') == 3


def test_a_symlink_loop_and_a_missing_file_say_what_they_are(tmp_path):
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    r = run_cli("extract", tmp_path / "a.txt", tmp_path / "gone.txt", SEED_002)
    assert r.returncode == 1
    assert "a.txt: a loop of symbolic links" in r.stderr and "gone.txt: no such file or directory" in r.stderr


def test_undecodable_file_names(tmp_path):
    name = os.path.join(os.fsencode(tmp_path), b"caf\xe9-\xff.txt")
    with open(name, "wb") as fh:
        fh.write(SEED_002.read_bytes())
    for args in (["extract", "--jsonl", tmp_path], ["build", tmp_path, "--format", "json"],
                 ["send", tmp_path, "-m", "m", "--dry-run"]):
        r = run_cli(*args, env={"RETEST_ARCHIVE": str(tmp_path / "a.db")})
        assert r.returncode == 0, (args, r.stderr)
        assert "internal error" not in r.stderr and "Traceback" not in r.stderr
    assert "caf\ufffd-\ufffd.txt" in run_cli("extract", "--jsonl", tmp_path).stdout


def test_an_unreadable_folder_is_named_and_the_rest_read(tmp_path, monkeypatch):
    from retest.extract import inputs

    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "doc.txt").write_text(SEED_002.read_text())
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "doc.txt").write_text(SEED_002.read_text())
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("secret"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = list(inputs.iter_inputs([str(tmp_path)]))
    errors = [str(i) for i in items if isinstance(i, Exception)]
    assert len(items) == 2 and errors == [f"{tmp_path / 'secret'}: cannot list this folder (permission denied)"]


def test_closed_stdin(tmp_path):
    r = subprocess.run([sys.executable, "-m", "retest", "extract", "-"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, preexec_fn=lambda: os.close(0))
    assert r.returncode == 2 and "<stdin>" in r.stderr and "Traceback" not in r.stderr


def test_the_same_file_named_twice_is_read_once(tmp_path):
    r = run_cli("extract", "--jsonl", SEED_002, SEED_002, f"{SEED_002.parent}/./{SEED_002.name}")
    assert r.returncode == 0 and r.stdout.count("\n") == 1
