"""retest against a server nobody here wrote: llama-cpp-python running SmolLM2-135M-Instruct.

The server keeps its default settings, among them ``interrupt_requests``: a
new request aborts the stream in progress, and streams carry no usage.
Where a prompt's length is not the point, it is fitted to 450 tokens
(``--fit-tokens``): reading the prompt is most of each request's time here.
"""

import json
import re
import shutil
import sqlite3

import pytest
from conftest import FIXTURES, SEED_000, SEED_002, run_cli

pytestmark = pytest.mark.real_server
DOCS = [SEED_000, SEED_002, FIXTURES / "roundtrip.txt", FIXTURES / "variants.txt", FIXTURES / "summaries_crlf.txt",
        FIXTURES / "wrapped.md"]


@pytest.fixture
def env(real_server, tmp_path):
    return {"OPENAI_BASE_URL": real_server, "OPENAI_API_KEY": "", "RETEST_MODEL": "smollm2",
            "RETEST_ARCHIVE": str(tmp_path / "archive.db")}


def _docs(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for doc in DOCS:
        shutil.copy(doc, folder / doc.name)
    return folder


def _rows(env, sql):
    db = sqlite3.connect(env["RETEST_ARCHIVE"])
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_one_prompt_streamed_or_not(env, stream):
    r = run_cli("send", SEED_002, "--max-output-tokens", "60", "--fit-tokens", "450",
                *([] if stream else ["--no-stream"]), env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    (status, reply, finish, prompt_tokens, completion_tokens, estimated), = _rows(
        env, "SELECT status, reply, finish_reason, prompt_tokens, completion_tokens, usage_estimated FROM replies")
    assert status == "ok" and reply.strip() and finish in ("stop", "length")
    assert r.stdout.strip() == reply.strip()
    assert prompt_tokens > 100 and completion_tokens > 0
    assert estimated == (1 if stream else 0)  # the server streams no usage: counted locally and marked
    assert not re.search(r"(?<![\d,.~])0 tokens", r.stderr)  # never a count of zero (490 tokens is fine)


def test_four_at_once_against_the_default_settings(env, tmp_path):
    folder = _docs(tmp_path)
    r = run_cli("send", folder, "-j", "4", "--max-output-tokens", "40", "--fit-tokens", "450", env=env, timeout=900)
    assert r.returncode == 0, r.stderr
    assert "6 sent, 0 skipped (already archived), 0 failed" in r.stderr
    ok = _rows(env, "SELECT prompt_id, reply FROM replies WHERE status = 'ok'")
    assert len(ok) == 6 == len({p for p, _ in ok}) and all(reply.strip() for _, reply in ok)
    assert "~" in r.stderr.splitlines()[-1]  # estimated tokens, never "0 tokens"
    (lowest,), = _rows(env, "SELECT concurrency_lowest FROM runs")
    assert lowest <= 4
    again = run_cli("send", folder, "-j", "4", "--max-output-tokens", "40", "--fit-tokens", "450", env=env,
                    timeout=300)
    assert "0 sent, 6 skipped" in again.stderr


def test_a_reply_cut_at_the_output_limit(env):
    # greedy, so that the model cannot happen to finish on its own within the limit
    r = run_cli("send", SEED_000, "--max-output-tokens", "4", "--temperature", "0", "--fit-tokens", "450", env=env,
                timeout=300)
    assert r.returncode == 0, r.stderr
    (reply_id, finish), = _rows(env, "SELECT id, finish_reason FROM replies")
    assert finish == "length"
    assert f"1 reply was cut at --max-output-tokens 4: id {reply_id}" in r.stderr


def test_archive_show_and_check_on_a_real_reply(env):
    assert run_cli("send", SEED_002, "--max-output-tokens", "120", env=env, timeout=300).returncode == 0
    show = run_cli("archive", "show", "1", env=env)
    assert show.returncode == 0 and show.stdout.startswith("# Reply 1")
    assert "`smollm2` at `127.0.0.1:" in show.stdout and "- tokens: ~" in show.stdout
    listing = run_cli("archive", "list", "--json", env=env)
    assert json.loads(listing.stdout)[0]["model"] == "smollm2"
    check = run_cli("check", "1", "--json", env=env)
    assert check.returncode == 0, check.stderr
    report = json.loads(check.stdout)
    assert [c["index"] for c in report["claims"]] == [1, 2, 3, 4, 5]  # the claims the prompt sent
    assert isinstance(report["cited"], list)


def test_json_schema_refused_once_with_the_way_out(env):
    """llama-cpp-python takes no ``json_schema`` response format: it answers 500 with a validation error."""
    r = run_cli("send", SEED_000, SEED_002, "--verdicts", "json-schema", "-j", "1", "--max-output-tokens", "20",
                "--fit-tokens", "450", env=env, timeout=300)
    assert r.returncode == 1, r.stderr
    failed = [line for line in r.stderr.splitlines() if line.startswith("retest: failed")]
    assert len(failed) == 1 and "--verdicts block" in failed[0] and "validation error" in failed[0], r.stderr
    assert "File " not in r.stderr and "line )" not in r.stderr
    assert _rows(env, "SELECT status, attempts FROM replies ORDER BY id") == [("failed", 1), ("failed", 0)]
