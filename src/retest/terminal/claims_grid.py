"""``retest claims`` on a terminal: one row a claim, one short cell a model, so a document fits a screen.

The per-model detail (evidence, notes, sources) stays behind ``--detail``; pipes and narrow terminals get it
as before. Claim text is Markdown: its emphasis is rendered, never shown as ``*raw*``.
"""

from __future__ import annotations

import string

_SHORT = {"holds": "holds", "revised": "revised", "overturned": "overt.", "unresolved": "unres."}
GROUNDED, UNSUPPORTED, RETRACTED = "⌕", "!", "†"
CELL = 9  # "revised⌕!", the widest cell; a model name longer than this heads its column as a letter
CLAIM_MIN = 24  # below this a claim cannot be read: the detailed layout is used instead


def fits(entries: list[dict], width: int) -> bool:
    """Whether the grid gives each claim at least ``CLAIM_MIN`` columns at ``width``."""
    return _claim_width(entries, _cell_width(entries), width) >= CLAIM_MIN


def _heads(models: list[str]) -> list[str]:
    if all(len(m) <= CELL for m in models):
        return models
    return [string.ascii_lowercase[i % 26] * (1 + i // 26) for i in range(len(models))]


def _cell_width(entries: list[dict]) -> list[int]:
    """Each model's column: as wide as its header and its widest cell, no wider."""
    models = _models(entries)
    widths = [len(h) for h in _heads(models)]
    for e in entries:
        latest = {v["model"]: v for v in e["verdicts"]}
        for i, m in enumerate(models):
            widths[i] = max(widths[i], len(cell(latest.get(m))[0]))
    return widths


def _models(entries: list[dict]) -> list[str]:
    seen: dict[str, None] = {}
    for e in entries:
        for v in e["verdicts"]:
            seen.setdefault(v["model"], None)
    return list(seen)


def _index_width(entries: list[dict]) -> int:
    return max(3, max((len(f"[{e['index']}]") for e in entries), default=3))


def _claim_width(entries: list[dict], cells: list[int], width: int) -> int:
    return width - _index_width(entries) - 1 - sum(w + 1 for w in cells)


def cell(v: dict | None) -> tuple[str, str | None]:
    """A verdict's short cell and the word that colours it."""
    if v is None or not v.get("status"):
        return "—", None
    text = _SHORT.get(v["status"], v["status"][:7])
    text += GROUNDED if v.get("grounded") else ""
    if v.get("supported") is False:
        return text + UNSUPPORTED, "unsupported"
    return text, v["status"]


def inline_markdown(text: str):
    """One line of Markdown as rich ``Text``: emphasis, strong and code styled, everything else as written."""
    from markdown_it import MarkdownIt
    from rich.text import Text

    out = Text()
    styles: list[str] = []
    for block in MarkdownIt("zero").enable(["emphasis", "backticks"]).parseInline(text):
        for tok in block.children or []:
            if tok.type in ("em_open", "strong_open"):
                styles.append("italic" if tok.type == "em_open" else "bold")
            elif tok.type in ("em_close", "strong_close"):
                styles.pop() if styles else None
            elif tok.type == "code_inline":
                out.append(tok.content, style="bold cyan")
            elif tok.type in ("softbreak", "hardbreak"):
                out.append(" ")
            else:
                out.append(tok.content, style=" ".join(styles) or None)
    return out


def _shortened(text, width: int):
    """``text`` cut at a word boundary to ``width`` cells, ending in "…" when cut."""
    if text.cell_len <= width:
        return text
    plain = text.plain
    cut = plain.rfind(" ", 0, width)
    cut = cut if cut > width // 2 else width - 1
    text = text[:cut]
    text.rstrip()
    text.append("…")
    return text


def render(entries: list[dict], width: int, colour: bool) -> str:
    """The grid: for each document its path, then a header of models and one row a claim, then the legend."""
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from ..util.display import neutral, relative, shorten_middle
    from .screen import style_of

    models = _models(entries)
    heads = _heads(models)
    lettered = heads != models
    cells_w = _cell_width(entries)
    claim_w = _claim_width(entries, cells_w, width)
    idx_w = _index_width(entries)
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=colour, no_color=not colour,
                      color_system="standard" if colour else None, legacy_windows=False, emoji=False,
                      highlight=False, markup=False)
    current, table = object(), None
    blocks: list[tuple[str, Table]] = []
    for e in entries:
        if e["source"] != current:
            current = e["source"]
            table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), header_style="bold")
            table.add_column("#", width=idx_w, justify="right", no_wrap=True)
            table.add_column("claim", width=claim_w, no_wrap=True)
            for h, w in zip(heads, cells_w):
                table.add_column(h, width=w, no_wrap=True)
            blocks.append((shorten_middle(relative(current or "(unknown source)"), width), table))
        latest = {v["model"]: v for v in e["verdicts"]}
        cells = []
        for m in models:
            word, style = cell(latest.get(m))
            colour_name = style_of(style) if style else None
            cells.append(Text(word, style=colour_name or ("dim" if word == "—" else None)))
        claim = inline_markdown(neutral(e["text"], one_line=True))
        if e.get("retracted"):  # the claim's own paper is retracted (OpenAlex)
            claim = Text(f"{RETRACTED} ", style=style_of("unsupported") or "bold") + claim
        # the index in the colour of the claim's consensus (`--detail` names it)
        table.add_row(Text(f"[{e['index']}]", style=style_of(e["consensus"] or "")), _shortened(claim, claim_w),
                      *cells)
    for n, (path, table) in enumerate(blocks):
        if n:
            console.print()
        console.print(Text(neutral(path, one_line=True), style="bold"))
        console.print(table)
    legend = [f"{GROUNDED} grounded", f"{UNSUPPORTED} unsupported (suspect evidence)", "— no verdict",
              "--detail: evidence, notes"]
    if any(e.get("retracted") for e in entries):
        legend.insert(2, f"{RETRACTED} its paper is retracted")
    if lettered:
        legend = [f"{h} = {m}" for h, m in zip(heads, models)] + legend
    console.print()
    console.print(Text(neutral(" · ".join(legend), one_line=True), style="dim"))
    return "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").split("\n"))
