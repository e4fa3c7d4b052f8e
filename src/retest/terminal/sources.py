"""A reply's sources as lines of text, for ``archive show``, ``archive export --format markdown`` and ``claims``."""

from __future__ import annotations



def source_lines(sources: list[dict]) -> list[str]:
    from ..check.grounding import label

    out = []
    for i, s in enumerate(sources, start=1):
        how = "cited" if s.get("cited") else "consulted"
        extra = [x for x in (s.get("date"), f"arXiv:{s['arxiv_id']}" if s.get("arxiv_id") else None) if x]
        line = f"{i}. {how}: {label(s)} — {s.get('url')}" + (f" ({', '.join(extra)})" if extra else "")
        out.append(" ".join(line.split()))
    return out
