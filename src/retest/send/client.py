"""The endpoint's HTTP side of ``send``: the SDK client, one attempt under its deadline, a quick reachability probe.

The wire formats themselves live in ``protocols``; this is what every one of
them shares.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

from .endpoint import ConfigError, Settings
from .faults import AttemptTimeout
from .protocols import get as protocol

POOL_SIZE = 16  # connections per pool: httpx scans a whole pool for every request it places


def client_for(s: Settings):
    """The openai SDK's client for the endpoint, with connection pools sized for ``-j``.

    Requests are spread over several small pools rather than one big one: the
    HTTP library checks every connection in a pool each time it places a
    request, which at 128 connections costs more than the request itself.
    """
    import httpx2
    import openai

    timeout = httpx2.Timeout(s.timeout, connect=min(10.0, s.timeout))
    tls = httpx2.create_ssl_context()  # one for all pools: loading the CA store takes ~30 ms each time

    def pool():
        # a redirect is a wrong --base-url: say so, do not re-send elsewhere
        return httpx2.AsyncClient(follow_redirects=False, timeout=timeout, verify=tls,
                                  limits=httpx2.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE))

    pools = [pool() for _ in range(max(1, -(-s.concurrency // POOL_SIZE)))]
    client = openai.AsyncOpenAI(api_key=s.api_key or "not-needed", base_url=s.api_base, max_retries=0,
                                timeout=timeout, http_client=pools[0], default_query=s.query or None)
    client._retest_pools = pools
    client._retest_next = 0
    return client


class Clients:
    """The SDK clients of a run, one per endpoint (its URL, key and query), each made at its first request: a run
    with everything archived never loads the SDK, and each named endpoint gets only its own key."""

    def __init__(self):
        self._made: dict = {}

    def of(self, s: Settings):
        key = (s.api_base, s.api_key, tuple(sorted(s.query.items())))
        if key not in self._made:
            self._made[key] = client_for(s)
        return self._made[key]

    async def close(self) -> None:
        for client in self._made.values():
            await close_client(client)


async def close_client(client) -> None:
    for pool in getattr(client, "_retest_pools", []):
        await pool.aclose()
    await client.close()


async def request(client, s: Settings, text: str, on_delta: Callable[[str], None] | None = None):
    """One attempt, bounded by ``--timeout`` of wall-clock time (not per read)."""
    try:
        async with asyncio.timeout(s.timeout):
            return await protocol(s.api).request(client, s, text, on_delta)
    except TimeoutError:
        raise AttemptTimeout() from None


async def reachable(s: Settings, timeout: float = 10.0) -> None:
    """Fail fast, naming the setting, when nothing listens at the endpoint.

    Skipped behind an HTTP proxy, where only the proxy knows.
    """
    if s.proxied:
        return
    parts = urlsplit(s.base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, port), timeout)
    except (OSError, TimeoutError) as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise ConfigError(f"cannot reach {s.display_url}: {reason} (check --base-url or OPENAI_BASE_URL)") from None
    writer.close()
