"""``retest archive stats``: requests, tokens, cost and failures per model — per day or per run too."""

from __future__ import annotations

import json

import click

TOTALS = ("requests", "ok", "failed", "pending", "attempts", "prompt_tokens", "completion_tokens", "total_tokens",
          "unpriced")


def totals(groups: list[dict]) -> dict:
    """The groups added up: sums, and a cost that is unknown only when no group's is known."""
    out = {k: sum(g[k] for g in groups) for k in TOTALS}
    for key in ("cost_usd", "spent_usd"):
        known = [g[key] for g in groups if g[key] is not None]
        out[key] = sum(known) if known else None
    for key in ("tokens_estimated", "cost_estimated", "spent_estimated"):
        out[key] = any(g[key] for g in groups)
    return out


def _table(groups: list[dict], by: str, total: dict) -> str:
    from ..send.prices import format_usd
    from .views import Col, table

    def row(g: dict, first: list[str]) -> list[str]:
        cost = format_usd(g["cost_usd"], g["cost_estimated"])
        if g["unpriced"]:
            cost += f" (+{g['unpriced']} unknown)" if g["cost_usd"] is not None else ""
        return first + [f"{g['requests']:,}", f"{g['ok']:,}", f"{g['failed']:,}",
                        f"{'~' if g['tokens_estimated'] else ''}{g['total_tokens']:,}", cost,
                        format_usd(g["spent_usd"], g["spent_estimated"])]

    head = [Col(by, 6, 12)] if by != "model" else []
    cols = head + [Col("model", 8, 40, 1), Col("requests", 8, right=True), Col("ok", 4, right=True),
                   Col("failed", 6, right=True), Col("tokens", 6, 14, right=True),
                   Col("cost (replies kept)", 10, 30, right=True), Col("spent", 8, 14, right=True)]
    cells = [row(g, ([str(g[by] if g[by] is not None else "-")] if head else []) + [g["model"]]) for g in groups]
    cells.append(row(total, ([""] if head else []) + ["total"]))
    return table(cells, cols)


@click.command("stats", short_help="Requests, tokens, cost and failures per model (per day or run).")
@click.option("--by", type=click.Choice(["model", "day", "run"]), default="model", show_default=True,
              help="Per model, or per day (UTC) or run and model.")
@click.option("--since", metavar="YYYY-MM-DD", help="Only replies created on or after this day (UTC).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output: {groups, total}.")
@click.option("--archive", "archive_path", metavar="FILE", help="SQLite archive [env: RETEST_ARCHIVE].")
def command(by, since, as_json, archive_path) -> None:
    """What was sent and what it cost: "cost" is the replies kept, "spent" adds attempts that may have been
    billed without a reply. Costs are as priced when each reply arrived; "unknown" where no price was known."""
    from .archive import _since, open_or_explain

    since = _since(since)
    archive = open_or_explain(archive_path)
    groups = []
    if archive is not None:
        with archive:
            groups = archive.stats(by, since)
    total = totals(groups)
    if as_json:
        click.echo(json.dumps({"by": by, "since": since, "groups": groups, "total": total}, indent=2))
        return
    if not groups:
        if archive is not None:
            click.echo("no replies match" if since else "no replies yet", err=True)
        return
    click.echo(_table(groups, by, total))
