"""What is not a claim: tag lines, a sign-off after the declared notes, a README; a folder walk passes such files
over with one line each."""

import json

from conftest import ROOT, SEED_002, run_cli

NOTES = """Does sparse routing survive distillation into dense students?

This reads the question as: whether the gains of expert routing carry over once distilled.

Sources 2 notes

Do dense students keep reasoning gains?

Dense students keep 62% of the gains on reasoning (2024-02, arXiv:2402.01739).

Does the shortfall grow with experts?

From 8 to 64 experts the shortfall grows from 4 to 11 points (2025-01, arXiv:2501.11425).
"""


def _extract(tmp_path, text):
    f = tmp_path / "doc.md"
    f.write_text(text)
    r = run_cli("extract", f, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)[0]


def test_a_tags_line_after_a_rule_is_not_a_claim(tmp_path):
    doc = _extract(tmp_path, NOTES + "\n---\n#reading-notes #to-retest\n")
    assert [c["text"] for c in doc["claims"]] == ["Dense students keep 62% of the gains on reasoning",
                                                   "From 8 to 64 experts the shortfall grows from 4 to 11 points"]
    assert doc["warnings"] == [] and not doc["truncated"]


def test_a_sign_off_after_the_declared_notes_is_not_a_claim(tmp_path):
    doc = _extract(tmp_path, NOTES + "\nThanks for reading, more next week!\n")
    assert len(doc["claims"]) == 2 and doc["warnings"] == [] and not doc["truncated"]


def test_a_heading_and_a_numbered_hash_are_not_tags(tmp_path):
    doc = _extract(tmp_path, NOTES.replace("Sources 2 notes", "Sources 3 notes")
                   + "\n#1 finding: does it hold?\n\nIt holds at 40% (2025-03, arXiv:2503.00001).\n")
    assert len(doc["claims"]) == 3


def test_a_readme_is_refused_and_a_folder_walk_passes_it_over(tmp_path):
    r = run_cli("extract", ROOT / "README.md")
    assert r.returncode == 2 and "would-be claims are code" in r.stderr and "Traceback" not in r.stderr
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "README.md").write_text((ROOT / "README.md").read_text())
    (folder / "shopping.txt").write_text("eggs, milk, bread\n")
    (folder / "line.txt").write_text(SEED_002.read_text())
    r = run_cli("extract", folder, "--jsonl")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 1
    skipped = [l for l in r.stderr.splitlines() if l.startswith("retest: skipped")]
    assert len(skipped) == 2 and any("README.md" in l for l in skipped) and any("shopping.txt" in l for l in skipped)
    built = run_cli("build", folder, "--fit-tokens", "450")
    assert built.returncode == 0 and built.stdout.count("Your task") == 1, built.stderr
    assert sum(l.startswith("retest: skipped") for l in built.stderr.splitlines()) == 2
    named = run_cli("extract", folder / "shopping.txt")
    assert named.returncode == 2 and "error" in named.stderr
