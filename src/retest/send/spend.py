"""What a run spends as it goes, and ``--max-cost``: a ceiling that holds with requests in flight.

Before each attempt starts, its worst case — the prompt's input, the most
output it may ask for (``--max-output-tokens``), the searches it may make
(with the Responses API's web search bounded in the request: ``max_tool_calls``)
and the search results billed as input — is reserved. A model whose bill no
request setting bounds (deep research; OpenRouter's web plugin) is refused a
ceiling, with the reason. When the next attempt would take what is spent plus what is
reserved past the ceiling, nothing new starts: what is in flight finishes,
and the prompts not sent stay unanswered for a re-run with a new ceiling.
When an attempt ends, its reservation gives way to what it cost.

An attempt that failed after the request was accepted — a timeout, a stream
cut after text arrived — may have been billed: it is recorded with its
estimated tokens (the prompt, and the text heard so far) and cost, as
*spent*, beside the cost of the replies kept.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from ..errors import RetestError
from .endpoint import ConfigError
from .prices import Cost, Price, cost_of, format_usd, resolve

SEARCHES_RESERVED = 5  # web searches one request makes at most, when search is on (Responses: max_tool_calls)
SEARCH_CONTENT_TOKENS = 8_000  # input tokens a Responses web search may add (OpenAI bills a block per call)
OVERHEAD_TOKENS = 32  # what a chat template adds around a prompt, counted in the worst case


def unbounded(s) -> str | None:
    """Why no ceiling can bound what a request to this model costs, or None when its worst case is known."""
    name = s.model.lower()
    if "deep-research" in name:
        return (f"{s.model} is a deep-research model: it searches, reads and reasons for as long as it needs, and "
                "its reasoning tokens, the tokens of the sources it reads and its searches are billed beyond "
                "--max-output-tokens, bounded by no request setting; set a limit at the provider instead")
    from .protocols.chat import provider

    if s.api == "chat" and (name.endswith(":online") or (getattr(s, "search", False) and provider(s) == "openrouter")):
        return (f"OpenRouter's web plugin ({s.model}{'' if name.endswith(':online') else ' with --search'}) adds "
                "its search results to the prompt and bills them, per result or as the model's own searches, at "
                "rates the price table does not hold; drop --search (or the :online model) to use a ceiling")
    return None


class Spend:
    def __init__(self, prices: dict[str, Price | None], max_cost: float | None = None, search: bool = False, *,
                 given: dict | None = None, user: dict | None = None, batch: bool = False, endpoint: str = "?"):
        self.prices = prices
        self.given, self.user, self.batch, self.endpoint = given or {}, user, batch, endpoint
        self.ceiling = Decimal(str(max_cost)) if max_cost is not None else None
        self.search = search
        self.spent_known = Decimal(0)  # spent so far where the price is known (what the ceiling counts)
        self.reserved: dict[int, Decimal] = {}
        self.heard: Counter = Counter()  # chars of reply heard per job, this attempt
        self.kept: dict[str, Decimal] = defaultdict(Decimal)
        self.spent: dict[str, Decimal] = defaultdict(Decimal)
        self.estimated: set[str] = set()
        self.unpriced: Counter = Counter()  # replies without a known cost, per model
        self.unpriced_spent: Counter = Counter()  # attempts that may have been billed, at no known price
        self.stopped = False
        self.unsent = 0
        self.why = ""

    @classmethod
    def for_settings(cls, settings: list, *, max_cost: float | None = None, given: dict | None = None,
                     batch: bool = False) -> Spend:
        """Prices for every model of a run; with ``max_cost``, each must have one, and a bound on its output."""
        from .prices import load_user_prices

        user = load_user_prices()
        prices = {s.voice: resolve(s.model, _host(s), batch=batch, given=given, user=user, provider=s.provider)
                  for s in settings}
        search = any(getattr(s, "search", None) for s in settings)
        if max_cost is not None:
            for s in settings:
                why = unbounded(s)
                if why:
                    raise ConfigError(f"--max-cost cannot bound this run: {why}")
            unknown = [m for m, p in prices.items() if p is None]
            if unknown:
                raise ConfigError(f"--max-cost: no price is known for {', '.join(unknown)} at {settings[0].endpoint};"
                                  " give one with --price INPUT/OUTPUT (USD per million tokens) or in the prices file")
            if settings[0].max_output_tokens is None:
                raise ConfigError("--max-cost needs --max-output-tokens: the most a reply may cost is what the "
                                  "ceiling reserves before each request")
        return cls(prices, max_cost, search, given=given, user=user, batch=batch,
                   endpoint=_host(settings[0]) if settings else "?")

    def price_of(self, s) -> Price | None:
        """The price of these settings' model at their endpoint, found the first time it is asked for
        (``background collect`` meets each response's model only as it collects it)."""
        voice = getattr(s, "voice", s.model)
        if voice not in self.prices:
            from .prices import load_user_prices

            try:
                if self.user is None:
                    self.user = load_user_prices()
                self.prices[voice] = resolve(s.model, _host(s), batch=self.batch, given=self.given, user=self.user,
                                             provider=getattr(s, "provider", None))
            except Exception:  # noqa: BLE001 — an unreadable prices file was said at start-up; unknown here
                self.prices[voice] = None
        return self.prices[voice]

    def bounded(self, settings: list) -> list:
        """The settings a ceiling sends: web searches through the Responses API bounded in the request."""
        from dataclasses import replace

        if self.ceiling is None:
            return settings
        return [replace(s, max_searches=SEARCHES_RESERVED) if getattr(s, "search", None) and s.api == "responses"
                else s for s in settings]

    # -- before and after each attempt ------------------------------------------
    def worst(self, job) -> Decimal:
        """The most this attempt can cost: its input, its maximum output, and its searches."""
        s = job.settings
        price = self.prices.get(s.voice)
        tokens = _input_tokens(job) + OVERHEAD_TOKENS
        tokens += tokens // 20  # counted with our encoding, billed with theirs: a margin
        searches = SEARCHES_RESERVED if getattr(s, "search", None) else 0
        if searches and s.api == "responses":
            tokens += searches * SEARCH_CONTENT_TOKENS
        return price.usd(tokens, s.max_output_tokens or 0, searches=searches)

    def reserve(self, job, key=None) -> bool:
        """Whether this attempt may start; if so, its worst case is set aside until it ends."""
        self.heard.pop(id(job), None)
        if self.ceiling is None:
            return True
        if self.stopped:
            self.unsent += 1
            return False
        worst = self.worst(job)
        if self.spent_known + sum(self.reserved.values()) + worst > self.ceiling:
            self.stopped = True
            self.unsent += 1
            self.why = (f"the next request could cost up to {format_usd(worst)} and the cost ceiling "
                        f"--max-cost {format_usd(self.ceiling)} would not hold (spent {format_usd(self.spent_known)}, "
                        f"{format_usd(sum(self.reserved.values()))} reserved for requests in flight)")
            return False
        self.reserved[id(job) if key is None else key] = worst
        return True

    def withdraw(self, job) -> None:
        """The attempt reserved for did not start (a Ctrl-C came first): its worst case is free again."""
        self.reserved.pop(id(job), None)
        self.heard.pop(id(job), None)

    def hear(self, job, text: str) -> None:
        self.heard[id(job)] += len(text)

    def _settle(self, job, model: str, cost: Cost | None, kept: bool) -> None:
        self.reserved.pop(id(job), None)
        self.heard.pop(id(job), None)
        if cost is None:
            if kept:
                self.unpriced[model] += 1
            return
        usd = Decimal(str(cost.usd))
        self.spent_known += usd
        self.spent[model] += usd
        if kept:
            self.kept[model] += usd
        if cost.estimated:
            self.estimated.add(model)

    async def kept_reply(self, writer, archive, reply_id: int, job, usage: dict | None) -> Cost | None:
        """The reply arrived and is stored: price it, record it, and free its reservation."""
        try:
            cost = cost_of(self.price_of(job.settings), usage)
        except Exception:  # noqa: BLE001 — pricing must never cost a stored reply
            cost = None
        self._settle(job, job.settings.voice, cost, kept=True)
        if cost is not None:
            await writer.call(archive.set_cost, reply_id, cost)
        return cost

    async def failed_attempt(self, writer, archive, reply_id: int, n: int, job, error: BaseException) -> None:
        """An attempt failed: if the request may have been billed, record its estimated cost as spent."""
        heard = self.heard.get(id(job), 0)
        cost = None
        if billed(error, heard):
            prompt_tokens = _input_tokens(job)
            completion_tokens = -(-heard // 4)  # ~4 characters a token
            price = self.price_of(job.settings)
            try:
                cost = price.cost({"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                                   "estimated": True}) if price else None
            except Exception:  # noqa: BLE001
                cost = None
            await writer.call(archive.attempt_cost, reply_id, n, prompt_tokens=prompt_tokens,
                              completion_tokens=completion_tokens, cost=cost)
            if cost is None:
                self.unpriced_spent[job.settings.voice] += 1
        self._settle(job, job.settings.voice, cost, kept=False)

    async def billed_without_reply(self, writer, archive, reply_id: int, n: int, job, usage: dict | None) -> None:
        """A response that ended without a reply to keep (no text) but with its usage: what it cost, as spent."""
        if not usage or (usage.get("prompt_tokens") is None and usage.get("completion_tokens") is None):
            return
        try:
            cost = cost_of(self.price_of(job.settings), usage)
        except Exception:  # noqa: BLE001 — pricing must never cost a stored record
            cost = None
        await writer.call(archive.attempt_cost, reply_id, n, prompt_tokens=usage.get("prompt_tokens"),
                          completion_tokens=usage.get("completion_tokens"), cost=cost)
        if cost is None:
            self.unpriced_spent[job.settings.voice] += 1
        self._settle(job, job.settings.voice, cost, kept=False)

    # -- what the summary says ----------------------------------------------------
    def line(self, model: str | None = None) -> str:
        """``$0.012``, or ``$0.012 for replies kept, $0.015 spent`` when attempts that may have been billed add to
        it; ``unknown`` when nothing was priced. For one model or all. The hint for a price is ``unpriced_models``'s
        to give, once."""
        models = [model] if model else list(self.prices)
        kept = sum((self.kept[m] for m in models), Decimal(0))
        spent = sum((self.spent[m] for m in models), Decimal(0))
        unpriced = sum(self.unpriced[m] for m in models)
        unpriced_spent = sum(self.unpriced_spent[m] for m in models)
        estimated = any(m in self.estimated for m in models)
        if (unpriced or unpriced_spent) and not kept and not spent:
            return "unknown"
        text = format_usd(kept, estimated)
        if spent != kept:
            text += f" for replies kept, {format_usd(spent, estimated)} spent"
        if unpriced:
            text += f" (+ {unpriced} repl{'y' if unpriced == 1 else 'ies'} of unknown cost)"
        if unpriced_spent:
            text += f" (+ {unpriced_spent} attempt(s) that may have been billed, at an unknown price)"
        return text

    def unpriced_models(self) -> list[str]:
        """The models whose replies or attempts this run could not price, in the run's order."""
        return [m for m in self.prices if self.unpriced[m] or self.unpriced_spent[m]]


def _host(s) -> str:
    """Where a request goes, for pricing: the host as the URL gives it (``::1``, not the archive's ``::1:8000``),
    with its port."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(s.base_url)
        host, port = parts.hostname or "?", parts.port
    except (AttributeError, ValueError):
        return getattr(s, "endpoint", "?")
    host = f"[{host}]" if ":" in host else host
    return host + (f":{port}" if port else "")


def billed(error: BaseException, heard: int) -> bool:
    """Whether a failed attempt may have been billed: the server had accepted it and was answering."""
    from .faults import AttemptTimeout
    from .protocols import IncompleteReply

    if isinstance(error, AttemptTimeout):
        return True
    if heard and isinstance(error, IncompleteReply):
        return True
    import openai

    return bool(heard) and isinstance(error, openai.APITimeoutError | openai.APIConnectionError)


def _input_tokens(job) -> int:
    """The prompt's tokens (and the system message's), as counted for its model."""
    s = job.settings
    tokens = job.tokens
    from ..build.tokens import counter

    try:
        count = counter(s.model)
        if tokens is None:
            tokens = count.count(job.text)
        return tokens + (count.count(s.system) if s.system else 0)
    except RetestError:
        return tokens if tokens is not None else len(job.text) // 3
