"""What sending costs, as the commands show it: the run's accounting, the dry run's estimate, the summary's
figures. (``--max-cost`` and ``--price`` are in ``commands.common``.)"""

from __future__ import annotations

TYPICAL_REPLY = 1_500  # tokens: the reply length a dry run assumes when --max-output-tokens does not bound it


def spend_for(settings, max_cost, prices, batch: bool = False):
    """The run's accounting (``send.spend.Spend``), or one line naming the setting that is wrong."""
    from ..send.prices import parse_price_options
    from ..send.spend import Spend

    return Spend.for_settings(settings, max_cost=max_cost, given=parse_price_options(prices), batch=batch)


class DryRunCosts:
    """Per model: the input the prompts as built would cost, and the range its replies could add."""

    def __init__(self, spend, settings):
        from collections import Counter

        self.spend, self.settings = spend, settings
        self.tokens: Counter = Counter()
        self.prompts: Counter = Counter()
        self.estimated: set[str] = set()
        self.worst: list = []  # with --max-cost: each request's reservation, in the order they would start

    def add(self, model: str, tokens: int, estimated: bool, job=None) -> None:
        self.tokens[model] += tokens
        self.prompts[model] += 1
        if estimated:
            self.estimated.add(model)
        if self.spend.ceiling is not None and job is not None:
            from dataclasses import replace

            self.worst.append(self.spend.worst(replace(job, settings=next(s for s in self.settings
                                                                          if s.voice == model))))

    def lines(self) -> list[str]:
        from ..send.prices import format_usd
        from ..send.spend import SEARCHES_RESERVED

        out, unpriced = [], []
        for s in self.settings:
            n, tokens = self.prompts[s.voice], self.tokens[s.voice]
            price = self.spend.prices.get(s.voice)
            if not n:
                continue
            if price is None:
                unpriced.append(s)
                continue
            approx = s.voice in self.estimated
            search = bool(getattr(s, "search", None))
            fee = price.usd(0, 0)  # what each request costs whatever its tokens (a per-request fee)
            inp = price.usd(tokens, 0) - fee
            out_tokens = s.max_output_tokens or TYPICAL_REPLY
            most = price.usd(0, n * out_tokens, searches=n * SEARCHES_RESERVED if search else 0) - fee
            bound = (f"up to {n:,} × {out_tokens:,} tokens (--max-output-tokens)" if s.max_output_tokens
                     else f"~{n:,} × {TYPICAL_REPLY:,} tokens (a typical reply; --max-output-tokens bounds it)")
            searches = f", with up to {SEARCHES_RESERVED} searches a request" if search else ""
            fees = f"; request fees {format_usd(n * fee)} ({n:,} × {format_usd(fee)})" if fee else ""
            total = (f"at most {format_usd(inp + most + n * fee, approx)}" if s.max_output_tokens
                     else f"about {format_usd(inp + most + n * fee)}")  # "about" says it is not exact, once
            out.append(f"cost {s.voice}: input {format_usd(inp, approx)} for {'~' if approx else ''}{tokens:,} tokens"
                       f"; output $0.00 to {format_usd(most)} for {bound}{searches}{fees}; {total} ({price.label})")
        if unpriced:
            out.append(f"cost {', '.join(s.voice for s in unpriced)}: unknown — no price is known at "
                       f"{_endpoints(unpriced)} (--price INPUT/OUTPUT or the prices file gives one)")
        if self.worst:
            fit, total = 0, 0
            for w in self.worst:
                total += w
                if total > self.spend.ceiling:
                    break
                fit += 1
            out.append(f"--max-cost {format_usd(self.spend.ceiling)}: each request reserves up to "
                       f"{format_usd(max(self.worst))} before it starts; at least {fit:,} of {len(self.worst):,} "
                       "would be sent (more as replies cost less than their worst case)")
        return out


def summary_costs(spend, settings) -> str:
    """`` · cost $0.012`` (`` · cost $0.012 for replies kept, $0.015 spent`` when failed attempts may have been
    billed too; per model when several are priced), for the summary line."""
    if spend is None:
        return ""
    voices = [s.voice for s in settings]
    if len(voices) > 1 and any(spend.line(v) != "unknown" for v in voices):
        unknown = [v for v in voices if spend.line(v) == "unknown"]  # said together, once
        parts = [f"{v}: {spend.line(v)}" for v in voices if v not in unknown]
        return " · cost " + "; ".join(parts + ([f"{', '.join(unknown)}: unknown"] if unknown else []))
    return " · cost " + spend.line()


def price_hint(spend, settings) -> str | None:
    """The one line, after the summary, naming every model this run could not price and how to give a price."""
    models = spend.unpriced_models() if spend is not None else []
    if not models:
        return None
    return (f"no price is known for {_names(models)} at {_endpoints(settings)}: --price INPUT/OUTPUT (USD per million "
            "tokens) or the prices file gives one; `retest archive reprice` then prices the replies kept without one")


def _names(models) -> str:
    return ", ".join(models[:-1]) + f" and {models[-1]}" if len(models) > 1 else models[0]


def _endpoints(settings) -> str:
    return ", ".join(dict.fromkeys(s.endpoint for s in settings))


def unsent_line(spend) -> str | None:
    if spend is None or not spend.unsent:
        return None
    return (f"{spend.unsent} request(s) not sent: {spend.why}; run the same command with a higher --max-cost to "
            "send only the rest")
