"""OpenAI's Responses API (``/v1/responses``), the one some models are served only through.

A stream is a sequence of typed events with no ``[DONE]``: it is whole only
when ``response.completed`` (or ``response.incomplete``, the output limit
reached) arrives. ``response.failed`` and ``error`` events carry the
server's reason. ``--system`` becomes ``instructions``.

The final event's response, when it carries the text whole, is the reply;
streamed deltas are the fallback (a final event that omits its output, or
whose shape is not understood). ``parse`` is the one place a completed
response object becomes a ``Received`` with its sources: streams, whole
replies, batch lines and polled background responses all go through it.
"""

from __future__ import annotations

import json

from . import IncompleteReply, Received, ReplyFailed, check_text, loads
from .sources import Sources
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
    if getattr(s, "search", False) and _perplexity(s):
        from .dialects import perplexity_agent_tool

        args["tools"] = [perplexity_agent_tool(s)]
    elif getattr(s, "search", False):
        tool: dict = {"type": "web_search"}
        if s.search_context:
            tool["search_context_size"] = s.search_context
        if s.search_domains:
            tool["filters"] = {"allowed_domains": list(s.search_domains)}
        args["tools"] = [tool]
        args["include"] = ["web_search_call.action.sources"]
        if getattr(s, "max_searches", None):  # what --max-cost reserved: the provider stops searching there
            args["max_tool_calls"] = s.max_searches
    return args


def _perplexity(s) -> bool:
    host = s.endpoint.split(":")[0]
    return host == "perplexity.ai" or host.endswith(".perplexity.ai")


def _texts(output, kind: str, notes: list[str] | None = None, strict: bool = False) -> str:
    """The text of every output item of ``kind`` (``message`` or ``reasoning``).

    ``strict`` reads only the shape the API defines (a list of parts): a stream's
    final event must not replace what was streamed with text of another shape.
    """
    out = []
    for item in output if isinstance(output, list) else []:
        if not isinstance(item, dict) or item.get("type") != kind:
            continue
        parts = []
        for key in ("content", "summary") if kind == "reasoning" else ("content",):
            value = item.get(key)
            if isinstance(value, str) and not strict:  # a server that sends the text itself, not parts
                parts.append({"text": value})
            elif isinstance(value, list):
                parts += value
            elif value is not None and notes is not None:
                notes.append(f"a {kind} {key} of type {type(value).__name__} was not read")
        for part in parts:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                if kind == "reasoning" or part.get("type") in ("output_text", "text", None):
                    out.append(part["text"])
    return "".join(out)


def _failure(error) -> Exception:
    error = error if isinstance(error, dict) else {"message": str(error)[:500]}
    code, message = error.get("code"), error.get("message") or "no message"
    code = code if isinstance(code, str) or code is None else str(code)
    text = f"the response failed ({code or 'no code'}: {str(message)[:500]})"
    return IncompleteReply(text) if code in _RETRYABLE_FAILURES else ReplyFailed(text)


def _incomplete_reason(details) -> str:
    reason = details.get("reason") if isinstance(details, dict) else details
    if not isinstance(reason, str) or not reason:
        return "incomplete"
    return _INCOMPLETE_FINISH.get(reason, reason[:100])


def parse(data: dict, strict: bool = False) -> Received:
    """A whole response object (non-streamed, a final stream event's, a batch output line's, or a polled one).

    The one place a Responses object becomes a ``Received``: its text, finish,
    usage, reasoning and sources (``web_search_call`` items and ``url_citation``
    annotations). Raises ``ReplyFailed``/``IncompleteReply`` for a failed or
    unfinished response; never anything else, whatever the object holds.
    ``strict`` (a stream's final event) reads text only from the shape the API
    defines, so that the streamed text stands against anything else.
    """
    if not isinstance(data, dict):
        raise IncompleteReply("the response is not an object")
    status = data.get("status")
    if status == "failed":
        raise _failure(data.get("error"))
    if status == "incomplete":
        finish = _incomplete_reason(data.get("incomplete_details"))
    elif status == "completed":
        finish = "stop"
    else:
        shown = status[:40] if isinstance(status, str) else None
        raise IncompleteReply(f"the response is not finished (status {shown or 'missing'})")
    output = data.get("output")
    notes: list[str] = []
    if output is not None and not isinstance(output, list):
        notes.append(f"an output of type {type(output).__name__} was not read")
    sources = Sources()
    sources.responses_output(output)
    if "search_results" in data or "citations" in data:  # Perplexity's Agent API, beside its output
        sources.perplexity(data)
    text = _texts(output, "message", notes, strict)
    if not text and not strict and isinstance(data.get("output_text"), str):  # the SDKs' convenience field
        text = data["output_text"]
    usage = normalise(data.get("usage"))
    searches = _searches(output)
    if usage is not None and searches and not usage.get("searches"):
        usage["searches"] = searches  # billed per search call: the price of the reply counts them
    return Received(text, finish, usage, _texts(output, "reasoning") or None, sources.result(),
                    notes + sources.notes)


def _searches(output) -> int:
    """How many web searches the response ran (``web_search_call`` items whose action is a search)."""
    n = 0
    for item in output if isinstance(output, list) else ():
        if isinstance(item, dict) and item.get("type") in ("web_search_call", "web_search_preview_call"):
            action = item.get("action")
            n += not isinstance(action, dict) or action.get("type") in (None, "search")
    return n


async def request(client, s, text: str, on_delta=None) -> Received:
    from . import post, whole

    args = body(s, text)
    if not s.stream:
        return check_text(await whole(client, PATH, args, parse), s.max_output_tokens)

    parts: list[str] = []
    thoughts: list[str] = []
    final: dict | None = None
    ended = False
    streamed_sources = Sources()
    notes: list[str] = []
    async with post.stream(client, PATH, {**args, "stream": True}) as lines:
        from ..faults import transport_errors

        try:
            async for line in lines:
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if not data or data == "[DONE]":
                    continue
                event = loads(data, notes)
                if not isinstance(event, dict):
                    continue
                kind = event.get("type")
                delta = event.get("delta")
                if kind == "response.output_text.delta":
                    if isinstance(delta, str) and delta:
                        parts.append(delta)
                        if on_delta:
                            on_delta(delta)
                elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
                    if isinstance(delta, str):
                        thoughts.append(delta)
                elif kind == "response.output_text.annotation.added":
                    streamed_sources.annotations([event.get("annotation")])
                elif kind == "response.output_item.done" and isinstance(event.get("item"), dict):
                    streamed_sources.responses_output([event["item"]])
                elif kind in ("response.completed", "response.incomplete", "response.failed"):
                    final = event.get("response")
                    ended = True
                    break
                elif kind == "error":
                    raise _failure(event.get("error") or event)
        except transport_errors() as exc:
            raise IncompleteReply(f"the stream broke ({type(exc).__name__})") from exc
        except json.JSONDecodeError as exc:
            raise IncompleteReply("the stream sent a malformed event") from exc
    if not ended:
        raise IncompleteReply("the stream ended without response.completed" + ("" if parts else ", before any text"),
                             ended_early=not parts)
    received = _final(final, kind, notes)
    # the final event's text is the reply when it carries one; else what was streamed
    streamed = "".join(parts)
    if not received.text:
        received.text = streamed
    elif streamed and received.text != streamed:
        received.notes.append(f"the streamed text ({len(streamed):,} characters) differed from the final event's "
                              f"({len(received.text):,}); the final text is kept")
    if thoughts and not received.reasoning:
        received.reasoning = "".join(thoughts)
    streamed_sources.extend(received.sources)
    received.sources = streamed_sources.result()
    received.notes = notes + received.notes + [n for n in streamed_sources.notes if n not in received.notes]
    return check_text(received, s.max_output_tokens)


def _final(final, kind: str, notes: list[str]) -> Received:
    """The final event's response, read; a shape not understood falls back to what was streamed."""
    said = {"response.completed": "completed", "response.incomplete": "incomplete", "response.failed": "failed"}[kind]
    if isinstance(final, dict) and final.get("status") not in ("completed", "incomplete", "failed"):
        if "status" in final:
            notes.append(f"the final event's status was {str(final['status'])[:40]!r}; read as {said}")
        final = {**final, "status": said}  # the event's type says how it ended
    if not isinstance(final, dict):
        if kind == "response.failed":
            raise ReplyFailed("the response failed (no details)")
        notes.append(f"the final event's response was {type(final).__name__}, not an object; the streamed text "
                     "is kept")
        return Received("", "stop" if kind == "response.completed" else "incomplete")
    return parse(final, strict=True)

