"""Replies and groups of replies as tables: ``retest archive list|search`` and ``retest archive stats``."""

from __future__ import annotations


def _when(stamp: str | None) -> str:
    """``11-25 10:41`` this year, ``2025-11-25`` before: short enough for 80 columns."""
    import datetime as dt

    if not stamp:
        return ""
    if stamp[:4] == str(dt.datetime.now(dt.timezone.utc).year):
        return stamp[5:16].replace("T", " ")
    return stamp[:10]


def _tokens(rec: dict) -> str:
    total = rec["usage"].get("total_tokens")
    if total is None:
        return "-"
    return f"{'~' if rec['usage'].get('estimated') else ''}{total:,}"


def _cost(rec: dict) -> str:
    from ..send.prices import format_usd

    cost = rec.get("cost") or {}
    if rec["status"] == "ok":  # "?": no price was known (never $0.00); narrow, so that 80 columns fit
        return "?" if cost.get("usd") is None else format_usd(cost["usd"], cost.get("estimated"))
    return format_usd(cost["spent_usd"], True) if cost.get("spent_usd") else "-"


def rows_table(rows: list[dict], with_reply: bool = True) -> str:
    from ..util.display import first_line, relative
    from .messages import meaning
    from .tables import Cell, Col, table

    # a failure too long for its column shows what it means ("key missing"), never its first letters
    previews = [first_line(rec["reply"], 200) if rec.get("reply") else
                Cell(first_line(rec.get("error") or "", 200), meaning(rec.get("error") or "")) for rec in rows]
    widest_failure = max((len(p.short) for p in previews if isinstance(p, Cell)), default=0)
    one_template = len({rec.get("template") for rec in rows}) == 1  # then it says least, and gives way first
    cols = [Col("id", 2, 12, right=True), Col("when (UTC)", 10, 11), Col("status", 6, 7, colour=True),
            Col("model", 8, 30, 2), Col("template", 8, 16, 1, drop=3 if one_template else 0), Col("tokens", 6, 10, right=True, drop=1),
            Col("cost", 4, 10, right=True, drop=2), Col("source", 14, 90, 3, "middle"),
            Col("reply", max(14, min(widest_failure, 24)), 200, 1, fill=True)]
    cells = []
    for rec, preview in zip(rows, previews):
        cells.append([str(rec["id"]), _when(rec["created_at"]), rec["status"], rec["model"],
                      rec.get("template") or "(as is)", _tokens(rec), _cost(rec),
                      relative(rec.get("source") or "(prompt)") + _more(rec),
                      preview][: len(cols) if with_reply else -1])
    return table(cells, cols if with_reply else cols[:-1])


def _more(rec: dict) -> str:
    """`` (+N)``: N other documents made the same prompt (sent once; each keeps its claims)."""
    docs = rec.get("documents") or []
    return f" (+{len(docs) - 1})" if len(docs) > 1 and rec.get("source") in docs else ""


def stats_table(groups: list[dict], by: str, total: dict) -> str:
    from ..send.prices import format_usd
    from .tables import Col, table

    def row(g: dict, first: list[str]) -> list[str]:
        cost = format_usd(g["cost_usd"], g["cost_estimated"])
        notes = [f"+{g['unpriced']} unknown"] if g["unpriced"] and g["cost_usd"] is not None else []
        if g["priced_later"]:  # `archive reprice`: at a price given after they arrived
            notes.append(f"{g['priced_later']} priced later")
        cost += f" ({', '.join(notes)})" if notes else ""
        return first + [f"{g['requests']:,}", f"{g['ok']:,}", f"{g['failed']:,}",
                        f"{'~' if g['tokens_estimated'] else ''}{g['total_tokens']:,}", cost,
                        format_usd(g["spent_usd"], g["spent_estimated"])]

    head = [Col(by, 6, 12)] if by != "model" else []
    cols = head + [Col("model", 8, 40, 1), Col("requests", 8, right=True), Col("ok", 4, right=True),
                   Col("failed", 6, right=True), Col("tokens", 6, 14, right=True),
                   Col("cost (replies kept)", 19, 40, 1, right=True), Col("spent", 8, 14, right=True)]
    cells = [row(g, ([str(g[by] if g[by] is not None else "-")] if head else []) + [g["model"]]) for g in groups]
    cells.append(row(total, ([""] if head else []) + ["total"]))
    return table(cells, cols)
