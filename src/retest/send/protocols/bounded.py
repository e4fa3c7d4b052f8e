"""A provider's answer, read within a size bound: a whole body, or a stream line by line.

A reply of "Hi." can arrive with a 300 MB source title in one streamed chunk,
or a 200 MB body of millions of annotations; read whole, either takes
gigabytes and seconds before anything could cut it down. Nothing a model
writes comes near ``MAX_BODY``; past it the attempt fails (``TooLarge``, not
retried: the same request would bring the same answer), having held at most
the bound in memory. A stream's text arrives in small events, so one line is
bounded the same way, however long the whole stream runs (``--timeout``
bounds that).
"""

from __future__ import annotations

import re

from . import ReplyFailed

MAX_BODY = 16 * 1024 * 1024  # bytes of a non-streamed body, and characters of one stream line
MAX_ERROR_BODY = 64 * 1024  # an error's body says why in a few hundred bytes
_NEWLINE = re.compile(r"\r\n|\r|\n")


class TooLarge(ReplyFailed):
    """The answer passed the bound; what was read of it is dropped."""


def _megabytes(limit: int) -> str:
    return f"{limit / 1024 / 1024:g} MB"


async def read_body(response, limit: int = MAX_BODY, what: str = "the response body") -> bytes:
    """The body, or ``TooLarge`` as soon as it passes ``limit`` bytes (the connection is then closed)."""
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"{what} passed {_megabytes(limit)}; it was not read further")
        chunks.append(chunk)
    return b"".join(chunks)


async def lines(response, limit: int = MAX_BODY):
    """The body's lines (``\\n``, ``\\r\\n`` or ``\\r`` ends one, as in server-sent events), each at most
    ``limit`` characters, else ``TooLarge``. Linear: a long line is kept in pieces until it ends."""
    pending: list[str] = []
    size = 0
    after_cr = False
    async for text in response.aiter_text():
        if after_cr and text.startswith("\n"):
            text = text[1:]
        after_cr = text.endswith("\r")
        parts = _NEWLINE.split(text)
        for part in parts[:-1]:
            if size + len(part) > limit:
                raise TooLarge(f"a line of the stream passed {_megabytes(limit)}; it was not read further")
            pending.append(part)
            yield "".join(pending)
            pending, size = [], 0
        pending.append(parts[-1])
        size += len(parts[-1])
        if size > limit:
            raise TooLarge(f"a line of the stream passed {_megabytes(limit)}; it was not read further")
    if size:
        yield "".join(pending)
