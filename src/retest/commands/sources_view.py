"""A reply's sources as lines of text, for ``archive show``, ``archive export --format markdown`` and ``claims``."""

from __future__ import annotations

from urllib.parse import urlsplit


def label(source: dict) -> str:
    """A source in a few words: its title, else its domain, else its URL."""
    title = (source.get("title") or "").strip()
    if title:
        return " ".join(title.split())[:120]
    try:
        host = urlsplit(source.get("url") or "").hostname
    except ValueError:
        host = None
    return host or (source.get("url") or "?")[:120]


def source_lines(sources: list[dict]) -> list[str]:
    out = []
    for i, s in enumerate(sources, start=1):
        how = "cited" if s.get("cited") else "consulted"
        extra = [x for x in (s.get("date"), f"arXiv:{s['arxiv_id']}" if s.get("arxiv_id") else None) if x]
        line = f"{i}. {how}: {label(s)} — {s.get('url')}" + (f" ({', '.join(extra)})" if extra else "")
        out.append(" ".join(line.split()))
    return out
