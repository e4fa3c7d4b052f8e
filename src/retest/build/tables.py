"""tiktoken's encodings with their tables read from a compact cache, made once.

tiktoken parses its BPE table (100,000–200,000 lines of base64) every time a
process first counts: a third of a second of a one-document ``build``. Here the
parsed table is kept in the user cache folder as ``marshal`` data, named by
the table's own hash (the ``expected_hash`` tiktoken checks it against), and
itself carrying the hash and length of what it holds: a cache that is
missing, damaged or from another table is made again from the table, never
trusted. Anything that cannot be cached is loaded as tiktoken loads it.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import threading
from pathlib import Path

MAGIC = b"retest bpe cache 1\n"
_lock = threading.Lock()
_made: dict[str, object] = {}  # name → Encoding, once a process (as tiktoken keeps them)
_params: dict[str, dict] = {}  # name → what the Encoding is made of


def get_encoding(name: str):
    """``tiktoken.get_encoding(name)``, its table from the cache (``ValueError`` for an unknown name, as there)."""
    if name in _made:
        return _made[name]
    found = params(name)
    if found is None:
        import tiktoken

        return tiktoken.get_encoding(name)
    import tiktoken

    _made[name] = tiktoken.Encoding(**found)
    return _made[name]


def params(name: str) -> dict | None:
    """What tiktoken makes encoding ``name`` of (name, pat_str, mergeable_ranks, special_tokens), its table
    from the cache; None for an encoding whose table cannot be cached (then use ``get_encoding``)."""
    if name in _params:
        return _params[name]
    from tiktoken import registry

    registry.list_encoding_names()  # finds the encodings' constructors (tiktoken_ext plugins)
    make = registry.ENCODING_CONSTRUCTORS.get(name) if registry.ENCODING_CONSTRUCTORS else None
    if make is None:
        raise ValueError(f"Unknown encoding {name}.")  # as tiktoken.get_encoding says it
    loader = getattr(make, "__globals__", {}).get("load_tiktoken_bpe")
    if loader is None:
        return None
    with _lock:  # the constructor reads its table through our loader while this runs
        make.__globals__["load_tiktoken_bpe"] = _cached(loader)
        try:
            found = make()
        finally:
            make.__globals__["load_tiktoken_bpe"] = loader
    _params[name] = found
    return found


def folder() -> Path:
    from ..util.settings import cache_dir

    return cache_dir() / "tiktoken"


def cache_path(expected_hash: str) -> Path:
    return folder() / f"{expected_hash}.marshal{marshal.version}"


def _cached(load):
    def load_tiktoken_bpe(blobpath: str, expected_hash: str | None = None) -> dict[bytes, int]:
        if not expected_hash or not all(c in "0123456789abcdef" for c in expected_hash):
            return load(blobpath, expected_hash=expected_hash)
        path = cache_path(expected_hash)
        ranks = read(path, expected_hash)
        if ranks is None:
            ranks = load(blobpath, expected_hash=expected_hash)  # tiktoken checks the table against its hash
            write(path, ranks, expected_hash)
        return ranks

    return load_tiktoken_bpe


def _head(expected_hash: str) -> bytes:
    return MAGIC + expected_hash.encode("ascii") + b"\n"


def read(path: Path, expected_hash: str) -> dict[bytes, int] | None:
    """The table of hash ``expected_hash`` cached at ``path``, or None when there is none or it is not whole and
    sound (its own hash and length checked)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    magic = _head(expected_hash)
    head = len(magic) + 32 + 8
    if len(data) < head or not data.startswith(magic):
        return None
    digest, count, payload = data[len(magic):head - 8], data[head - 8:head], data[head:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        ranks = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if type(ranks) is not dict or len(ranks) != int.from_bytes(count, "little"):
        return None
    return ranks


def write(path: Path, ranks: dict[bytes, int], expected_hash: str) -> None:
    """Cache ``ranks`` at ``path`` whole or not at all (a cache that cannot be written is only slower)."""
    payload = marshal.dumps(ranks)
    from ..util.files import cache_write

    head = _head(expected_hash) + hashlib.sha256(payload).digest() + len(ranks).to_bytes(8, "little")
    cache_write(path, head + payload)
