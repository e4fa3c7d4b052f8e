"""Readable terminal views (rich). Imported only when a table is printed."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .models import Document


class DocumentTable:
    """One row per document; with a single document, its claims and notes too."""

    def __init__(self) -> None:
        self.first: Document | None = None
        self.count = 0
        self.summary = Table(title="Documents", show_lines=False)
        for name in ("source", "question", "notes", "claims", "anchors", "span", "warnings"):
            self.summary.add_column(name, overflow="fold")

    def add(self, doc: Document) -> None:
        self.first = self.first or doc
        self.count += 1
        span = f"{doc.span.start or '?'} → {doc.span.end or '?'}" if doc.span.start or doc.span.end else "—"
        self.summary.add_row(
            doc.source, doc.title or "—", str(len(doc.notes)), str(len(doc.claims)),
            str(len(doc.anchors)), span, "\n".join(doc.warnings) or "",
        )

    def print(self) -> None:
        console = Console()
        if self.count == 1:
            console.print(detail(self.first))
        else:
            console.print(self.summary)


def detail(doc: Document) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_row(f"[bold]{_esc(doc.title or doc.source)}[/]")
    grid.add_row(f"[dim]{_esc(doc.source)} · {len(doc.notes)} notes · span "
                 f"{doc.span.start or '?'} → {doc.span.end or '?'}[/]")
    claims = Table(title="Claims", expand=True)
    claims.add_column("date", no_wrap=True)
    claims.add_column("arXiv", no_wrap=True)
    claims.add_column("claim", overflow="fold")
    for c in doc.claims:
        claims.add_row(c.date or "undated", "\n".join(c.arxiv_ids) or "—", _esc(c.text))
    grid.add_row(claims)
    if doc.anchors:
        anchors = Table(title="Anchor papers", expand=True)
        for name in ("arXiv", "date", "label"):
            anchors.add_column(name)
        for a in doc.anchors:
            anchors.add_row(a.arxiv_id, a.date or "—", _esc(a.label or ""))
        grid.add_row(anchors)
    notes = Table(title="Notes", expand=True)
    notes.add_column("title", overflow="fold", ratio=1)
    notes.add_column("summary", overflow="fold", ratio=2)
    for n in doc.notes:
        notes.add_row(_esc(n.title or "(untitled)"), _esc(n.summary))
    grid.add_row(notes)
    for w in doc.warnings:
        grid.add_row(f"[yellow]warning:[/] {_esc(w)}")
    return grid


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)
