"""Documents as new users produce them, each read as a careful reader would.

A page saved from the browser, a chat model's rewrite, Italian, Dutch, Chinese and
Japanese pages, Org-mode, LaTeX, reStructuredText, a Slack paste, a Google Docs
text export, forwarded e-mails (of a ``pdftotext -layout`` copy; with the
signature above the forward), a ``lynx -dump`` copy and a Spanish Markdown export.
Each fixture in ``fixtures/layouts4`` has beside it the JSON a careful reader
would write down: the question, the notes, each claim's text as written with its
date and papers, the anchors, the span — and no warning. All are read in one
``retest extract`` over the folder, which must take every file type.
"""

import json

import pytest
from conftest import FIXTURES, run_cli

FOLDER = FIXTURES / "layouts4"
EXPECTED = {p.name.removesuffix(".expected.json"): json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(FOLDER.glob("*.expected.json"))}
FIELDS = ["question", "notes", "claims", "claim_texts", "anchors", "span", "warnings"]


@pytest.fixture(scope="module")
def extracted():
    r = run_cli("extract", "--jsonl", FOLDER)
    assert r.returncode == 0, r.stderr
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    return {d["source"].rsplit("/", 1)[-1]: d for d in docs}


def view(d: dict) -> dict:
    """The parts of a document a reader checks, in the expected files' shape."""
    return {
        "question": d["title"],
        "notes": [[n["title"], n["summary"]] for n in d["notes"]],
        "claims": [[c["date"], c["arxiv_ids"]] for c in d["claims"]],
        "claim_texts": [c["text"] for c in d["claims"]],
        "anchors": [[a["arxiv_id"], a["date"], a["label"]] for a in d["anchors"]],
        "span": [d["span"]["start"], d["span"]["end"]],
        "warnings": d["warnings"] + (["truncated"] if d["truncated"] else []),
    }


def test_every_file_type_in_the_folder_is_read(extracted):
    assert sorted(extracted) == sorted(e["file"] for e in EXPECTED.values())


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("name", list(EXPECTED))
def test_read_as_a_careful_reader_would(extracted, name, field):
    want = EXPECTED[name]
    got = view(extracted[want["file"]])
    assert got[field] == want[field]
