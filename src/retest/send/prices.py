"""What a reply costs, from its usage: the provider's own figure, the user's price, or genai-prices' table.

In this order: a cost the provider reports in the reply (Perplexity's
``usage.cost.total_cost``) wins and is marked *reported*; else a price the
user gave (``--price``, then the prices file — by model, then by endpoint);
else the price table bundled in ``genai-prices`` (used offline, never
updated over the network), for the provider the endpoint belongs to. A model
the table does not know, or any model at a local or private address (which
is self-hosted), has no price: its cost is *unknown*, never $0.00. Costs
made from estimated token counts are estimates (``~$0.012``). Batch requests
are priced at the provider's batch rates where the table has them.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import RetestError

MILLION = Decimal(1_000_000)
_RATE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*/\s*([0-9]+(?:\.[0-9]+)?)\s*")


class PriceError(RetestError):
    """A price setting that cannot be read: one line naming it."""


@dataclass(frozen=True)
class Cost:
    """What one reply or attempt cost, in USD."""

    usd: float
    estimated: bool = False
    source: str = "table"  # table | user | reported


@dataclass(frozen=True)
class Rates:
    """A price the user gave: USD per million tokens (input, output, cached input) and per search."""

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    search: Decimal | None = None
    label: str = "--price"


def parse_rates(text: str, label: str = "--price") -> Rates:
    """``INPUT/OUTPUT`` in USD per million tokens, e.g. ``2.5/10`` (``0/0`` for a server that costs nothing)."""
    m = _RATE.fullmatch(text[:100])
    if not m:
        raise PriceError(f"{label} {text[:60]!r}: give INPUT/OUTPUT in USD per million tokens, e.g. 2.5/10")
    return Rates(Decimal(m.group(1)), Decimal(m.group(2)), label=label)


def parse_price_options(values) -> dict[str | None, Rates]:
    """``--price IN/OUT`` (every model of the run) and ``--price MODEL=IN/OUT``, repeatable."""
    out: dict[str | None, Rates] = {}
    for value in values or ():
        model, eq, rates = value.rpartition("=")
        out[model if eq else None] = parse_rates(rates if eq else value, f"--price {value[:60]}")
    return out


def prices_file() -> Path:
    """``RETEST_PRICES``, else ``prices.toml`` in the user's config folder."""
    if os.environ.get("RETEST_PRICES"):
        return Path(os.environ["RETEST_PRICES"]).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("retest")) / "prices.toml"


def _number(value, where: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise PriceError(f"{where}: a price is a number of USD, 0 or more")
    return Decimal(str(value))


def load_user_prices(path: Path | None = None) -> dict:
    """The prices file: ``{"models": {name: Rates}, "endpoints": {host: Rates | provider id}}``; empty if absent."""
    path = path or prices_file()
    if not path.is_file():
        return {"models": {}, "endpoints": {}}
    import tomllib

    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, UnicodeDecodeError) as exc:
        raise PriceError(f"prices file {path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PriceError(f"prices file {path}: not valid TOML ({exc})") from None
    out: dict = {"models": {}, "endpoints": {}}
    for table in ("models", "endpoints"):
        section = data.get(table, {})
        if not isinstance(section, dict):
            raise PriceError(f"prices file {path}: [{table}] must be a table")
        for name, entry in section.items():
            where = f"prices file {path}: [{table}.{name!r}]"
            if not isinstance(entry, dict):
                raise PriceError(f"{where} must be a table (input = …, output = …)")
            if table == "endpoints" and isinstance(entry.get("provider"), str):
                out[table][name] = entry["provider"]
                continue
            unknown = ", ".join(sorted(set(entry) - {"input", "output", "cached_input", "search"}))
            if unknown or "input" not in entry or "output" not in entry:
                raise PriceError(f"{where}: give input and output (USD per million tokens); cached_input and "
                                 f"search (USD per search) may follow{'; unknown: ' + unknown if unknown else ''}")
            out[table][name] = Rates(_number(entry["input"], where), _number(entry["output"], where),
                                     _number(entry.get("cached_input"), where), _number(entry.get("search"), where),
                                     label=f"{path.name} [{table}.{name}]")
    return out


def self_hosted(endpoint: str) -> bool:
    """Whether ``host[:port]`` is this machine or a private network: a server of one's own."""
    host = endpoint.rsplit(":", 1)[0] if endpoint.count(":") == 1 else endpoint.strip("[]")
    if host in ("localhost", "?") or host.endswith((".local", ".localhost", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


class Price:
    """One model at one endpoint, priced: by the user's rates, or by the table's entry."""

    def __init__(self, model: str, *, rates: Rates | None = None, table=None, batch: bool = False):
        self.model, self.rates, self.table, self.batch = model, rates, table, batch

    @property
    def source(self) -> str:
        return "user" if self.rates is not None else "table"

    @property
    def label(self) -> str:
        if self.rates is not None:
            return self.rates.label
        provider, info = self.table
        return f"genai-prices: {provider.id} {info.id}" + (" (batch)" if self.batch else "")

    def usd(self, input_tokens: int = 0, output_tokens: int = 0, cached: int = 0, reasoning: int = 0,
            searches: int = 0) -> Decimal:
        """The price of these counts (cached and reasoning tokens are part of input and output)."""
        cached = min(cached or 0, input_tokens)
        if self.rates is not None:
            r = self.rates
            cached_rate = r.cached_input if r.cached_input is not None else r.input
            return ((input_tokens - cached) * r.input + cached * cached_rate + output_tokens * r.output) / MILLION \
                + searches * (r.search or 0)
        from genai_prices import Usage

        provider, info = self.table
        values = {"input_tokens": input_tokens, "output_tokens": output_tokens}
        if cached:
            values["cache_read_tokens"] = cached
        if reasoning and reasoning <= output_tokens:
            values["output_reasoning_tokens"] = reasoning
        if searches:
            values["web_searches"] = searches
        context = {"processing": "batch"} if self.batch else None
        return info.calc_price(Usage(**values), provider, price_context=context).total_price

    def cost(self, usage: dict | None) -> Cost | None:
        """The reply's cost from its (normalised) usage; None when there is nothing to price it by."""
        usage = usage or {}
        reported = usage.get("reported_cost")
        if isinstance(reported, int | float) and not isinstance(reported, bool) and math.isfinite(reported) \
                and reported >= 0:
            return Cost(float(reported), False, "reported")
        prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
        if prompt is None and completion is None:
            return None
        try:
            usd = self.usd(prompt or 0, completion or 0, usage.get("cached_tokens") or 0,
                           usage.get("reasoning_tokens") or 0, usage.get("searches") or 0)
        except (ArithmeticError, ValueError, TypeError, InvalidOperation):
            return None
        return Cost(float(usd), bool(usage.get("estimated")) or prompt is None or completion is None, self.source)


def cost_of(price: Price | None, usage: dict | None) -> Cost | None:
    """A reply's cost: the provider's own figure even for a model without a price, else by ``price``."""
    if price is None:
        price = Price("?", rates=Rates(Decimal(0), Decimal(0)))
        return price.cost({"reported_cost": (usage or {}).get("reported_cost")})
    return price.cost(usage)


def resolve(model: str, endpoint: str, *, batch: bool = False, given: dict | None = None,
            user: dict | None = None, provider: str | None = None) -> Price | None:
    """The price of ``model`` at ``endpoint`` (``host[:port]``), or None when it is unknown.

    ``given``: ``--price`` options (``{model or None: Rates}``); ``user``: the prices file.
    """
    given = given or {}
    user = user if user is not None else load_user_prices()
    for rates in (given.get(model), given.get(None), user["models"].get(model)):
        if rates is not None:
            return Price(model, rates=rates, batch=batch)
    by_endpoint = user["endpoints"].get(endpoint) or user["endpoints"].get(endpoint.split(":")[0]) or provider
    if isinstance(by_endpoint, Rates):
        return Price(model, rates=by_endpoint, batch=batch)
    if by_endpoint is None and self_hosted(endpoint):
        return None  # a server of one's own: priced only when the user says so
    from genai_prices import data_snapshot

    snapshot = data_snapshot.get_snapshot()
    try:
        if isinstance(by_endpoint, str):
            table = snapshot.find_provider_model(model, None, by_endpoint, None)
        else:
            try:
                provider = snapshot.find_provider(None, None, f"https://{endpoint}")
            except LookupError:  # a gateway the table does not know: the model's own provider
                provider = None
            # a provider's own endpoint prices only the models it lists (and those it serves for others)
            table = snapshot.find_provider_model(model, provider, None, None)
    except LookupError:
        return None
    return Price(model, table=table, batch=batch)


def format_usd(usd: float | Decimal | None, estimated: bool = False) -> str:
    """``$0.0123``, ``~$1.20``, ``$0.00`` for a real zero, and ``unknown`` — never $0.00 for unknown."""
    if usd is None:
        return "unknown"
    usd = float(usd)
    if usd == 0:
        text = "$0.00"
    elif usd < 0.01:
        text = f"${usd:.4f}"
    elif usd < 100:
        text = f"${usd:.3f}" if usd < 1 else f"${usd:,.2f}"
    else:
        text = f"${usd:,.0f}"
    return ("~" if estimated else "") + text
