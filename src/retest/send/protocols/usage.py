"""Token usage as servers report it, in one shape; and estimated when they do not.

Chat completions report ``prompt_tokens``/``completion_tokens`` with
``prompt_tokens_details.cached_tokens`` and
``completion_tokens_details.reasoning_tokens``; the Responses API reports
``input_tokens``/``output_tokens`` with ``input_tokens_details`` and
``output_tokens_details``. Both become ``{prompt_tokens, completion_tokens,
total_tokens, cached_tokens, reasoning_tokens, estimated}``, with
``reported_cost`` (USD) where the provider states what the reply cost
(Perplexity's ``cost.total_cost``, OpenRouter's ``cost``) and ``searches``
where it counts the web searches it billed.

Reading usage happens after a paid reply arrived, so it never fails: a count
that is not a sane whole number (negative, fractional, a string, ≥ 2**63 —
more than SQLite can hold) is left out, and ``note`` says what was odd.
"""

from __future__ import annotations

import math

MAX_COUNT = 10**15  # more tokens than any reply has: past this a count is an odd value, not a count
MAX_COST = 1e6


class _Odd:
    def __init__(self):
        self.notes: list[str] = []

    def int(self, value, name: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT:
            return value
        self.notes.append(f"usage.{name} was {_show(value)}")
        return None

    def cost(self, value) -> float | None:
        if isinstance(value, dict):
            value = value.get("total_cost")
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) \
                and 0 <= value <= MAX_COST:
            return float(value)
        self.notes.append(f"usage.cost was {_show(value)}")
        return None


def _show(value) -> str:
    try:
        text = repr(value) if isinstance(value, str | float | bool) else type(value).__name__
        if isinstance(value, int) and not isinstance(value, bool):
            digits = len(str(value)) if value.bit_length() < 10_000 else "thousands of"
            text = f"an integer of {digits} digits" if abs(value) > MAX_COUNT else str(value)
    except Exception:  # noqa: BLE001 — describing an odd value must not fail either
        text = "unreadable"
    return (text[:40] + "…" if len(text) > 40 else text) + " (not used)"


def _get(obj, key):
    return obj.get(key) if isinstance(obj, dict) else None


def normalise(raw) -> dict | None:
    """Usage in retest's shape, or None when the server reported none."""
    if not isinstance(raw, dict):
        return None
    odd = _Odd()
    prompt = odd.int(raw.get("prompt_tokens", raw.get("input_tokens")), "prompt_tokens")
    completion = odd.int(raw.get("completion_tokens", raw.get("output_tokens")), "completion_tokens")
    total = odd.int(raw.get("total_tokens"), "total_tokens")
    prompt_detail = raw.get("prompt_tokens_details") or raw.get("input_tokens_details") or {}
    completion_detail = raw.get("completion_tokens_details") or raw.get("output_tokens_details") or {}
    cost = odd.cost(raw.get("cost"))
    searches = odd.int(raw.get("num_search_queries", _get(raw.get("server_tool_use"), "web_search_requests")),
                       "searches")
    if prompt is None and completion is None and total is None and cost is None:
        return {"note": "; ".join(odd.notes)} if odd.notes else None
    if total is None and prompt is not None and completion is not None:
        total = prompt + completion
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": total,
        "cached_tokens": odd.int(_get(prompt_detail, "cached_tokens"), "cached_tokens"),
        "reasoning_tokens": odd.int(_get(completion_detail, "reasoning_tokens"), "reasoning_tokens"),
        "estimated": False,
    }
    # Perplexity's deep research reports its research reasoning and the tokens of the sources it read beside
    # the completion tokens, not among them, and bills them apart
    apart = odd.int(raw.get("reasoning_tokens"), "reasoning_tokens") if "reasoning_tokens" in raw else None
    if apart and usage["reasoning_tokens"] is None:
        usage["reasoning_tokens"], usage["reasoning_apart"] = apart, True
    citation = odd.int(raw.get("citation_tokens"), "citation_tokens")
    if citation:
        usage["citation_tokens"] = citation
    if cost is not None:
        usage["reported_cost"] = cost
    if searches:
        usage["searches"] = searches
    if odd.notes:
        usage["note"] = "; ".join(odd.notes)
    return usage


def estimate(usage: dict | None, prompt_tokens: int | None, reply: str, reasoning: str | None,
             model: str | None, prompt: str | None = None) -> dict:
    """Fill what the server did not report by counting locally (same encoding rules as ``build``)."""
    usage = dict(usage) if usage else {}
    if usage.get("prompt_tokens") is not None and usage.get("completion_tokens") is not None:
        usage.setdefault("total_tokens", usage["prompt_tokens"] + usage["completion_tokens"])
        usage.setdefault("estimated", False)
        return usage
    from ...build.tokens import counter

    count = counter(model)
    if usage.get("prompt_tokens") is None:
        usage["prompt_tokens"] = prompt_tokens if prompt_tokens is not None or prompt is None else count.count(prompt)
    if usage.get("completion_tokens") is None:
        usage["completion_tokens"] = count.count(reply) + (count.count(reasoning) if reasoning else 0)
    if usage["prompt_tokens"] is not None:
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    usage["estimated"] = True
    return usage
