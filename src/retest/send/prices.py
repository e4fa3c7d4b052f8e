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
import socket
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
    """A price the user gave: USD per million tokens (input, output, cached input; reasoning and citation tokens
    a provider bills apart from the output, as Perplexity's deep research does) and per search."""

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    search: Decimal | None = None
    label: str = "--price"
    reasoning: Decimal | None = None
    citation: Decimal | None = None


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
            keys = {"input", "output", "cached_input", "reasoning", "citation", "search"}
            unknown = ", ".join(sorted(str(k) for k in set(entry) - keys))
            if unknown or "input" not in entry or "output" not in entry:
                raise PriceError(f"{where}: give input and output (USD per million tokens); cached_input, "
                                 "reasoning, citation and search (USD per search) may follow"
                                 f"{'; unknown: ' + unknown if unknown else ''}")
            out[table][name] = Rates(_number(entry["input"], where), _number(entry["output"], where),
                                     _number(entry.get("cached_input"), where), _number(entry.get("search"), where),
                                     label=f"{path.name} [{table}.{name}]",
                                     reasoning=_number(entry.get("reasoning"), where),
                                     citation=_number(entry.get("citation"), where))
    return out


_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "?", "")
_LOCAL_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home.arpa")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, and the tailnets that use it


def self_hosted(endpoint: str) -> bool:
    """Whether ``host[:port]`` (or a bare host) is this machine or a private network: a server of one's own.

    Every spelling counts: ``[::1]:8000`` and the ``::1:8000`` an archive keeps for it, ``localhost.``,
    ``127.1``, ``0``, ``2130706433``, private and link-local ranges, IPv4-mapped IPv6 addresses.
    """
    text = endpoint.strip().lower()
    candidates = {text, text.strip("[]")}
    if text.startswith("[") and "]" in text:
        candidates.add(text[1:text.index("]")])
    if text.count(":") == 1:
        candidates.add(text.rsplit(":", 1)[0])
    elif text.count(":") > 1 and text.rsplit(":", 1)[1].isdigit():
        candidates.add(text.rsplit(":", 1)[0])  # an IPv6 address and a port, as ``Settings.endpoint`` joins them
    return any(_own_host(c.rstrip(".")) for c in candidates)


def _own_host(host: str) -> bool:
    if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES):
        return True
    address = _address(host)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or (address.sixtofour if address.sixtofour else None)
        if mapped is not None and _private(mapped):
            return True
    return _private(address)


def _address(host: str):
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefx." for c in host) and host[0].isdigit():
        try:  # the forms inet_aton takes: 127.1, 0, 2130706433, 0x7f.1
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _private(address) -> bool:
    return (address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified
            or (isinstance(address, ipaddress.IPv4Address) and address in _SHARED))


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
            searches: int = 0, *, research: int = 0, citation: int = 0) -> Decimal:
        """The price of these counts. Cached and reasoning tokens are part of input and output; ``research``
        (reasoning tokens) and ``citation`` tokens are billed apart from the output (Perplexity's deep research:
        at their own rates, else at the output and input rates)."""
        cached = min(cached or 0, input_tokens)
        if self.rates is not None:
            r = self.rates
            cached_rate = r.cached_input if r.cached_input is not None else r.input
            research_rate = r.reasoning if r.reasoning is not None else r.output
            citation_rate = r.citation if r.citation is not None else r.input
            return ((input_tokens - cached) * r.input + cached * cached_rate + output_tokens * r.output
                    + research * research_rate + citation * citation_rate) / MILLION + searches * (r.search or 0)
        from genai_prices import Usage

        provider, info = self.table
        values = {"input_tokens": input_tokens, "output_tokens": output_tokens + research + citation}
        if cached:
            values["cache_read_tokens"] = cached
        if research:
            values["output_reasoning_tokens"] = research
        elif reasoning and reasoning <= output_tokens:
            values["output_reasoning_tokens"] = reasoning
        if citation:
            values["output_citation_tokens"] = citation
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
        research = usage.get("reasoning_tokens") or 0 if usage.get("reasoning_apart") else 0
        citation = usage.get("citation_tokens") or 0
        try:
            usd = self.usd(prompt or 0, completion or 0, usage.get("cached_tokens") or 0,
                           usage.get("reasoning_tokens") or 0, usage.get("searches") or 0, research=research,
                           citation=citation)
        except (ArithmeticError, ValueError, TypeError, InvalidOperation):
            return None
        # a user's price without a rate for what the provider billed apart is a guess (output and input rates)
        guessed = self.rates is not None and ((research and self.rates.reasoning is None)
                                              or (citation and self.rates.citation is None))
        return Cost(float(usd), bool(usage.get("estimated")) or prompt is None or completion is None or guessed,
                    self.source)


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
    host = endpoint.rsplit(":", 1)[0] if endpoint.rsplit(":", 1)[-1].isdigit() and (
        endpoint.count(":") == 1 or endpoint.startswith("[")) else endpoint
    by_endpoint = user["endpoints"].get(endpoint) or user["endpoints"].get(host) or provider
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
