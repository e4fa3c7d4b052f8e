"""The first hour: help, errors, tables at 80 and 200 columns, piped, with NO_COLOR."""

import os
import subprocess
import sys

import pytest
from servers.chat import ChatServer
from conftest import KEY, SEED_002, SEEDS, make_docs, run_cli, run_on_tty


def _widths(text: str) -> list[int]:
    return [len(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """An archive with a few replies, sent under two templates."""
    tmp = tmp_path_factory.mktemp("filled")
    server = ChatServer()
    server.reply = lambda p: ("## Re-test\n\nThe ~91% routing figure holds (arXiv:2504.07912, Apr 2025); newer "
                              "work arXiv:2609.01234 (Sept 2026) revises the sparsity range to 3–20% in larger models "
                              "and arXiv:2513.01234 is cited too.")
    server.start()
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_MODEL": "test-model",
           "RETEST_ARCHIVE": str(tmp / "a.db")}
    docs = make_docs(tmp / "a-very-long-folder-name-for-documents" / "and-another-level", 3)
    assert run_cli("send", *docs, SEED_002, env=env).returncode == 0
    assert run_cli("send", SEED_002, "-t", "contradictions", env=env).returncode == 0
    yield env, tmp
    server.stop()


def test_retest_alone_prints_help_to_stdout():
    r = run_cli()
    assert r.returncode == 0 and r.stderr == ""
    assert "Usage: retest" in r.stdout and "Commands:" in r.stdout and "--dry-run" in r.stdout
    assert not any(line.rstrip().endswith("...") for line in r.stdout.splitlines() if "Usage" not in line)


@pytest.mark.parametrize("command", ["extract", "build", "templates", "send", "archive", "archive list",
                                     "archive show", "archive search", "archive export", "check"])
def test_every_help_fits_80_columns_and_describes_every_option(command):
    r = run_cli(*command.split(), "--help", env={"COLUMNS": "80"})
    assert r.returncode == 0
    assert max(_widths(r.stdout)) <= 80
    assert "INTEGER" not in r.stdout and "FLOAT" not in r.stdout and "x>=" not in r.stdout
    assert not any(line.rstrip().endswith("...") for line in r.stdout.splitlines() if "Usage" not in line)
    # every option line has a description after it
    options = r.stdout.split("Options:", 1)[-1].split("Commands:", 1)[0]
    for line in options.splitlines():
        stripped = line.strip()
        if stripped.startswith("-") and "  " not in stripped and not stripped.endswith(("]", ".")):
            pytest.fail(f"{command}: an option without a description: {line!r}")


def test_version_and_python_m():
    assert run_cli("--version").stdout.startswith("retest ")
    r = subprocess.run([sys.executable, "-m", "retest", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "Usage: retest" in r.stdout


def test_shell_completion_script():
    r = subprocess.run([sys.executable, "-m", "retest"], env={**os.environ, "_RETEST_COMPLETE": "bash_source"},
                       capture_output=True, text=True)
    assert r.returncode == 0 and "_retest_completion" in r.stdout


def test_errors_look_alike():
    for args in (["nosuch"], ["extract"], ["build", SEED_002, "--max-tokens", "x"], ["send", "--prompt"]):
        r = run_cli(*args)
        assert r.returncode == 2
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("retest: error: ") and "Usage:" not in r.stderr, r.stderr


@pytest.mark.parametrize("columns", ["80", "200"])
def test_archive_tables_fit_the_terminal(filled, columns):
    env, tmp = filled
    for args in (["archive", "list"], ["archive", "search", "routing"]):
        r = run_cli(*args, env={**env, "COLUMNS": columns}, cwd=tmp)
        assert r.returncode == 0, r.stderr
        assert max(_widths(r.stdout)) <= int(columns), r.stdout
        assert not any(line != line.rstrip() for line in r.stdout.splitlines())  # no trailing spaces
        assert "\x1b[" not in r.stdout  # NO_COLOR, piped
        lines = r.stdout.splitlines()
        assert lines[0].split()[:3] == ["id", "when", "(UTC)"] and "template" in lines[0]
        assert "contradi" in r.stdout and "retest" in r.stdout  # rows of one source, two templates
        assert "## Re-test" not in r.stdout and "The ~91%" in r.stdout or columns == "80"  # not the heading
        assert "a-very-long-folder-name" in r.stdout or "…" in r.stdout  # shortened in the middle
        if columns == "200":
            assert "a-very-long-folder-name-for-documents/and-another-level/doc00.txt" in r.stdout  # relative path
            assert str(tmp) not in r.stdout


@pytest.mark.parametrize("columns", ["80", "200"])
def test_check_and_extract_fit_the_terminal(filled, columns):
    env, _ = filled
    check = run_cli("check", "1", env={**env, "COLUMNS": columns})
    assert check.returncode == 0 and max(_widths(check.stdout)) <= int(columns), check.stdout
    for args in (["extract", SEEDS], ["extract", SEED_002]):
        r = run_cli(*args, env={"COLUMNS": columns})
        assert r.returncode == 0 and max(_widths(r.stdout)) <= int(columns), r.stdout
        assert not any(line != line.rstrip() for line in r.stdout.splitlines())


def test_progress_keeps_its_elapsed_time_at_80_columns(tmp_path):
    server = ChatServer()
    server.start()
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_MODEL": "test-model",
           "RETEST_ARCHIVE": str(tmp_path / "a.db"), "COLUMNS": "80", "NO_COLOR": "1"}
    try:
        docs = make_docs(tmp_path / "docs", 3)
        data = run_on_tty("send", *docs, env=env)
    finally:
        server.stop()
    text = data.decode("utf-8", "replace")
    bar = [l for l in text.replace("\r", "\n").splitlines() if "sending" in l and "3/3" in l]
    assert bar and "0:00:0" in bar[-1]  # the elapsed time survives at 80 columns


def test_outputs_end_with_a_newline(filled):
    env, _ = filled
    r = run_cli("send", SEED_002, env=env)  # already answered: printed from the archive
    assert r.stdout.endswith("\n") and not r.stdout.endswith("\n\n")
    assert run_cli("archive", "show", "1", env=env).stdout.endswith("\n")
    assert run_cli("build", SEED_002).stdout.endswith("rests on.\n")


def test_a_budget_says_which_claims_went():
    r = run_cli("build", SEED_002, "--max-tokens", "450")
    assert r.returncode == 0, r.stderr
    assert "dropped to fit: claim [1] (2025-04) “RL post-training" in r.stderr
    assert "~91%" not in r.stdout


def test_too_large_says_how_to_raise_the_limit(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text(SEED_002.read_text() + "x" * (2 * 1024 * 1024))
    r = run_cli("extract", big, "--max-size", "1")
    assert r.returncode == 2 and "raise it with --max-size MB" in r.stderr


def test_check_prefers_the_reply_and_says_so(filled, tmp_path):
    env, _ = filled
    (tmp_path / "1").write_text("arXiv:2504.07912\n")
    r = run_cli("check", "1", env=env, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("reply 1:") and "write ./1" in r.stderr
    f = run_cli("check", "./1", env=env, cwd=tmp_path)
    assert f.returncode == 0 and f.stdout.startswith("./1:")


def test_templates_show_and_list():
    r = run_cli("templates")
    assert r.returncode == 0 and "retest" in r.stdout and "contradictions" in r.stdout
    assert run_cli("templates", "--show", "retest").stdout.startswith("{#-")


def test_readme_commands_for_a_fresh_machine_are_true():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    first_screen = "\n".join(readme.splitlines()[:25])
    assert "pip install -e ." in first_screen and "pip install -e '.[test]'" in first_screen
    assert "python -m pytest" in first_screen
    for command in ("retest build seeds/", "retest send seeds/ -m gpt-4o --dry-run"):
        assert command in readme
