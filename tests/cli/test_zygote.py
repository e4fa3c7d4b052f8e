"""The tests' forked ``retest`` (``cli_zygote``) gives what a freshly started interpreter gives."""

import os
import subprocess
import sys

import pytest
from conftest import SEED_000, _the_zygote

CASES = [
    (["--help"], None),
    (["extract", str(SEED_000)], None),
    (["extract", "--jsonl", "-"], "# A question?\n\nNot an inquiring line at all.\n"),
    (["build", "-", "--format", "json"], SEED_000.read_text()),
    (["send", "--no-such-flag"], None),
    (["templates"], None),
    (["archive", "list"], None),
]


@pytest.mark.parametrize("argv,given", CASES, ids=[" ".join(a[:2]) for a, _ in CASES])
def test_a_forked_run_is_a_fresh_run(tmp_path, argv, given):
    zygote = _the_zygote()
    if zygote is None:
        pytest.skip("RETEST_TEST_ZYGOTE=0: every run starts its own interpreter")
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "91", "RETEST_ARCHIVE": str(tmp_path / "a.db"),
           "RETEST_TODAY": "2026-11-30"}
    fresh = subprocess.run([sys.executable, "-m", "retest", *argv], input=given, capture_output=True, text=True,
                           env=env, cwd=tmp_path, timeout=60)
    forked = zygote.run(argv, env=env, cwd=tmp_path, input=given, timeout=60)
    assert (forked.returncode, forked.stdout, forked.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)


def test_a_forked_run_that_outlives_its_timeout_is_killed(tmp_path):
    zygote = _the_zygote()
    if zygote is None:
        pytest.skip("RETEST_TEST_ZYGOTE=0: every run starts its own interpreter")
    import socket

    with socket.socket() as listener:  # a server that accepts and never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        env = {**os.environ, "OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": f"http://127.0.0.1:{listener.getsockname()[1]}/v1",
               "RETEST_MODEL": "m", "RETEST_ARCHIVE": str(tmp_path / "a.db")}
        with pytest.raises(subprocess.TimeoutExpired):
            zygote.run(["send", "--prompt", "-", "--timeout", "60"], env=env, cwd=tmp_path, input="Hi\n", timeout=2)


def test_other_interpreter_settings_start_a_real_interpreter():
    zygote = _the_zygote()
    if zygote is None:
        pytest.skip("RETEST_TEST_ZYGOTE=0: every run starts its own interpreter")
    assert zygote.usable(dict(os.environ))
    assert not zygote.usable({**os.environ, "PYTHONIOENCODING": "latin-1"})
    assert not zygote.usable({**os.environ, "LC_ALL": "C" if os.environ.get("LC_ALL") != "C" else "C.UTF-8"})


def test_a_zygote_that_is_gone_begins_nothing_and_says_so(tmp_path):
    from cli_zygote import Unavailable, Zygote

    zygote = Zygote()
    zygote.stop()
    with pytest.raises(Unavailable):
        zygote.run(["--help"], env=dict(os.environ), cwd=tmp_path)
