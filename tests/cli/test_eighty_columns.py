"""At 80 columns: columns give way by importance, empty ones vanish, a failure shows what it means, no word is cut."""

import re

from servers.background import BackgroundServer
from servers.chat import ChatServer
from conftest import KEY, SEED_002, SEEDS, make_docs, run_cli, run_on_tty, server_env

ESC = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def screen(data: bytes) -> list[str]:
    text = ESC.sub(b"", data).decode("utf-8", "replace")
    return [line.split("\r")[-1] for line in text.replace("\r\n", "\n").split("\n")]


def test_archive_list_shows_a_failure_by_its_meaning(tmp_path):
    server = ChatServer(models=("model-a", "model-b", "model-c"))
    server.start()
    try:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(tmp_path / "a.db")}
        assert run_cli("send", SEED_002, "-m", "model-a", env=env).returncode == 0
        server.queue.append("401")
        assert run_cli("send", SEED_002, "-m", "model-b", env=env).returncode != 0
        server.queue.append("400")
        assert run_cli("send", SEED_002, "-m", "model-c", env=env).returncode != 0
        shown = screen(run_on_tty("archive", "list", env={**env, "COLUMNS": "80", "NO_COLOR": "1"}))
    finally:
        server.stop()
    rows = [line for line in shown if line.strip()]
    assert max(len(line) for line in rows) <= 80, rows
    assert "template" not in rows[0] and "tokens" in rows[0]  # the least needed column gave way
    failed = {line.split()[4]: line for line in rows if " failed " in line}
    assert failed["model-b"].endswith("key rejected (401)"), rows
    assert failed["model-c"].endswith("refused (400)"), rows
    assert "OPENAI_A" not in "\n".join(rows)
    import json

    reply = json.loads(run_cli("archive", "list", "--json", env=env).stdout)[-1]["reply"]
    (ok,) = [line for line in rows if " ok " in line]
    shown = ok.rsplit("  ", 1)[-1].strip().split()
    if shown[-1].endswith("…"):  # shortened at a word: every word shown is whole
        assert shown[-1][:-1] in reply.split(), (ok, reply)
    wide = run_cli("archive", "list", env={**env, "COLUMNS": "300"}).stdout
    assert "rejected by" in wide  # where there is room, the whole message


def test_background_list_gives_model_and_document_the_room(tmp_path):
    server = BackgroundServer(durations=(30, 30), models=("org-name/a-rather-long-model-name",))
    server.start()
    try:
        env = {**server_env(server, tmp_path), "RETEST_MODEL": "org-name/a-rather-long-model-name"}
        (doc,) = make_docs(tmp_path / "a-folder-with-a-long-name" / "docs", 1)
        r = run_cli("send", "--background", "--no-wait", doc, env=env)  # created, still running: no reason yet
        assert r.returncode == 0, r.stderr
        shown = screen(run_on_tty("background", "list", env={**env, "COLUMNS": "80", "NO_COLOR": "1"}))
    finally:
        server.stop()
    rows = [line for line in shown if line.strip()]
    assert max(len(line) for line in rows) <= 80, rows
    assert "reason" not in rows[0], rows  # an empty column takes no room
    assert "org-name/a-rather-long-model-name" in rows[1], rows
    assert doc.name in rows[1], rows
    assert "open" in rows[1], rows


def test_a_progress_line_keeps_its_end_when_narrow(tmp_path):
    server = ChatServer(latency=0.3)
    server.start()
    try:
        env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_MODEL": "test-model",
               "RETEST_ARCHIVE": str(tmp_path / "a.db"), "COLUMNS": "60", "NO_COLOR": "1"}
        out = screen(run_on_tty("send", SEEDS, "-j", "1", env=env))
    finally:
        server.stop()
    bars = [line.rstrip() for line in out if line.startswith("sending")]
    assert bars and all(len(line) <= 60 for line in bars), bars
    assert all(line.endswith(" tokens") for line in bars), bars  # whole parts only, the tokens last
    assert re.search(r"ok 2 .*tokens$", bars[-1]), bars
