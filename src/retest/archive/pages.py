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

    def page_reply(self, reply_id: int) -> dict | None:
        """What the report shows of a reply, in one read: its text, times, template, and its stored page
        (``page``, still compressed: ``unpack`` it) with the key it was made from (``page_key``)."""
        rows = self._read(
            "SELECT r.id, r.status, r.reply, r.created_at, r.finished_at, r.verdicts_note, r.endpoint_name, p.template,"
            " r.prompt_tokens, r.completion_tokens, r.usage_estimated, r.cost_usd, r.cost_estimated, r.cost_priced_at,"
            " rp.key AS page_key, rp.html AS page FROM replies r JOIN prompts p ON p.id = r.prompt_id"
            " LEFT JOIN reply_pages rp ON rp.reply_id = r.id WHERE r.id = ?", (reply_id,))
        return dict(rows[0]) if rows else None


def unpack(html: bytes | None) -> str | None:
    """A stored page as text; None when it cannot be read (the reader makes it again)."""
    if html is None:
        return None
    try:
        return zlib.decompress(html).decode("utf-8")
    except (zlib.error, UnicodeDecodeError, TypeError):
        return None
