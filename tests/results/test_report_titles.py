"""The report's headings come from the archive: a document's question is stored with its prompt, never read again."""

import re
import shutil
import sqlite3

from servers.chat import ChatServer
from conftest import SEED_002, archive_rows, run_cli, server_env, serving

QUESTION = "How do RL training and base models differ in creating MI peaks?"
server = serving(ChatServer)


def _headings(page: str) -> list[str]:
    return re.findall(r'<h\d class="question">([^<]*)</h\d>', page)


def test_the_question_is_archived_with_the_prompt_and_the_report_never_reads_the_document(server, tmp_path):
    doc = tmp_path / "line.txt"
    shutil.copy(SEED_002, doc)
    env = server_env(server, tmp_path)
    r = run_cli("send", doc, env=env)
    assert r.returncode == 0, r.stderr
    assert archive_rows(env, "SELECT source, title FROM document_titles") == [(str(doc), QUESTION)]
    doc.write_text(SEED_002.read_text().replace(QUESTION, "A question written later?"))  # the disk now says otherwise
    r = run_cli("report", "-o", tmp_path / "one.html", env=env)
    assert r.returncode == 0, r.stderr
    assert _headings((tmp_path / "one.html").read_text()) == [QUESTION]
    doc.unlink()
    r = run_cli("report", "--layout", "folder", "-o", tmp_path / "pages", env=env)
    assert r.returncode == 0, r.stderr
    assert _headings((tmp_path / "pages" / "doc-00001.html").read_text()) == [QUESTION]
    assert f'<a href="doc-00001.html">{QUESTION}</a>' in (tmp_path / "pages" / "index.html").read_text()


def test_an_archive_made_before_questions_were_kept_shows_paths(server, tmp_path):
    doc = tmp_path / "line.txt"
    shutil.copy(SEED_002, doc)
    env = server_env(server, tmp_path)
    assert run_cli("send", doc, env=env).returncode == 0
    with sqlite3.connect(env["RETEST_ARCHIVE"]) as db:  # as an older retest left it: no questions kept
        db.execute("DELETE FROM document_titles")
    r = run_cli("report", "-o", tmp_path / "one.html", env=env)
    assert r.returncode == 0, r.stderr
    assert _headings((tmp_path / "one.html").read_text()) == [str(doc)]  # the document on disk is not read
    r = run_cli("send", doc, "--force", env=env)  # sent again: its question is kept from now on
    assert r.returncode == 0, r.stderr
    r = run_cli("report", "-o", tmp_path / "two.html", env=env)
    assert _headings((tmp_path / "two.html").read_text()) == [QUESTION]


def test_a_batch_keeps_the_questions_too(tmp_path):
    """``batch export`` stores its prompts many at a time (``Archive.add_prompts``): the questions with them."""
    doc = tmp_path / "line.txt"
    shutil.copy(SEED_002, doc)
    env = {"RETEST_ARCHIVE": str(tmp_path / "a.db"), "OPENAI_API_KEY": "sk-unused"}
    r = run_cli("batch", "export", doc, "-m", "test-model", "-o", tmp_path / "batch.jsonl", env=env)
    assert r.returncode == 0, r.stderr
    assert archive_rows(env, "SELECT source, title FROM document_titles") == [(str(doc), QUESTION)]
