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


def test_a_teams_paste_reads_as_the_same_talk_from_discord(tmp_path):
    text = (FOLDER / "discord_paste.txt").read_text(encoding="utf-8")
    for name in ("Kenji Watanabe", "Lukas Berg"):
        for minute in ("02", "04", "05", "07"):
            text = text.replace(f"{name} — Today at 10:{minute} AM", f"[10:{minute} AM] {name}")
    assert "— Today" not in text
    (tmp_path / "teams.txt").write_text(text, encoding="utf-8")
    r = run_cli("extract", "--jsonl", tmp_path / "teams.txt")
    assert r.returncode == 0, r.stderr
    want = {k: v for k, v in EXPECTED["discord_paste"].items() if k in FIELDS}
    assert view(json.loads(r.stdout)) == want


def test_sections_in_a_language_not_read_still_give_the_dated_cited_claims(tmp_path):
    # an INQUIRING LINE header, then sections in Polish: the layout is seen, its sections are not
    (tmp_path / "pl.txt").write_text(
        "INQUIRING LINE\n\nCzy małe modele korzystają z destylacji?\n\nŹródła 2 notatki\n\n"
        "Czy uczeń kopiuje błędy?\n\nUczeń powtarza 80% błędów nauczyciela (2024-05, arXiv:2405.01234).\n\n"
        "Polecenie badawcze dla twojego LLM\n\n"
        "• Destylacja podnosi wynik o 6 punktów (maj 2024, arXiv:2405.05678).\n", encoding="utf-8")
    r = run_cli("extract", "--jsonl", tmp_path / "pl.txt")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["title"] == "Czy małe modele korzystają z destylacji?"
    assert [(c["text"], c["date"], c["arxiv_ids"]) for c in d["claims"]] == [
        ("Uczeń powtarza 80% błędów nauczyciela", "2024-05", ["2405.01234"])]  # "maj 2024" is no date retest reads
    assert not d["truncated"] and d["warnings"] == [  # nothing was cut: the sections were not read
        "sections not recognised: 1 dated claim(s) with arXiv IDs read from the text",
        "'Źródła 2 notatki' looks like a 'Sources N notes' heading in a language retest does not read (it reads "
        "English, Spanish, French, German, Portuguese, Italian, Dutch, Chinese and Japanese)"]


def test_a_real_cut_in_a_saved_page_is_still_reported(tmp_path):
    page = (FOLDER / "saved_page.html").read_text(encoding="utf-8")
    cut = page[: page.index("Surface work from the last")] + "Surface work from the la"
    (tmp_path / "cut.html").write_text(cut, encoding="utf-8")
    r = run_cli("extract", "--jsonl", tmp_path / "cut.html")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["truncated"] and d["warnings"][0].startswith("document is truncated: it ends mid-sentence")
    assert len(d["claims"]) == 3 and len(d["notes"]) == 3


def test_a_sign_off_after_the_prompt_is_no_cut_and_a_cut_closing_is(tmp_path):
    plain = (FIXTURES / "layouts" / "plain.txt").read_text(encoding="utf-8")
    (tmp_path / "signed.txt").write_text(plain + "\nthanks all, talk on Thursday\n", encoding="utf-8")
    (tmp_path / "cut.txt").write_text(plain.rsplit("Cite", 1)[0] + "Cite arXiv IDs; fl", encoding="utf-8")
    r = run_cli("extract", "--jsonl", tmp_path / "signed.txt", tmp_path / "cut.txt")
    assert r.returncode == 0, r.stderr
    signed, cut = (json.loads(line) for line in r.stdout.splitlines())
    assert not signed["truncated"] and signed["warnings"] == []
    assert cut["truncated"] and cut["warnings"][0].startswith("document is truncated: it ends mid-sentence")
