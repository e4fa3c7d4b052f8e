"""Pricing later: replies kept while no price was known for their model get one when a price is given since
(``--price``, the prices file), marked as priced later. A cost found as a reply arrived is never changed.

The cost is made from the counts archived with the reply (prompt, cached, reply and reasoning tokens), at the
rates that hold for it now: its endpoint's, and the batch rates for a reply that came through a Batch API.
What was never archived (the number of searches a grounded reply made) cannot be priced.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .prices import Cost, Price, load_user_prices, resolve


@dataclass
class Repriced:
    """Per model: the replies priced (and what they cost), those still without a price, those without counts."""

    priced: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    usd: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    estimated: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    unpriced: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    no_usage: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def reprice(archive, *, given: dict | None = None, model: str | None = None, dry_run: bool = False) -> Repriced:
    """Price every kept reply that has no cost (only ``model``'s, when given); with ``dry_run``, only say what
    they would cost."""
    user = load_user_prices()
    providers = _providers()
    prices: dict[tuple, Price | None] = {}
    done = Repriced()
    for row in archive.unpriced(model):
        voice = row["model"] + (f"@{row['endpoint_name']}" if row["endpoint_name"] else "")
        key = (row["model"], row["endpoint"], row["endpoint_name"], bool(row["batched"]))
        if key not in prices:
            prices[key] = resolve(row["model"], row["endpoint"] or "?", batch=bool(row["batched"]), given=given,
                                  user=user, provider=providers.get(row["endpoint_name"]))
        price = prices[key]
        if price is None:
            done.unpriced[voice] += 1
            continue
        cost = price.cost({k: row[k] for k in ("prompt_tokens", "completion_tokens", "cached_tokens",
                                                "reasoning_tokens")} | {"estimated": bool(row["usage_estimated"])})
        if cost is None:
            done.no_usage[voice] += 1
            continue
        attempts = {}
        for a in archive.unpriced_attempts(row["id"]):
            billed = price.cost({"prompt_tokens": a["prompt_tokens"], "completion_tokens": a["completion_tokens"],
                                 "estimated": True})
            if billed is not None:
                attempts[a["n"]] = billed.usd
        if not dry_run and not archive.price_later(row["id"], cost, attempts):
            continue  # priced meanwhile by another run
        _count(done, voice, cost, price)
    return done


def _count(done: Repriced, voice: str, cost: Cost, price: Price) -> None:
    done.priced[voice] += 1
    done.usd[voice] += Decimal(str(cost.usd))
    if cost.estimated:
        done.estimated.add(voice)
    done.labels[voice] = price.label


def _providers() -> dict[str, str]:
    """The price table's provider of each named endpoint that says one (an unreadable endpoints file: none)."""
    from ..errors import RetestError
    from .endpoints import Endpoints

    try:
        known = Endpoints()
    except (RetestError, OSError):
        return {}
    out = {}
    for name in known.names:
        try:
            provider = known.get(name).provider
        except RetestError:
            continue
        if provider:
            out[name] = provider
    return out
