"""Token usage as servers report it, in one shape; and estimated when they do not.

Chat completions report ``prompt_tokens``/``completion_tokens`` with
``prompt_tokens_details.cached_tokens`` and
``completion_tokens_details.reasoning_tokens``; the Responses API reports
``input_tokens``/``output_tokens`` with ``input_tokens_details`` and
``output_tokens_details``. Both become ``{prompt_tokens, completion_tokens,
total_tokens, cached_tokens, reasoning_tokens, estimated}``.
"""

from __future__ import annotations


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def normalise(raw) -> dict | None:
    """Usage in retest's shape, or None when the server reported none."""
    if not isinstance(raw, dict):
        return None
    prompt = _int(raw.get("prompt_tokens", raw.get("input_tokens")))
    completion = _int(raw.get("completion_tokens", raw.get("output_tokens")))
    total = _int(raw.get("total_tokens"))
    if prompt is None and completion is None and total is None:
        return None
    prompt_detail = raw.get("prompt_tokens_details") or raw.get("input_tokens_details") or {}
    completion_detail = raw.get("completion_tokens_details") or raw.get("output_tokens_details") or {}
    if total is None and prompt is not None and completion is not None:
        total = prompt + completion
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": total,
        "cached_tokens": _int(prompt_detail.get("cached_tokens")) if isinstance(prompt_detail, dict) else None,
        "reasoning_tokens": (_int(completion_detail.get("reasoning_tokens"))
                             if isinstance(completion_detail, dict) else None),
        "estimated": False,
    }


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
