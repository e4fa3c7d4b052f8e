"""The report's public face: everything one page shows, and that page as a string (small reports and tests).

The pages need nothing but themselves — no scripts, external styles, fonts or
images — so they open from ``file://`` and survive being mailed. What a page
shows is made in ``documents``, written by ``pages``; this module only joins
the two (``pages`` never imports it).
"""

from __future__ import annotations

from .documents import KINDS, SPLIT_AT, document, entries_of, grouped, make_reply_page, now, summarise, titles_of

__all__ = ["KINDS", "SPLIT_AT", "build_report", "make_reply_page", "render_report"]


def build_report(archive, *, paths: list[str] | None = None, source: str | None = None,
                 model: str | None = None, on_error=None) -> dict:
    """Everything one page shows, grouped by document."""
    titles = titles_of(paths) if paths else {}
    docs = [document(archive, src, group, titles.get(src))
            for src, group in grouped(entries_of(archive, paths=paths, source=source, model=model,
                                                 on_error=on_error))]
    return {"docs": docs, "summary": summarise(docs), "generated": now(),
            "archive": str(archive.path) if archive is not None else None}


def render_report(data: dict) -> str:
    """One page as a string."""
    import io

    from .pages import write_page

    buf = io.StringIO()
    write_page(buf, data["docs"], {"generated": data["generated"], "archive": data["archive"]})
    return buf.getvalue()
