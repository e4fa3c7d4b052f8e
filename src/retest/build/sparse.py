"""Token counts for a process's first few prompts, without building tiktoken's whole encoder.

Building tiktoken's encoder (its Rust ``CoreBPE``) costs ~60 ms per 100,000
entries of its table, in every process: more than everything else a
one-document ``build`` does with tokens. Yet counting a text only ever looks
up parts of that text. So, until a process has counted ``BUDGET`` bytes, each
text is counted by tiktoken with an encoder made of the same pattern and
special tokens and only those entries of the table found inside the text;
after that, or for a text with long unbroken runs (where the looking would
cost more than it saves), the whole encoder is built once, as before.

Why the counts are tiktoken's own: tiktoken cuts a text into pieces with its
pattern and looks up only substrings of one piece at a time. In OpenAI's
patterns (``SPLIT_AT_SPACE``) no piece holds a printable ASCII character
followed by a space — words, numbers and punctuation end there, and spaces
start a piece of their own or the next word's. Cut there, the text's segments
each hold whole pieces, so the entries found among their substrings include
every entry the whole encoder would look up. Other patterns use the whole
encoder.
"""

from __future__ import annotations

import hashlib
import re

BUDGET = 32 * 1024  # bytes counted this way a process: past it the whole encoder costs less
MAX_LOOKUPS = 100_000  # substrings looked up for one text: past it the whole encoder costs less
# sha256 of the patterns of r50k/p50k, cl100k and o200k (tiktoken_ext.openai_public), for which the cut holds
SPLIT_AT_SPACE = {
    "bf51d578af57187876ec1c8a34fb0ee2fb3025c50ce663ac154b633ae39de092",  # r50k_base, p50k_base, p50k_edit
    "f021c3d976978e62ee64cdad150cc3405c2e3d6e3b40407850bb9e8d9eb65899",  # cl100k_base (and _offline)
    "2d1b8dc11e89af71459b36004f698ab3693f59fd84f63e8ec2b49564ab857420",  # o200k_base, o200k_harmony
}
_CUT = re.compile(rb"(?<=[\x21-\x7e])(?= )")


def pattern_hash(pat_str: str) -> str:
    return hashlib.sha256(pat_str.encode("utf-8")).hexdigest()


class SparseEncoding:
    """``encode(text, disallowed_special=())`` as tiktoken's ``Encoding`` gives it, for the encoding whose
    ``params`` these are (``tables.params``); ``whole()`` makes the whole encoder when it is needed."""

    def __init__(self, params: dict, whole):
        self.params = params
        self.name = params["name"]
        self._whole = whole
        self._made = None
        self.spent = 0  # bytes counted without the whole encoder
        self.sparse = 0  # texts counted so
        self.usable = pattern_hash(params["pat_str"]) in SPLIT_AT_SPACE

    @property
    def whole_texts(self) -> bool:
        """True while texts are counted sparsely: each count makes an encoder, so count a text at once."""
        return self._made is None and self.usable and self.spent < BUDGET

    def encode(self, text: str, *, disallowed_special=()) -> list[int]:
        if self._made is None and self.usable and not disallowed_special and self.spent + len(text) <= BUDGET:
            part = self._part(text)
            if part is not None:
                self.spent += len(text)
                return part.encode(text, disallowed_special=())
        if self._made is None:
            self._made = self._whole()
        return self._made.encode(text, disallowed_special=disallowed_special)

    def _part(self, text: str):
        """An ``Encoding`` of the entries found inside ``text``, or None when looking would cost too much."""
        import tiktoken

        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: tiktoken replaces them; the whole encoder does it here
            return None
        segments = set(_CUT.split(data))
        if sum(len(s) * (len(s) + 1) // 2 for s in segments) > MAX_LOOKUPS:
            return None
        inside = {s[i:j] for s in segments for i in range(len(s)) for j in range(i + 1, len(s) + 1)}
        found = self.params["mergeable_ranks"].among(inside)  # tables.Ranks
        if not found:  # no text: tiktoken makes no encoder of an empty table
            return None
        self.sparse += 1
        return tiktoken.Encoding(self.name, pat_str=self.params["pat_str"], mergeable_ranks=found,
                                 special_tokens=self.params["special_tokens"])
