"""OpenAI's chat completions (``/v1/chat/completions``), as every compatible server speaks it.

Streams are read line by line, because the SDK's own iterator ends quietly
when a stream is cut short: here a stream is whole only with a finish reason
and ``[DONE]``. Reasoning text, which servers stream as ``reasoning_content``
(vLLM, llama.cpp, DeepSeek) or ``reasoning`` (OpenRouter, Ollama), is kept
apart from the reply.
"""

from __future__ import annotations

import json

from . import IncompleteReply, Received, check_text
from .usage import normalise

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
    return args


def _reasoning(message: dict) -> str | None:
    for key in _REASONING_KEYS:
        value = message.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def parse(data: dict) -> Received:
    """A whole chat completion (a non-streamed reply, or a batch output line's body)."""
    choices = data.get("choices") if isinstance(data, dict) else None
    if not choices or not isinstance(choices[0], dict) or choices[0].get("finish_reason") is None:
        raise IncompleteReply("the response has no finish reason")
    choice = choices[0]
    message = choice.get("message") or {}
    content = message.get("content")
    if isinstance(content, list):  # some servers send content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return Received(content or "", choice["finish_reason"], normalise(data.get("usage")), _reasoning(message))


async def request(client, s, text: str, on_delta=None) -> Received:
    """One attempt: the whole reply, or an exception."""
    from . import post

    args = body(s, text)
    if not s.stream:
        return check_text(parse(await post(client, PATH, args)), s.max_output_tokens)

    parts: list[str] = []
    thoughts: list[str] = []
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
                chunk = json.loads(data)
                if not isinstance(chunk, dict):
                    continue
                if chunk.get("error"):
                    raise IncompleteReply(f"the stream reported an error: {chunk['error']}")
                for choice in chunk.get("choices") or []:
                    delta = choice.get("delta") or {}
                    content = delta.get("content")
                    if content:
                        parts.append(content)
                        if on_delta:
                            on_delta(content)
                    thought = _reasoning(delta)
                    if thought:
                        thoughts.append(thought)
                    finish = choice.get("finish_reason") or finish
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
    received = Received("".join(parts), finish, normalise(usage), "".join(thoughts) or None)
    return check_text(received, s.max_output_tokens)
