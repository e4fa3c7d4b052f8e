"""What a terminal of 80 columns gets: words whole, the question readable, colour (unless NO_COLOR), a pager."""

import json
import os
import re
import sys

import pytest
from servers.chat import ChatServer
from conftest import KEY, SEED_000, SEED_002, SEEDS, block, run_cli, run_on_tty

ESC = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def screen(data: bytes) -> list[str]:
    """The lines as a terminal shows them: escapes gone, carriage-return redraws reduced to their last state."""
    text = ESC.sub(b"", data).decode("utf-8", "replace")
    return [line.split("\r")[-1] for line in text.replace("\r\n", "\n").split("\n")]


def words_whole(lines: list[str], text: str) -> None:
    """Every word of ``text`` appears whole on some line (wrapped at word boundaries, never mid-word)."""
    joined = " ".join(" ".join(lines).split())
    assert " ".join(text.split()) in joined, text


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """An archive with two replies and verdicts, one of them unsupported (shared by the tests here)."""
    folder = tmp_path_factory.mktemp("archived")
    server = ChatServer(models=("model-a", "model-b"))
    server.start()
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(folder / "a.db")}
    server.replies_by_model = {
        "model-a": lambda p: "The claim is overturned.\n" + block((1, "overturned", ["arXiv:2702.00001"], "new")),
        "model-b": lambda p: "It still holds, **clearly**.\n" + block((1, "holds", ["arXiv:2504.07912"], "still")),
    }
    r = run_cli("send", SEED_002, "-m", "model-a", "-m", "model-b", "--today", "2026-06-01", "--check", env=env)
    assert r.returncode == 0, r.stderr
    assert "verdicts on 2 of 10 claim × model pairs (2 models)" in r.stderr  # 5 claims × 2 models
    yield env
    server.stop()


def test_extract_gives_the_question_the_room_at_80_columns():
    out = screen(run_on_tty("extract", SEEDS, env={"COLUMNS": "80", "NO_COLOR": "1"}))
    assert "Does the model learn depth-wise drift as an explicit strategy?" in out
    assert "How do RL training and base models differ in creating MI peaks?" in out
    assert max(len(line) for line in out) <= 80


def test_templates_and_stderr_wrap_at_word_boundaries():
    shown = screen(run_on_tty("templates", env={"COLUMNS": "80", "NO_COLOR": "1"}))
    assert max(len(line) for line in shown) <= 80
    listed = json.loads(run_cli("templates", "--json").stdout)
    for t in listed:
        words_whole(shown, t["description"])
    dry = screen(run_on_tty("send", SEEDS, "-m", "gpt-4o", "--dry-run", "--base-url", "http://127.0.0.1:9/v1",
                            env={"COLUMNS": "80", "NO_COLOR": "1"}))
    assert max(len(line) for line in dry) <= 80
    words_whole(dry, "would go to gpt-4o at 127.0.0.1:9; nothing was sent")
    assert sum("could not be downloaded" in line for line in dry) <= 1  # a note said once, if at all


def test_the_note_on_estimated_tokens_is_said_once():
    r = run_cli("build", SEED_000, SEED_002, "--model", "gpt-4o")
    assert r.returncode == 0
    lines = [line for line in r.stderr.splitlines() if "tokens" in line]
    assert len(lines) == 2 and sum(":" in line.split("(", 1)[1] for line in lines) <= 1, lines


def test_colour_on_a_terminal_and_none_with_no_color_or_a_pipe(archived):
    env = {**archived, "COLUMNS": "80", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    saved = os.environ.pop("NO_COLOR", None)
    try:
        coloured = run_on_tty("archive", "list", env=env)
        assert b"\x1b[32mok" in coloured  # ok in green
        claims = run_on_tty("claims", SEED_002, env=env)
        assert b"\x1b[33m\x1b[1m[1] holds (1 unsupported dissent)" in claims or \
               b"\x1b[1m\x1b[33m[1] holds (1 unsupported dissent)" in claims, claims[:400]
        checked = run_on_tty("check", "1", env=env)
        assert b"\x1b[" in checked
        plain = run_on_tty("archive", "list", env={**env, "NO_COLOR": "1"})
        assert b"\x1b[3" not in plain and b"ok" in plain
        assert b"\x1b[" not in run_on_tty("claims", SEED_002, env={**env, "NO_COLOR": ""})
    finally:
        if saved is not None:
            os.environ["NO_COLOR"] = saved
    piped = run_cli("claims", SEED_002, env={k: v for k, v in env.items() if k != "NO_COLOR"})
    assert "\x1b" not in piped.stdout and "[1] holds (1 unsupported dissent)" in piped.stdout


def test_archive_show_pages_rendered_markdown_on_a_terminal(archived, tmp_path):
    paged = tmp_path / "paged.txt"
    pager = (f"{sys.executable} -c \"import os, sys; open(os.environ['PAGED'], 'w')"
             f".write(sys.stdin.read() + '\\nLESS=' + os.environ.get('LESS', ''))\"")
    env = {**archived, "COLUMNS": "80", "NO_COLOR": "1", "PAGER": pager, "PAGED": str(paged)}
    env.pop("LESS", None)
    os.environ.pop("LESS", None)
    run_on_tty("archive", "show", "2", env=env)
    text = paged.read_text()
    assert text.endswith("LESS=FRX")  # as git sets it, unless LESS is set
    assert "Reply 2" in text and "# Reply 2" not in text  # rendered, not raw Markdown
    assert "**clearly**" not in text and "clearly" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    paged.unlink()
    direct = screen(run_on_tty("archive", "show", "2", "--no-pager", env=env))
    assert not paged.exists() and any("Reply 2" in line for line in direct)
    piped = run_cli("archive", "show", "2", env=env)
    assert piped.stdout.startswith("# Reply 2") and "**clearly**" in piped.stdout and not paged.exists()
    shown = run_cli("archive", "show", "--help").stdout
    assert "one JSON object" in shown and "--no-pager" in shown and "array" not in shown


def test_archive_search_shows_what_matched(archived):
    r = run_cli("archive", "search", "clearly", env=archived)
    assert r.returncode == 0 and "»clearly«" in r.stdout
    hits = json.loads(run_cli("archive", "search", "clearly", "--json", env=archived).stdout)
    assert [h["id"] for h in hits] == [2] and "»clearly«" in hits[0]["snippet"]
    tty = run_on_tty("archive", "search", "clearly", env={**archived, "COLUMNS": "80", "TERM": "xterm",
                                                            "NO_COLOR": ""})
    assert b"clearly" in tty


def test_the_progress_bar_keeps_its_width_at_80_columns(tmp_path):
    server = ChatServer(latency=0.3)
    server.start()
    try:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_MODEL": "test-model",
               "RETEST_ARCHIVE": str(tmp_path / "a.db"), "COLUMNS": "80", "NO_COLOR": "1"}
        out = screen(run_on_tty("send", SEEDS, "-j", "1", env=env))
        bars = [line for line in out if line.startswith("sending")]
        assert bars and all("━" * 16 in line or "╸" in line or "━" in line for line in bars)
        last = bars[-1]
        assert re.search(r" 2/2 \d+:\d\d:\d\d ", last), last  # the whole elapsed time
        long = [line for line in out if len(line.rstrip()) > 80 and " " in line.strip()]  # a path alone may not fit
        assert not long, long
    finally:
        server.stop()
