"""OpenAI's chat completions (``/v1/chat/completions``), as every compatible server speaks it.

Streams are read line by line, because the SDK's own iterator ends quietly
when a stream is cut short: here a stream is whole only with a finish reason
and ``[DONE]``. Reasoning text, which servers stream as ``reasoning_content``
(vLLM, llama.cpp, DeepSeek) or ``reasoning`` (OpenRouter, Ollama), is kept
apart from the reply.

Grounding: ``--search`` asks with ``web_search_options`` (OpenAI's search
models, Perplexity's older Sonar chat), OpenRouter's ``openrouter:web_search``
server tool (``dialects``), and Perplexity's ``search_domain_filter``; whatever
was asked, the sources of any reply are read (see ``sources``).
"""

from __future__ import annotations

import json

from . import IncompleteReply, Received, check_text, loads
from .sources import Sources
from .usage import normalise
from ..endpoint import provider

PATH = "/v1/chat/completions"
_REASONING_KEYS = ("reasoning_content", "reasoning")


def body(s, text: str) -> dict:
    messages = ([{"role": "system", "content": s.system}] if s.system else []) + [{"role": "user", "content": text}]
    args: dict = {"model": s.model, "messages": messages}
    if s.temperature is not None:
        args["temperature"] = s.temperature
    if s.max_output_tokens is not None:
        # OpenAI's newer models take only max_completion_tokens; other servers know max_tokens.
        key = "max_completion_tokens" if s.endpoint == "api.openai.com" else "max_tokens"
        args[key] = s.max_output_tokens
    if s.response_format:
        args["response_format"] = {"type": "json_schema", "json_schema": s.response_format}
    if getattr(s, "search", False):
        args.update(search_fields(s))
    return args


def search_fields(s) -> dict:
    """The request fields that ask this endpoint to search the web."""
    options: dict = {}
    if s.search_context:
        options["search_context_size"] = s.search_context
    fields: dict = {"web_search_options": options}
    kind = provider(s)
    if kind == "perplexity" and s.search_domains:
        fields["search_domain_filter"] = list(s.search_domains)
    if kind == "openrouter":
        from .dialects import openrouter_tools

        fields = {"tools": tools} if (tools := openrouter_tools(s)) else {}
    return fields


def _reasoning(message: dict) -> str | None:
    for key in _REASONING_KEYS:
        value = message.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _content(value, notes: list[str]) -> str:
    """Message content as text: a string, or content parts (some servers); anything else is noted."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, list):  # some servers send content parts
        return "".join(p["text"] for p in value if isinstance(p, dict) and isinstance(p.get("text"), str))
    notes.append(f"message content of type {type(value).__name__} was not text")
    return ""


def _finish(value) -> str | None:
    if value is None:
        return None
    return value[:100] if isinstance(value, str) else str(type(value).__name__)


def parse(data: dict) -> Received:
    """A whole chat completion (a non-streamed reply, or a batch output line's body)."""
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict) \
            or choices[0].get("finish_reason") is None:
        raise IncompleteReply("the response has no finish reason")
    choice = choices[0]
    message = choice.get("message")
    message = message if isinstance(message, dict) else {}
    notes: list[str] = []
    content = _content(message.get("content"), notes)
    sources = Sources()
    sources.annotations(message.get("annotations"))
    sources.perplexity(data)
    return Received(content, _finish(choice["finish_reason"]), normalise(data.get("usage")), _reasoning(message),
                    sources.result(), notes + sources.notes)


async def request(client, s, text: str, on_delta=None) -> Received:
    """One attempt: the whole reply, or an exception."""
    from . import post, whole

    args = body(s, text)
    if not s.stream:
        return check_text(await whole(client, PATH, args, parse), s.max_output_tokens)

    parts: list[str] = []
    thoughts: list[str] = []
    notes: list[str] = []
    sources = Sources()
    finish = usage = None
    done = False
    async with post.stream(client, PATH, {**args, "stream": True, "stream_options": {"include_usage": True}}) \
            as lines:
        from ..faults import transport_errors

        try:
            async for line in lines:
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    done = True
                    break
                chunk = loads(data, notes)
                if not isinstance(chunk, dict):
                    continue
                if chunk.get("error"):
                    raise IncompleteReply(f"the stream reported an error: {str(chunk['error'])[:500]}")
                choices = chunk.get("choices")
                for choice in choices if isinstance(choices, list) else []:
                    if not isinstance(choice, dict):
                        continue
                    delta = choice.get("delta")
                    delta = delta if isinstance(delta, dict) else {}
                    content = delta.get("content")
                    if isinstance(content, list):
                        content = _content(content, notes)
                    if content and isinstance(content, str):
                        parts.append(content)
                        if on_delta:
                            on_delta(content)
                    elif content:
                        _note(notes, f"a streamed content of type {type(content).__name__} was skipped")
                    thought = _reasoning(delta)
                    if thought:
                        thoughts.append(thought)
                    sources.annotations(delta.get("annotations"))
                    sources.annotations((choice.get("message") or {}).get("annotations")
                                        if isinstance(choice.get("message"), dict) else None)
                    finish = _finish(choice.get("finish_reason")) or finish
                sources.perplexity(chunk)
                usage = chunk.get("usage") or usage
        except transport_errors() as exc:
            raise IncompleteReply(f"the stream broke ({type(exc).__name__})") from exc
        except json.JSONDecodeError as exc:
            raise IncompleteReply("the stream sent a malformed event") from exc
    if not done:
        raise IncompleteReply("the stream ended without [DONE]")
    if finish is None:
        raise IncompleteReply("the stream ended without a finish reason" + ("" if parts else ", before any text"),
                             ended_early=not parts)
    received = Received("".join(parts), finish, normalise(usage), "".join(thoughts) or None, sources.result(),
                        notes + sources.notes)
    return check_text(received, s.max_output_tokens)


def _note(notes: list[str], message: str) -> None:
    if message not in notes and len(notes) < 10:
        notes.append(message)
