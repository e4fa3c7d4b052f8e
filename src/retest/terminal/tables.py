"""Readable terminal views, as wide as the terminal and no wider.

Tables are laid out here, not by a widget: each column has a minimum, a
maximum and a share of what is left, long values are shortened with "…"
(paths in the middle, so both the folder and the file name stay readable),
and no line ends in spaces, whether it goes to a terminal or a file.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..util.display import neutral, shorten_middle, terminal_width


@dataclass(frozen=True)
class Col:
    name: str
    min: int = 4
    max: int = 200
    share: int = 0  # of the width left once every column has its minimum
    cut: str = "end"  # end | middle
    right: bool = False
    colour: bool = False  # cells coloured by their word (statuses) on a terminal that takes colour


def _cut(text: str, width: int, how: str) -> str:
    if len(text) <= width:
        return text
    if how == "middle":
        return shorten_middle(text, width)
    return text[: max(width - 1, 0)] + "…" if width > 1 else text[:width]


def table(rows: list[list[str]], cols: list[Col], width: int | None = None, gap: int | None = None) -> str:
    """Rows of cells laid out in ``width`` columns (default: the terminal's)."""
    width = width or terminal_width()
    gap = gap if gap is not None else (1 if width < 100 else 2)
    cells = [[neutral(str(c), one_line=True) for c in row] for row in rows]
    natural = [max([len(col.name)] + [len(r[i]) for r in cells]) for i, col in enumerate(cols)]
    # fixed columns (no share) take what they need; the others start at their minimum
    widths = [min(natural[i], col.max) if not col.share else min(max(col.min, len(col.name)), natural[i])
              for i, col in enumerate(cols)]
    room = width - sum(widths) - gap * (len(cols) - 1)
    # give what is left to the columns that want more, by share, up to their natural width and max
    while room > 0:
        wanting = [i for i, col in enumerate(cols) if widths[i] < min(natural[i], col.max) and col.share]
        if not wanting:
            wanting = [i for i, col in enumerate(cols) if widths[i] < min(natural[i], col.max)]
        if not wanting:
            break
        total = sum(cols[i].share or 1 for i in wanting)
        given = 0
        for i in wanting:
            extra = max(1, room * (cols[i].share or 1) // total)
            extra = min(extra, min(natural[i], cols[i].max) - widths[i], room - given)
            widths[i] += extra
            given += extra
            if given >= room:
                break
        if not given:
            break
        room -= given
    if room < 0:  # narrower than the minimums: shrink the flexible columns first, the widest first
        for i in sorted(range(len(cols)), key=lambda i: (not cols[i].share, -widths[i])):
            take = min(-room, widths[i] - 3)
            if take > 0:
                widths[i] -= take
                room += take
            if room >= 0:
                break
    from .screen import paint

    lines = []
    for n, row in enumerate([[c.name for c in cols]] + cells):
        parts = []
        for i, col in enumerate(cols):
            text = _cut(row[i], widths[i], col.cut)
            padded = text.rjust(widths[i]) if col.right else text.ljust(widths[i])
            if col.colour and n:  # the padding stays outside the colour, so columns still line up
                stripped = padded.rstrip()
                padded = paint(stripped, row[i]) + padded[len(stripped):]
            parts.append(padded)
        lines.append((" " * gap).join(parts).rstrip())
    return "\n".join(lines)


class DocumentTable:
    """One row per document; with a single document, its claims and notes too.

    Works on the plain-data form of a Document (``parser.parse_raw``).
    """

    COLS = [Col("source", 10, 60, 1, "middle"), Col("question", 20, 120, 6), Col("notes", 5, right=True),
            Col("claims", 6, right=True), Col("anchors", 7, right=True), Col("span", 17, 17),
            Col("warnings", 4, 60, 1)]

    def __init__(self) -> None:
        self.first: dict | None = None
        self.rows: list[list[str]] = []

    def add(self, doc: dict) -> None:
        from ..util.display import relative

        self.first = self.first or doc
        self.rows.append([relative(doc["source"]), doc["title"] or "—", str(len(doc["notes"])),
                          str(len(doc["claims"])), str(len(doc["anchors"])), _span(doc),
                          "; ".join(doc["warnings"]) or "—"])

    def render(self) -> str:
        if len(self.rows) == 1:
            return detail(self.first)
        whole = table(self.rows, self.COLS, width=100_000, gap=1)
        if max(len(line) for line in whole.splitlines()) > terminal_width():  # the question gets a line of its own
            return self.stacked()
        return whole

    def stacked(self, width: int | None = None) -> str:
        """Each document as its question (wrapped at word boundaries), then its path and counts below."""
        import textwrap

        width = max(40, width or terminal_width())
        out: list[str] = []
        for source, question, notes, claims, anchors, span, warnings in self.rows:
            out += textwrap.wrap(neutral(question, one_line=True), width=width, subsequent_indent="  ",
                                 break_long_words=False) or ["—"]
            facts = f"{source} · {notes} notes · {claims} claims · {anchors} anchors · span {span}"
            if warnings != "—":
                facts += f" · warnings: {warnings}"
            out += textwrap.wrap(neutral(facts, one_line=True), width=width, initial_indent="  ",
                                 subsequent_indent="    ", break_long_words=False)
        return "\n".join(line.rstrip() for line in out)


def _span(doc: dict) -> str:
    span = doc["span"]
    return f"{span['start'] or '?'} → {span['end'] or '?'}" if span["start"] or span["end"] else "—"


def detail(doc: dict, width: int | None = None) -> str:
    """One document: its question, claims, anchors and notes, wrapped to the width."""
    import textwrap

    from ..util.display import relative

    width = max(40, width or terminal_width())
    wrap = lambda text, indent="", first="": textwrap.wrap(  # noqa: E731
        neutral(text, one_line=True), width=width, initial_indent=first or indent, subsequent_indent=indent) or [first]
    out = wrap(doc["title"] or doc["source"])
    out += wrap(f"{relative(doc['source'])} · {len(doc['notes'])} notes · {len(doc['claims'])} claims · "
                f"span {_span(doc)}")
    out += ["", f"Claims ({len(doc['claims'])})"]
    for i, c in enumerate(doc["claims"], start=1):
        papers = ", ".join(f"arXiv:{x}" for x in c["arxiv_ids"])
        when = c["date"] or "undated"
        out += wrap(f"{c['text']} ({when}{'; ' + papers if papers else ''})", " " * 6, f"  {i:>2}. ")
    if doc["anchors"]:
        out += ["", f"Anchor papers ({len(doc['anchors'])})"]
        for a in doc["anchors"]:
            out += wrap(f"arXiv:{a['arxiv_id']} ({a['date'] or '?'}) {('— ' + a['label']) if a['label'] else ''}",
                        " " * 6, "    • ")
    out += ["", f"Notes ({len(doc['notes'])}; summaries in --json)"]
    for n in doc["notes"]:
        out += wrap(n["title"] or "(untitled) " + n["summary"][:80] + "…", " " * 6, "    • ")
    for w in doc["warnings"]:
        out += wrap(f"warning: {w}", " " * 2)
    return "\n".join(line.rstrip() for line in out)
