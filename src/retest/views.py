"""Readable terminal views (rich). Imported only when a table is printed."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table



class DocumentTable:
    """One row per document; with a single document, its claims and notes too.

    Works on the plain-data form of a Document (``parser.parse_raw``).
    """

    def __init__(self) -> None:
        self.first: dict | None = None
        self.count = 0
        self.summary = Table(title="Documents", show_lines=False)
        for name in ("source", "question", "notes", "claims", "anchors", "span", "warnings"):
            self.summary.add_column(name, overflow="fold")

    def add(self, doc: dict) -> None:
        self.first = self.first or doc
        self.count += 1
        self.summary.add_row(
            escape(doc["source"]), escape(doc["title"] or "—"), str(len(doc["notes"])), str(len(doc["claims"])),
            str(len(doc["anchors"])), _span(doc), escape("\n".join(doc["warnings"])),
        )

    def print(self) -> None:
        console = Console()
        if self.count == 1:
            console.print(detail(self.first))
        else:
            console.print(self.summary)


def _span(doc: dict) -> str:
    span = doc["span"]
    return f"{span['start'] or '?'} → {span['end'] or '?'}" if span["start"] or span["end"] else "—"


def detail(doc: dict) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_row(f"[bold]{escape(doc['title'] or doc['source'])}[/]")
    grid.add_row(f"[dim]{escape(doc['source'])} · {len(doc['notes'])} notes · span {_span(doc)}[/]")
    claims = Table(title="Claims", expand=True)
    claims.add_column("date", no_wrap=True)
    claims.add_column("arXiv", no_wrap=True)
    claims.add_column("claim", overflow="fold")
    for c in doc["claims"]:
        claims.add_row(c["date"] or "undated", "\n".join(c["arxiv_ids"]) or "—", escape(c["text"]))
    grid.add_row(claims)
    if doc["anchors"]:
        anchors = Table(title="Anchor papers", expand=True)
        for name in ("arXiv", "date", "label"):
            anchors.add_column(name)
        for a in doc["anchors"]:
            anchors.add_row(a["arxiv_id"], a["date"] or "—", escape(a["label"] or ""))
        grid.add_row(anchors)
    grid.add_row(f"[bold]Notes[/] ({len(doc['notes'])}; summaries in --json)")
    for n in doc["notes"]:
        grid.add_row(f"  • {escape(n['title'] or '(untitled) ' + n['summary'][:80] + '…')}")
    for w in doc["warnings"]:
        grid.add_row(f"[yellow]warning:[/] {escape(w)}")
    return grid

