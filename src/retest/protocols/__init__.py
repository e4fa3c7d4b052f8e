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
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

APIS = ("chat", "responses")


class IncompleteReply(Exception):
    """The reply did not arrive whole: a stream broke, or ended without its final event."""


class ReplyFailed(Exception):
    """The server answered, but with a failure that another attempt would repeat."""


@dataclass
class Received:
    """One whole reply: its text, why it ended, what it cost, and any reasoning kept apart."""

    text: str
    finish: str | None
    usage: dict | None = None  # normalised by protocols.usage; None when the server sent none
    reasoning: str | None = None


def get(api: str):
    """The protocol module for ``api`` (``chat`` or ``responses``)."""
    if api not in APIS:
        raise ValueError(api)
    return import_module(f".{api}", __name__)


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
