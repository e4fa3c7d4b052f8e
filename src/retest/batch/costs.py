"""Batch replies priced at the provider's batch rates, as they are collected; ``--max-cost`` for a submit."""

from __future__ import annotations

from itertools import count


class BatchPrices:
    """The price of each batch's model at its endpoint, at batch rates; pricing never stops a collect."""

    def __init__(self):
        self.prices: dict[tuple[str, str], object] = {}
        self.user = None

    def cost(self, batch: dict, usage: dict | None):
        from ..send.prices import cost_of, load_user_prices, resolve

        try:
            key = (batch["model"], batch["endpoint"])
            if key not in self.prices:
                if self.user is None:
                    self.user = load_user_prices()
                self.prices[key] = resolve(*key, batch=True, user=self.user)
            return cost_of(self.prices[key], usage)
        except Exception:  # noqa: BLE001 — a paid reply is archived whatever its price
            return None


def admission(spend):
    """``admit(settings, text)`` for ``write_requests``: reserves each request's worst case, refusing past
    the ceiling (a batch's replies are only priced when collected, so every reservation stays)."""
    from ..send.job import Job

    keys = count()

    def admit(s, text: str) -> bool:
        return spend.reserve(Job(text=text, label="", settings=s), key=next(keys))

    return admit
