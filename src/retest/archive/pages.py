"""Replies as the report shows them, made once when they arrive: the report then only reads them.

Stored compressed (HTML is several times the size of its Markdown, and
compresses to a fraction of it), with the key of what it was made from; a
reader whose key differs makes the page again itself.
"""

from __future__ import annotations

import zlib


class Pages:
    def save_reply_page(self, reply_id: int, key: str, html: str) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO reply_pages (reply_id, key, html) VALUES (?, ?, ?)",
                            (reply_id, key, zlib.compress(html.encode("utf-8"), 1)))

    def reply_page(self, reply_id: int, key: str) -> str | None:
        """The stored page of a reply when it was made from ``key``, else None."""
        rows = self._read("SELECT html FROM reply_pages WHERE reply_id = ? AND key = ?", (reply_id, key))
        if not rows:
            return None
        try:
            return zlib.decompress(rows[0][0]).decode("utf-8")
        except (zlib.error, UnicodeDecodeError, TypeError):
            return None  # made again by the reader
