"""OpenAI's Responses API (``/v1/responses``), the one some models are served only through.

A stream is a sequence of typed events with no ``[DONE]``: it is whole only
when ``response.completed`` (or ``response.incomplete``, the output limit
reached) arrives. ``response.failed`` and ``error`` events carry the
server's reason. ``--system`` becomes ``instructions``.
"""

from __future__ import annotations

import json

from . import IncompleteReply, Received, ReplyFailed, check_text
from .usage import normalise

PATH = "/v1/responses"
_RETRYABLE_FAILURES = {None, "", "server_error", "rate_limit_exceeded", "internal_error", "overloaded"}
_INCOMPLETE_FINISH = {"max_output_tokens": "length", "content_filter": "content_filter"}


def body(s, text: str) -> dict:
    args: dict = {"model": s.model, "input": text}
    if s.system:
        args["instructions"] = s.system
    if s.temperature is not None:
        args["temperature"] = s.temperature
    if s.max_output_tokens is not None:
        args["max_output_tokens"] = s.max_output_tokens
    if s.response_format:
        args["text"] = {"format": {"type": "json_schema", **s.response_format}}
    return args


def _texts(output, kind: str) -> str:
    """The text of every output item of ``kind`` (``message`` or ``reasoning``)."""
    out = []
    for item in output or []:
        if not isinstance(item, dict) or item.get("type") != kind:
            continue
        parts = (item.get("content") or []) + (item.get("summary") or [] if kind == "reasoning" else [])
        for part in parts:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                if kind == "reasoning" or part.get("type") in ("output_text", "text", None):
                    out.append(part["text"])
    return "".join(out)


def _failure(error) -> Exception:
    error = error if isinstance(error, dict) else {"message": str(error)}
    code, message = error.get("code"), error.get("message") or "no message"
    text = f"the response failed ({code or 'no code'}: {message})"
    return IncompleteReply(text) if code in _RETRYABLE_FAILURES else ReplyFailed(text)


def parse(data: dict) -> Received:
    """A whole response object (non-streamed, a final stream event's, or a batch output line's)."""
    if not isinstance(data, dict):
        raise IncompleteReply("the response is not an object")
    status = data.get("status")
    if status == "failed":
        raise _failure(data.get("error"))
    if status == "incomplete":
        reason = (data.get("incomplete_details") or {}).get("reason")
        finish = _INCOMPLETE_FINISH.get(reason, reason or "incomplete")
    elif status == "completed":
        finish = "stop"
    else:
        raise IncompleteReply(f"the response is not finished (status {status or 'missing'})")
    output = data.get("output")
    return Received(_texts(output, "message"), finish, normalise(data.get("usage")),
                    _texts(output, "reasoning") or None)


async def request(client, s, text: str, on_delta=None) -> Received:
    from . import post

    args = body(s, text)
    if not s.stream:
        return check_text(parse(await post(client, PATH, args)), s.max_output_tokens)

    parts: list[str] = []
    thoughts: list[str] = []
    final: dict | None = None
    async with post.stream(client, PATH, {**args, "stream": True}) as lines:
        from ..faults import transport_errors

        try:
            async for line in lines:
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if not data or data == "[DONE]":
                    continue
                event = json.loads(data)
                if not isinstance(event, dict):
                    continue
                kind = event.get("type")
                if kind == "response.output_text.delta":
                    delta = event.get("delta") or ""
                    parts.append(delta)
                    if on_delta and delta:
                        on_delta(delta)
                elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
                    thoughts.append(event.get("delta") or "")
                elif kind in ("response.completed", "response.incomplete", "response.failed"):
                    final = event.get("response") or {}
                    break
                elif kind == "error":
                    raise _failure(event.get("error") or event)
        except transport_errors() as exc:
            raise IncompleteReply(f"the stream broke ({type(exc).__name__})") from exc
        except json.JSONDecodeError as exc:
            raise IncompleteReply("the stream sent a malformed event") from exc
    if final is None:
        raise IncompleteReply("the stream ended without response.completed" + ("" if parts else ", before any text"),
                             ended_early=not parts)
    received = parse(final)
    # the final event may omit the output it streamed; what was streamed is the reply
    streamed = "".join(parts)
    if streamed or not received.text:
        received.text = streamed
    if thoughts and not received.reasoning:
        received.reasoning = "".join(thoughts)
    return check_text(received, s.max_output_tokens)
