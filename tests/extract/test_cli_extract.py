"""``retest extract`` through the real command: output formats and bad input."""

import json

import pytest
from conftest import FIXTURES, SEED_000, SEED_002, SEEDS


def _one_line_error(stderr: str, *needles: str) -> None:
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert lines, "expected an error message"
    assert "Traceback" not in stderr
    hit = [l for l in lines if all(n in l for n in needles)]
    assert hit, (needles, stderr)


def test_jsonl_has_the_stable_keys(cli):
    r = cli("extract", "--jsonl", SEEDS)
    assert r.returncode == 0, r.stderr
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(docs) == 2
    for doc in docs:
        assert {"source", "title", "notes", "claims", "anchors", "span", "warnings"} <= doc.keys()
        assert set(doc["span"]) >= {"start", "end"}
        for note in doc["notes"]:
            assert {"title", "summary", "arxiv_ids"} <= note.keys()
        for claim in doc["claims"]:
            assert {"text", "date", "arxiv_ids", "origin"} <= claim.keys()
    second = docs[1]
    assert second["source"].endswith(SEED_002.name)
    assert second["anchors"][0] == {"arxiv_id": "2504.07912", "version": None, "date": "2025-04",
                                    "label": "Echo Chamber thesis (deployment framing)"}
    assert second["span"]["start"] == "2024-09" and second["span"]["end"] == "2026-05"


def test_json_is_one_array(cli):
    r = cli("extract", "--json", SEED_000, SEED_002)
    assert r.returncode == 0
    docs = json.loads(r.stdout)
    assert [len(d["notes"]) for d in docs] == [8, 10]


def test_stdin(cli):
    r = cli("extract", "--jsonl", "-", input=SEED_002.read_text())
    assert r.returncode == 0
    doc = json.loads(r.stdout)
    assert doc["source"] == "<stdin>" and len(doc["claims"]) == 5


def test_table_by_default(cli):
    r = cli("extract", SEED_002)
    assert r.returncode == 0
    assert "How do RL training and base models differ" in r.stdout
    assert "2504.07912" in r.stdout and "Echo Chamber thesis" in r.stdout


def test_directory_recurses_into_txt_and_md(cli, tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.md").write_text(SEED_000.read_text())
    (tmp_path / "a" / "y.txt").write_text(SEED_002.read_text())
    (tmp_path / "a" / "ignored.json").write_text("{}")
    r = cli("extract", "--jsonl", tmp_path)
    assert r.returncode == 0
    assert [json.loads(l)["source"].rsplit("/", 1)[1] for l in r.stdout.splitlines()] == ["y.txt", "x.md"]  # a folder's files, then its subfolders


@pytest.fixture
def bad(tmp_path):
    files = {
        "empty.txt": b"",
        "blank.txt": b"  \n\n ",
        "binary.txt": bytes(range(256)) * 4,
        "latin1.txt": "Does caf\xe9 matter?\nThis explores caf\xe9s.\n".encode("latin-1"),
        "notes.txt": (FIXTURES / "not_a_line.txt").read_bytes(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "emptydir").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    "name, needles",
    [
        ("empty.txt", ["empty.txt", "empty file"]),
        ("blank.txt", ["blank.txt", "empty file"]),
        ("binary.txt", ["binary.txt", "binary file"]),
        ("latin1.txt", ["latin1.txt", "not UTF-8", "0xe9"]),
        ("notes.txt", ["notes.txt", "not an inquiring line"]),
        ("emptydir", ["emptydir", "no *.txt, *.md, *.html, *.htm, *.org, *.tex or *.rst documents"]),
        ("missing.txt", ["missing.txt", "no such file"]),
    ],
)
def test_bad_input_alone_exits_2_with_one_line(cli, bad, name, needles):
    r = cli("extract", "--jsonl", bad / name)
    assert r.returncode == 2
    assert r.stdout == ""
    _one_line_error(r.stderr, *needles)
    assert len(r.stderr.strip().splitlines()) == 1


def test_huge_file(cli, tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.write(SEED_002.read_bytes() * (50 * 1024 * 1024 // SEED_002.stat().st_size + 1))
    r = cli("extract", "--jsonl", big)
    assert r.returncode == 2
    _one_line_error(r.stderr, "big.txt", "too large", "MB")


def test_mixed_run_prints_good_files_and_exits_1(cli, bad):
    r = cli("extract", "--jsonl", bad / "empty.txt", SEED_002, bad / "binary.txt")
    assert r.returncode == 1
    assert len(r.stdout.splitlines()) == 1 and json.loads(r.stdout)["title"].startswith("How do RL")
    assert len(r.stderr.strip().splitlines()) == 2


def test_bad_flag(cli):
    r = cli("extract", "--no-such-flag", SEED_002)
    assert r.returncode == 2
    assert "no such option" in r.stderr.lower() and "Traceback" not in r.stderr


def test_truncated_is_not_an_error(cli):
    r = cli("extract", "--jsonl", FIXTURES / "truncated_prompt.txt")
    assert r.returncode == 0
    doc = json.loads(r.stdout)
    assert doc["truncated"] and doc["warnings"][0].startswith("document is truncated")


def test_help_and_module_entry(cli):
    r = cli("--help")
    assert r.returncode == 0 and "extract" in r.stdout


def test_digits_past_the_integer_limit_are_one_warning_at_most(cli, tmp_path):
    doc = tmp_path / "digits.txt"
    doc.write_text("Does a huge version number break anything?\n\nThis reads the question as: no.\n\n"
                   f"Sources {'9' * 5000} notes\n\nIs it read?\n\n"
                   f"A claim (2025-04, arXiv:2504.07912v{'3' * 5000}; 2023-07, arXiv:2307.0\u200b3172).\n")
    r = cli("extract", "--jsonl", doc)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    d = json.loads(r.stdout)
    assert d["declared_notes"] is None and d["claims"][0]["arxiv_ids"] == ["2307.03172"]
    r = cli("build", doc, "--today", "2026-01-15")
    assert r.returncode == 0 and "Traceback" not in r.stderr and "arXiv:2307.03172" in r.stdout, r.stderr


def _readme_smallest_example() -> str:
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    start = readme.index("```text\n", readme.index("The smallest useful one")) + len("```text\n")
    return readme[start : readme.index("```", start)]


@pytest.mark.parametrize("citation", ["(2023-07, arXiv:2307.03172)", "(July 2023; arxiv.org/abs/2307.03172v2)",
                                      "[2023-07, arXiv 2307.03172]", "(2023/07, see https://arxiv.org/pdf/2307.03172)"])
def test_readme_smallest_example_cites_once(cli, tmp_path, citation):
    text = _readme_smallest_example()
    assert "(2023-07, arXiv:2307.03172)." in text
    doc = tmp_path / "small.txt"
    doc.write_text(text.replace("(2023-07, arXiv:2307.03172)", citation))
    r = cli("extract", "--jsonl", doc)
    claim = json.loads(r.stdout)["claims"][0]
    assert claim["text"] == "Accuracy drops by over 20% when the relevant passage sits mid-context"
    assert (claim["date"], claim["arxiv_ids"], claim["origin"]) == ("2023-07", ["2307.03172"], "note")
    shown = cli("extract", doc).stdout
    assert shown.count("2307.03172") == 1 and "mid-context (2023-07; arXiv:2307.03172)" in " ".join(shown.split())
    built = cli("build", doc, "--today", "2026-01-15").stdout
    assert built.count("mid-context (2023-07, arXiv:2307.03172") == 1 and built.count("mid-context (") == 1
