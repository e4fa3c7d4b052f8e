"""What replies cost, as stored: each reply's own cost, and what was *spent* on it.

``cost_usd`` is the kept reply's price (NULL when unknown — never 0 for
unknown); ``spent_usd`` adds every attempt that may have been billed without
giving a reply (a timeout, a stream cut after text arrived), so a run's
"spent" is never less than "for replies kept". The figures are computed when
the reply arrives (``send.prices``); reading them back needs no price table.
"""

from __future__ import annotations

from .connection import now

GROUPS = {"model": None, "day": "substr(r.created_at, 1, 10)", "run": "r.run_id"}
TOTALS = ("requests", "ok", "failed", "pending", "attempts", "prompt_tokens", "completion_tokens", "total_tokens",
          "unpriced", "priced_later")


def totals(groups: list[dict]) -> dict:
    """``Archive.stats`` groups added up: sums, and a cost that is unknown only when no group's is known."""
    out = {k: sum(g[k] for g in groups) for k in TOTALS}
    for key in ("cost_usd", "spent_usd"):
        known = [g[key] for g in groups if g[key] is not None]
        out[key] = sum(known) if known else None
    for key in ("tokens_estimated", "cost_estimated", "spent_estimated"):
        out[key] = any(g[key] for g in groups)
    return out


def cost_record(rec: dict) -> dict:
    """``{usd, estimated, source, spent_usd, spent_estimated, priced_at}`` out of a reply row's columns (which it
    removes); ``priced_at`` is when a reply kept without a price was priced later, else None."""
    usd = rec.pop("cost_usd", None)
    return {"usd": usd, "estimated": bool(rec.pop("cost_estimated", 0)), "source": rec.pop("cost_source", None),
            "spent_usd": rec.pop("spent_usd", None), "spent_estimated": bool(rec.pop("spent_estimated", 0)),
            "priced_at": rec.pop("cost_priced_at", None)}


class Costs:
    """Writing costs as replies and attempts end; totals per model, day or run."""

    def set_cost(self, reply_id: int, cost) -> None:
        """The kept reply's cost (a ``send.prices.Cost``, or None when unknown); it counts as spent too, once:
        a reply already priced keeps its figures."""
        if cost is None:
            return
        with self.transaction():
            cur = self.db.execute(
                "UPDATE replies SET cost_usd = ?, cost_estimated = ?, cost_source = ?,"
                " spent_usd = coalesce(spent_usd, 0) + ?, spent_estimated = max(spent_estimated, ?)"
                " WHERE id = ? AND cost_usd IS NULL AND cost_source IS NULL",
                (cost.usd, int(cost.estimated), cost.source, cost.usd, int(cost.estimated), reply_id))
            if cur.rowcount:
                self.refresh_entries(reply_id)  # the ledger shows each verdict's cost

    def attempt_cost(self, reply_id: int, n: int, *, prompt_tokens: int | None, completion_tokens: int | None,
                     cost) -> None:
        """An attempt that failed after the request was accepted: its estimated tokens and cost, as spent."""
        with self.transaction():
            self.db.execute("UPDATE attempts SET prompt_tokens = ?, completion_tokens = ?, cost_usd = ?"
                            " WHERE reply_id = ? AND n = ?",
                            (prompt_tokens, completion_tokens, cost.usd if cost else None, reply_id, n))
            if cost is not None:
                self.db.execute("UPDATE replies SET spent_usd = coalesce(spent_usd, 0) + ?, spent_estimated = 1"
                                " WHERE id = ?", (cost.usd, reply_id))

    def unpriced(self, model: str | None = None) -> list[dict]:
        """Kept replies without a cost (never those pasted in by hand), with the counts to price them by;
        ``model`` is a model name, or ``MODEL@ENDPOINT`` for a named endpoint's."""
        where, args = "", ()
        if model:
            where, args = " AND (r.model = ? OR r.model || '@' || r.endpoint_name = ?)", (model, model)
        return [dict(r) for r in self._read(
            "SELECT r.id, r.model, r.endpoint, r.endpoint_name, r.prompt_tokens, r.completion_tokens,"
            " r.cached_tokens, r.reasoning_tokens, r.usage_estimated,"
            " EXISTS (SELECT 1 FROM batch_requests b WHERE b.reply_id = r.id) AS batched"
            " FROM replies r WHERE r.status = 'ok' AND r.cost_usd IS NULL AND r.cost_source IS NULL"
            f" AND coalesce(r.endpoint_name, '') != 'pasted'{where} ORDER BY r.id", args)]

    def unpriced_attempts(self, reply_id: int) -> list[dict]:
        """The reply's attempts that may have been billed (their tokens were estimated) at no known price."""
        return [dict(r) for r in self._read(
            "SELECT n, prompt_tokens, completion_tokens FROM attempts WHERE reply_id = ? AND cost_usd IS NULL"
            " AND (prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL) ORDER BY n", (reply_id,))]

    def price_later(self, reply_id: int, cost, attempts: dict[int, float]) -> bool:
        """Give a reply kept without a price its cost now, marked as priced later, and its unpriced attempts
        theirs (``{n: usd}``); both count as spent. A reply priced meanwhile is left as it is."""
        extra = sum(attempts.values())
        with self.transaction():
            cur = self.db.execute(
                "UPDATE replies SET cost_usd = ?, cost_estimated = ?, cost_source = ?, cost_priced_at = ?,"
                " spent_usd = coalesce(spent_usd, 0) + ?, spent_estimated = max(spent_estimated, ?)"
                " WHERE id = ? AND cost_usd IS NULL AND cost_source IS NULL",
                (cost.usd, int(cost.estimated), cost.source, now(), cost.usd + extra,
                 int(cost.estimated or bool(attempts)), reply_id))
            if not cur.rowcount:
                return False
            for n, usd in attempts.items():
                self.db.execute("UPDATE attempts SET cost_usd = ? WHERE reply_id = ? AND n = ? AND cost_usd IS NULL",
                                (usd, reply_id, n))
            self.refresh_entries(reply_id)
        return True

    def costs_of(self, reply_ids: list[int]) -> dict[int, dict]:
        """``{id: {cost_usd, cost_estimated, cost_source, spent_usd}}`` for these replies."""
        ids, out = sorted(set(reply_ids)), {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for r in self._read("SELECT id, cost_usd, cost_estimated, cost_source, cost_priced_at, spent_usd"
                                " FROM replies"
                                f" WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                out[r["id"]] = dict(r)
        return out

    def unclaim(self, reply_id: int) -> None:
        """Give back a claim never sent (the cost ceiling): the row goes, as if never claimed; else released."""
        with self.transaction():
            gone = self.db.execute("DELETE FROM replies WHERE id = ? AND status = 'pending' AND attempts = 0"
                                   " AND NOT EXISTS (SELECT 1 FROM batch_requests b WHERE b.reply_id = replies.id)",
                                   (reply_id,)).rowcount
            if not gone:
                self.db.execute("UPDATE replies SET owner = NULL WHERE id = ? AND status = 'pending'", (reply_id,))

    def stats(self, by: str = "model", since: str | None = None) -> list[dict]:
        """Requests, tokens, cost and failures per model (and per day or run), oldest group first."""
        extra = GROUPS[by]
        keys = ([f"{extra} AS {by}"] if extra else []) + ["r.model AS model", "r.endpoint_name AS endpoint"]
        group = ", ".join(([by] if extra else []) + ["model", "endpoint"])
        where, args = ("WHERE r.created_at >= ?", (since,)) if since else ("", ())
        rows = self._read(
            f"SELECT {', '.join(keys)}, count(*) AS requests,"
            " sum(r.status = 'ok') AS ok, sum(r.status = 'failed') AS failed, sum(r.status = 'pending') AS pending,"
            " sum(r.attempts) AS attempts, sum(r.prompt_tokens) AS prompt_tokens,"
            " sum(r.completion_tokens) AS completion_tokens, sum(r.total_tokens) AS total_tokens,"
            " max(r.usage_estimated) AS tokens_estimated, sum(r.cost_usd) AS cost_usd,"
            " max(r.cost_estimated) AS cost_estimated, sum(r.spent_usd) AS spent_usd,"
            " max(r.spent_estimated) AS spent_estimated,"
            " sum(r.status = 'ok' AND r.cost_usd IS NULL AND coalesce(r.endpoint_name, '') != 'pasted') AS unpriced,"
            " sum(r.cost_priced_at IS NOT NULL) AS priced_later,"
            " min(r.created_at) AS first,"
            " max(r.created_at) AS last"
            f" FROM replies r {where} GROUP BY {group} ORDER BY {group}", args)
        out = []
        ambiguous = self.ambiguous_models()  # the same model name at two endpoints: two rows, labelled apart
        for row in rows:
            rec = dict(row)
            if rec["endpoint"] and rec["model"] in ambiguous:
                rec["model"] = f"{rec['model']}@{rec['endpoint']}"
            for k in ("tokens_estimated", "cost_estimated", "spent_estimated"):
                rec[k] = bool(rec[k])
            for k in ("ok", "failed", "pending", "attempts", "prompt_tokens", "completion_tokens", "total_tokens",
                      "unpriced", "priced_later"):
                rec[k] = rec[k] or 0
            out.append(rec)
        return out
