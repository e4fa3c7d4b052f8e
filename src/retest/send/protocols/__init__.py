"""Wire protocols: how one prompt becomes one HTTP request and one reply.

Each protocol (``chat`` for /v1/chat/completions, ``responses`` for
/v1/responses) is a module with the same small interface, so that ``send``
orchestrates without knowing either:

- ``PATH``: the endpoint path (batch files name it per request);
- ``body(settings, text)``: the JSON request body;
- ``request(client, settings, text, on_delta)``: one attempt, streamed or
  not → ``Received``, or an exception (``IncompleteReply`` when the reply
  did not arrive whole);
- ``parse(body)``: a whole response body (non-streamed, or a batch output
  line's) → ``Received``.

Every remote payload is read totally: a value of an unexpected type is
skipped with a note kept on the reply (``Received.notes``), never an
exception that would lose what was received.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import import_module

APIS = ("chat", "responses")


class IncompleteReply(Exception):
    """The reply did not arrive whole: a stream broke, or ended without its final event.

    ``ended_early``: the stream ended cleanly before any text — what a server
    that serves one request at a time does to the stream it starts while
    others already wait (llama-cpp-python's default), rather than what a
    failing network does.
    """

    def __init__(self, message: str, *, ended_early: bool = False):
        super().__init__(message)
        self.ended_early = ended_early


class ReplyFailed(Exception):
    """The server answered, but with a failure that another attempt would repeat."""


@dataclass
class Received:
    """One whole reply: its text, why it ended, what it cost, any reasoning kept apart, its sources."""

    text: str
    finish: str | None
    usage: dict | None = None  # normalised by protocols.usage; None when the server sent none
    reasoning: str | None = None
    sources: list[dict] = field(default_factory=list)  # see protocols.sources: one dict per URL, in order
    notes: list[str] = field(default_factory=list)  # odd fields met while reading it

    @property
    def note(self) -> str | None:
        return "; ".join(self.notes) or None


class _Post:
    """POST a request body to ``client`` and read the raw reply.

    The openai SDK's client supplies everything about the endpoint — base URL,
    key, headers, the HTTP connection pool — and its exception types; the
    request itself goes straight through that pool, because the SDK's own
    request and event machinery costs about 3 ms of CPU a request, which at
    100 requests in flight is what decides how fast a run can go.
    """

    async def __call__(self, client, path: str, body: dict, notes: list[str] | None = None) -> dict:
        response = await _send(client, path, body, stream=False)
        try:
            return loads(response.content, notes)
        except (ValueError, UnicodeDecodeError) as exc:
            raise IncompleteReply("the response is not JSON") from exc

    def stream(self, client, path: str, body: dict):
        return _Lines(client, path, body)


def _headers(client) -> dict:
    cached = getattr(client, "_retest_headers", None)
    if cached is None:
        import openai

        cached = {k: v for k, v in {**client.default_headers, **client.auth_headers}.items()
                  if isinstance(v, str) and not isinstance(v, openai.Omit)}
        client._retest_headers = cached
    return cached


async def _send(client, path: str, body: dict | None, stream: bool, method: str = "POST", params: dict | None = None):
    """The response, or the exception the SDK would raise: status errors, connection errors, timeouts.
    Not streamed, its body is read within ``bounded.MAX_BODY``."""
    import httpx2
    import openai

    pools = getattr(client, "_retest_pools", None) or [client._client]
    http = pools[client.__dict__.get("_retest_next", 0) % len(pools)]
    client.__dict__["_retest_next"] = client.__dict__.get("_retest_next", 0) + 1
    query = {**(client.default_query or {}), **(params or {})}
    request = http.build_request(method, str(client.base_url).rstrip("/") + _relative(path), json=body,
                                 headers=_headers(client), params=query or None)
    try:
        response = await http.send(request, stream=True)
    except httpx2.TimeoutException as exc:
        raise openai.APITimeoutError(request=request) from exc
    except httpx2.TransportError as exc:
        raise openai.APIConnectionError(request=request) from exc
    from .bounded import MAX_ERROR_BODY, TooLarge, read_body

    if not 200 <= response.status_code < 300:
        try:
            response._content = await read_body(response, MAX_ERROR_BODY)
        except (httpx2.TransportError, TooLarge):
            response._content = b""  # the status says enough
        finally:
            await response.aclose()
        raise client._make_status_error_from_response(response)
    if not stream:
        try:
            response._content = await read_body(response)  # bounded: see ``bounded``
        except httpx2.TimeoutException as exc:
            raise openai.APITimeoutError(request=request) from exc
        except httpx2.TransportError as exc:
            raise IncompleteReply(f"the response broke ({type(exc).__name__})") from exc
        finally:
            await response.aclose()
    return response


class _Lines:
    """``async with post.stream(...) as lines: async for line in lines``; closes the response."""

    DRAIN = 1.0  # seconds to read what follows [DONE], so that the connection can be used again

    def __init__(self, client, path: str, body: dict):
        self.client, self.path, self.body, self.response, self.lines = client, path, body, None, None

    async def __aenter__(self):
        from .bounded import lines

        self.response = await _send(self.client, self.path, self.body, stream=True)
        self.lines = lines(self.response)
        return self.lines

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if self.response is None:
            return
        if exc_type is None:  # a whole reply: read to the end of the body, or the connection is lost
            import asyncio

            try:
                async with asyncio.timeout(self.DRAIN):
                    async for _ in self.lines:
                        pass
            except Exception:  # noqa: BLE001 — a server that keeps talking: close the connection instead
                pass
        await self.response.aclose()


MAX_DEPTH = 64
_STRUCTURE = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def loads(data: str | bytes, notes: list[str] | None = None):
    """JSON from a provider, whatever its depth: values nested past ``MAX_DEPTH`` become null, with a note.

    Python's parser fails on deep nesting (RecursionError), which would lose a
    whole reply for one strange field; the pruning pass is one linear scan.
    """
    try:
        return json.loads(data)
    except RecursionError:
        pass
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    out, depth, at, cut = [], 0, 0, None
    for m in _STRUCTURE.finditer(raw):
        c = m.group(0)
        if c in (b"[", b"{"):
            depth += 1
            if depth == MAX_DEPTH + 1 and cut is None:
                cut = m.start()
        elif c in (b"]", b"}"):
            depth -= 1
            if depth == MAX_DEPTH and cut is not None:
                out += [raw[at:cut], b"null"]
                at, cut = m.end(), None
    out.append(raw[at:])
    message = f"values nested deeper than {MAX_DEPTH} levels were replaced by null"
    if notes is not None and message not in notes:
        notes.append(message)
    return json.loads(b"".join(out))


def _relative(path: str) -> str:
    """``/v1/chat/completions`` → ``/chat/completions``: the client's base URL holds the ``/v1``."""
    return path[3:] if path.startswith("/v1/") else path


post = _Post()


def get(api: str):
    """The protocol module for ``api`` (``chat`` or ``responses``)."""
    if api not in APIS:
        raise ValueError(api)
    return import_module(f".{api}", __name__)


async def get_json(client, path: str, params: dict | None = None, notes: list[str] | None = None):
    """GET ``path`` → its JSON, the body read within ``bounded.MAX_BODY`` (a background poll's answer)."""
    response = await _send(client, path, None, stream=False, method="GET", params=params)
    return loads(response.content, notes)


async def whole(client, path: str, args: dict, parse) -> Received:
    """A non-streamed reply, read by ``parse``, with any note from reading its JSON."""
    notes: list[str] = []
    received = parse(await post(client, path, args, notes))
    received.notes[:0] = notes
    return received


def check_text(received: Received, max_output_tokens: int | None) -> Received:
    """A reply with no text is no reply: retried if it simply stopped, failed if the limit ate it."""
    if received.text.strip():
        return received
    if received.finish == "length":
        limit = f" --max-output-tokens {max_output_tokens}" if max_output_tokens else " its output limit"
        raise ReplyFailed(f"the model reached{limit} before writing any text"
                          + (" (it spent them reasoning)" if received.reasoning else "")
                          + "; raise --max-output-tokens")
    raise IncompleteReply(f"the reply has no text (finish reason {received.finish or 'none'})")
