"""The Responses API's background endpoints, one call each, every call under a wall-clock bound.

``POST /v1/responses`` with ``background: true`` (which needs ``store: true``)
answers at once with ``status: "queued"`` and an ``id``; ``GET
/v1/responses/{id}`` moves through ``queued`` and ``in_progress`` to
``completed``, ``failed``, ``cancelled`` or ``incomplete``; ``POST
/v1/responses/{id}/cancel`` cancels (OpenAI answers an ended response as it
is). OpenAI offers no way to list responses; some compatible providers answer
``GET /v1/responses`` with a list whose items carry their ``metadata``, and
that is the only way a create whose answer was lost can be found again.

Calls go through the openai SDK's client (the endpoint, key, headers and
connection pools of ``send``), so failures are the SDK's exceptions that
``faults`` classifies.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from .endpoint import Settings
from .faults import AttemptTimeout, describe
from .protocols import IncompleteReply

POLL_TIMEOUT = 60.0  # one poll, look-up or cancel, wall clock
CREATE_TIMEOUT = 120.0  # one create call (it answers at once when all is well)
LIST_PAGES = 10  # how far back a lost create is looked for (100 responses a page)
RUNNING = ("queued", "in_progress")
ENDED = ("completed", "failed", "cancelled", "incomplete")
AMBIGUOUS = (502, 504, 520, 524)  # a gateway gave up waiting (Cloudflare: 520, 524): the provider behind it
# may have made the response


class Deadline(AttemptTimeout):
    """One call ran past its wall-clock bound."""


def body(s: Settings, text: str, key: str) -> dict:
    """The create request: ``send``'s Responses body, in the background, stored, carrying our key."""
    from .protocols import responses

    return {**responses.body(s, text), "background": True, "store": True, "metadata": {"retest_key": key}}


async def call(client, s: Settings, method: str, path: str, payload: dict | None = None, *,
               limit: float = POLL_TIMEOUT, params: dict | None = None) -> dict:
    """One call → its JSON object; raises the SDK's errors, ``Deadline``, or ``IncompleteReply`` (not JSON)."""
    options = {"params": params} if params else {}
    limit = min(s.timeout, limit)
    try:
        async with asyncio.timeout(limit):
            if method == "post":
                answer = await client.post(path, body=payload or {}, cast_to=object, options=options)
            else:  # a poll's answer can be a whole long reply: read within a bound (``protocols.bounded``)
                from .protocols import get_json

                answer = await get_json(client, path, params)
    except TimeoutError:
        raise Deadline(f"{s.endpoint} did not answer within {limit:g} s") from None
    except ValueError:  # the SDK's JSON decoding
        raise IncompleteReply(f"{s.endpoint} answered something that is not JSON") from None
    if not isinstance(answer, dict):
        raise IncompleteReply(f"{s.endpoint} answered something that is not a JSON object")
    return answer


def path_of(response_id: str, action: str = "") -> str:
    return "/responses/" + quote(response_id, safe="") + (f"/{action}" if action else "")


async def look_up(client, s: Settings, key: str) -> tuple[dict | None, str]:
    """The response created with this key, where the provider lists responses; else why not found."""
    import openai

    after = None
    try:
        for _ in range(LIST_PAGES):
            params = {"limit": 100, "order": "desc", **({"after": after} if after else {})}
            page = await call(client, s, "get", "/responses", params=params)
            items = [i for i in page.get("data") or [] if isinstance(i, dict)] if isinstance(page.get("data"),
                                                                                              list) else []
            for item in items:
                if isinstance(item.get("metadata"), dict) and item["metadata"].get("retest_key") == key:
                    return item, "found"
            if not page.get("has_more") or not items or not valid_id(items[-1].get("id")):
                return None, "it is not among the responses the provider lists"
            after = items[-1]["id"]
        return None, f"it is not among the {100 * LIST_PAGES} newest responses the provider lists"
    except openai.APIStatusError as exc:
        if exc.status_code in (400, 404, 405, 501):
            return None, "the provider offers no way to look it up"
        return None, f"looking it up failed ({describe(exc, s)})"
    except Exception as exc:  # noqa: BLE001 — said, and recorded as unknown
        return None, f"looking it up failed ({say(exc, s)})"


def say(error: BaseException, s: Settings) -> str:
    return str(error) if isinstance(error, Deadline | IncompleteReply) else describe(error, s)


def refused(error: BaseException) -> bool:
    """Whether a failed create certainly made nothing: the provider said no, or the request never left."""
    import httpx2
    import openai

    if isinstance(error, openai.APIStatusError):
        return error.status_code not in AMBIGUOUS
    if isinstance(error, openai.APIConnectionError):  # timeouts too: connecting may be what timed out
        return isinstance(error.__cause__, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.PoolTimeout)
    return False


def status_of(data) -> str | None:
    status = data.get("status") if isinstance(data, dict) else None
    return status if isinstance(status, str) and status.isascii() and len(status) < 40 else None


def valid_id(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 200 and value.isascii() and value.isprintable()
