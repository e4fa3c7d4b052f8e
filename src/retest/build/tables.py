"""tiktoken's encodings with their tables read from a compact cache, made once.

tiktoken parses its BPE table (100,000–200,000 lines of base64) every time a
process first counts: a third of a second of a one-document ``build``. Here the
parsed table is kept in the user cache folder as ``marshal`` data, named by
the table's own hash (the ``expected_hash`` tiktoken checks it against), and
itself carrying the hash of what it holds: a cache that is missing, damaged
or from another table is made again from the table, never trusted. Anything
that cannot be cached is loaded as tiktoken loads it.

The cache holds the table in shards, by each entry's first three bytes,
unpacked only when asked for: counting a prompt looks up only its own
substrings (``sparse``), and a page of English prose needs about a third of
the table — read so, in half the time it takes to read the table whole.
"""

from __future__ import annotations

import hashlib
import marshal
import threading
from pathlib import Path

MAGIC = b"retest bpe cache 2\n"
PREFIX = 3  # bytes of an entry that name its shard
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

    _made[name] = tiktoken.Encoding(**{**found, "mergeable_ranks": found["mergeable_ranks"].whole()})
    return _made[name]


def params(name: str) -> dict | None:
    """What tiktoken makes encoding ``name`` of (name, pat_str, mergeable_ranks, special_tokens), its table
    a ``Ranks`` from the cache; None for an encoding whose table cannot be cached (then use ``get_encoding``)."""
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
    cached = _cached(loader)
    try:
        found = _made_with(make, loader, cached)
        lazy = isinstance(found["mergeable_ranks"], Ranks)
    except (TypeError, AttributeError, KeyError):  # the constructor does more with its table than pass it on
        lazy = False
    if not lazy:
        found = _made_with(make, loader, lambda *args, **kwargs: cached(*args, **kwargs).whole())
        found["mergeable_ranks"] = Ranks.of(found["mergeable_ranks"])
    _params[name] = found
    return found


def _made_with(make, loader, load) -> dict:
    """``make()``, the constructor reading its table through ``load`` instead of ``loader``."""
    with _lock:
        make.__globals__["load_tiktoken_bpe"] = load
        try:
            return make()
        finally:
            make.__globals__["load_tiktoken_bpe"] = loader


def folder() -> Path:
    from ..util.settings import cache_dir

    return cache_dir() / "tiktoken"


def cache_path(expected_hash: str) -> Path:
    return folder() / f"{expected_hash}.shards.marshal{marshal.version}"  # apart from the older one-piece tables


def _cached(load):
    def load_tiktoken_bpe(blobpath: str, expected_hash: str | None = None) -> Ranks:
        if not expected_hash or not all(c in "0123456789abcdef" for c in expected_hash):
            return Ranks.of(load(blobpath, expected_hash=expected_hash))
        path = cache_path(expected_hash)
        ranks = read(path, expected_hash)
        if ranks is None:
            whole = load(blobpath, expected_hash=expected_hash)  # tiktoken checks the table against its hash
            write(path, whole, expected_hash)
            ranks = Ranks.of(whole)
        return ranks

    return load_tiktoken_bpe


def _head(expected_hash: str) -> bytes:
    return MAGIC + expected_hash.encode("ascii") + b"\n"


class Ranks:
    """A BPE table (bytes → rank): ``among`` gives the entries found in a set of byte strings, ``whole`` all."""

    def __init__(self, short: dict[bytes, int], shards: dict[bytes, bytes] | None = None,
                 whole: dict[bytes, int] | None = None):
        self._short = short  # the entries shorter than PREFIX (all of them when ``whole`` is given)
        self._shards = shards or {}  # PREFIX bytes → marshal data of the entries that start so
        self._open: dict[bytes, dict[bytes, int]] = {}  # the shards unpacked so far
        self._whole = whole

    @classmethod
    def of(cls, ranks: dict[bytes, int]) -> Ranks:
        return cls(ranks, whole=ranks)

    def among(self, parts) -> dict[bytes, int]:
        if self._whole is not None:
            return {p: self._whole[p] for p in parts if p in self._whole}
        found: dict[bytes, int] = {}
        wanted: dict[bytes, list[bytes]] = {}
        for part in parts:
            if len(part) < PREFIX:
                if part in self._short:
                    found[part] = self._short[part]
            else:
                wanted.setdefault(part[:PREFIX], []).append(part)
        for prefix, group in wanted.items():
            table = self._open.get(prefix)
            if table is None and prefix in self._shards:
                table = self._open[prefix] = marshal.loads(self._shards[prefix])
            if table is not None:
                found.update((p, table[p]) for p in group if p in table)
        return found

    def whole(self) -> dict[bytes, int]:
        if self._whole is None:
            whole = dict(self._short)
            for shard in self._shards.values():
                whole.update(marshal.loads(shard))
            self._whole = whole
        return self._whole


def read(path: Path, expected_hash: str) -> Ranks | None:
    """The table of hash ``expected_hash`` cached at ``path``, or None when there is none or it is not whole and
    sound (its own hash checked)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    magic = _head(expected_hash)
    head = len(magic) + 32
    if len(data) < head or not data.startswith(magic):
        return None
    digest, payload = data[len(magic):head], data[head:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        short, shards = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if type(short) is not dict or type(shards) is not dict:
        return None
    return Ranks(short, shards)


def write(path: Path, ranks: dict[bytes, int], expected_hash: str) -> None:
    """Cache ``ranks`` at ``path`` whole or not at all (a cache that cannot be written is only slower)."""
    short: dict[bytes, int] = {}
    shards: dict[bytes, dict[bytes, int]] = {}
    for token, rank in ranks.items():
        if len(token) < PREFIX:
            short[token] = rank
        else:
            shards.setdefault(token[:PREFIX], {})[token] = rank
    payload = marshal.dumps((short, {prefix: marshal.dumps(shard) for prefix, shard in shards.items()}))
    from ..util.files import cache_write

    cache_write(path, _head(expected_hash) + hashlib.sha256(payload).digest() + payload)
