"""Commands that build prompts work from files with stdin closed (``<&-``); ``-`` then says so in one line."""

import os
import subprocess
import sys

import pytest
from servers.batch import BatchServer
from conftest import SEED_002, server_env, serving

batch = serving(BatchServer)


def run_closed(*args, env):
    """``retest ARGS <&-``: the real command with file descriptor 0 closed, as a shell leaves it."""
    return subprocess.run([sys.executable, "-m", "retest", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1", **env}, timeout=120, stdin=None,
                          preexec_fn=lambda: os.close(0))


@pytest.mark.parametrize("command", [
    lambda out: ("send", SEED_002, "-m", "m", "--dry-run"),
    lambda out: ("batch", "export", SEED_002, "-o", out),
    lambda out: ("batch", "submit", SEED_002),
])
def test_files_are_read_with_stdin_closed(batch, tmp_path, command):
    env = server_env(batch, tmp_path)
    out = tmp_path / "requests.jsonl"
    r = run_closed(*command(out), env=env)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "stopped unexpectedly" not in r.stderr


@pytest.mark.parametrize("command", [
    lambda out: ("send", "-", "-m", "m", "--dry-run"),
    lambda out: ("send", "-"),
    lambda out: ("batch", "export", "-", "-o", out),
    lambda out: ("batch", "submit", "-"),
])
def test_dash_with_stdin_closed_says_so_in_one_line(batch, tmp_path, command):
    env = server_env(batch, tmp_path)
    r = run_closed(*command(tmp_path / "requests.jsonl"), env=env)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if "error" in line]
    assert errors == ["retest: error: <stdin>: stdin is closed"], r.stderr  # then the usual summary, if any
    assert not batch.batches
