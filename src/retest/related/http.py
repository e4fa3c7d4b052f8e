"""Polite HTTP to a literature service: paced, retried, bounded, and never showing its key.

One ``Polite`` per service and run. Requests run concurrently (``concurrency``
at once) but leave no faster than ``rate`` a second; 429 and 5xx answers and
dropped connections are retried after ``Retry-After`` (capped) or an
exponential backoff; each request, body included, must finish within
``deadline`` seconds; a body is read up to ``MAX_BODY`` and must be JSON.
Messages name the service and its host, never the URL (an ``api_key`` rides
in OpenAlex's query string).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import time
from urllib.parse import urlsplit

from ..errors import RetestError
from ..util.settings import env_number

MAX_BODY = 16 * 1024 * 1024
DEADLINE = 30.0  # seconds for one request, start to last byte
ATTEMPTS = 5
MAX_WAIT = 60.0  # a Retry-After longer than this is not waited out
RETRY = {429, 500, 502, 503, 504}


class ServiceError(RetestError):
    """The service is down, too slow, refuses us, or answers garbage: nothing can be concluded."""

    exit_code = 1


class KeyProblem(ServiceError):
    """The key is missing or refused."""


def interval_override(official: bool) -> float | None:
    """``RETEST_RELATED_INTERVAL``: seconds between requests, honoured only for a mirror (tests, benchmarks)."""
    if official:
        return None
    return env_number("RETEST_RELATED_INTERVAL", None, lambda v: 0 <= v < 60,
                      "give the seconds between requests (0 to 60)")


def base_url(env: str, default: str) -> str:
    """The service's base URL: ``env`` (a mirror, a test server) or the official one; an http(s) URL, no password."""
    value = os.environ.get(env) or default
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RetestError(f"{env}={value[:80]!r}: give an http(s) URL such as {default}")
    if parts.username or parts.password:
        raise RetestError(f"{env}: a user:password@ part is refused; the key goes in its own variable")
    return value


def deadline() -> float:
    """``RETEST_RELATED_TIMEOUT``: seconds one request may take, start to last byte (default 30)."""
    return env_number("RETEST_RELATED_TIMEOUT", DEADLINE, lambda v: 0.1 <= v <= 600,
                      "give the seconds one request may take (0.1 to 600)")


def backoff_base() -> float:
    raw = os.environ.get("RETEST_RELATED_BACKOFF", "")
    try:
        return min(max(float(raw), 0.0), 10.0) if raw else 1.0
    except ValueError:
        return 1.0


class Polite:
    """Paced, retried JSON requests to one service."""

    def __init__(self, name: str, base_url: str, *, rate: float, concurrency: int, key_hint: str,
                 params: dict | None = None, headers: dict | None = None, official: bool = False):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).hostname or self.base_url
        override = interval_override(official)
        self.interval = override if override is not None else 1.0 / rate
        self.concurrency = concurrency
        self.deadline = deadline()
        self.key_hint = key_hint
        self.params = dict(params or {})
        self.headers = {"User-Agent": "retest (related papers)", "Accept-Encoding": "gzip, deflate", **(headers or {})}
        self.keyed = bool(params or headers)
        self.requests = 0
        self._next = 0.0
        self._lock: asyncio.Lock | None = None
        self._slots: asyncio.Semaphore | None = None
        self._client = None
        self.down: ServiceError | None = None  # once the service has failed for good, the rest fail at once

    async def __aenter__(self):
        import httpx2

        self._lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(self.concurrency)
        self._client = httpx2.AsyncClient(follow_redirects=False, timeout=httpx2.Timeout(self.deadline, connect=min(10.0, self.deadline)),
                                          headers=self.headers)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._client.aclose()

    def problem(self, what: str) -> ServiceError:
        return ServiceError(f"{self.name} at {self.host}: {what}")

    async def _pace(self) -> None:
        async with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self.interval
        if wait > 0:
            await asyncio.sleep(wait)

    async def call(self, method: str, path: str, params: dict | None = None, body=None):
        """``(status, json)``: 200 with its JSON, or 404/400 with None. Anything else raises ``ServiceError``."""
        async with self._slots:
            if self.down is not None:
                raise self.down
            try:
                return await self._call(method, path, params, body)
            except ServiceError as exc:
                self.down = exc
                raise

    async def _call(self, method, path, params, body):
        if True:
            for attempt in range(1, ATTEMPTS + 1):
                await self._pace()
                self.requests += 1
                try:
                    async with asyncio.timeout(self.deadline):
                        status, headers, raw = await self._once(method, path, params, body)
                except TimeoutError:
                    if attempt == ATTEMPTS:
                        raise self.problem(f"no complete answer within {self.deadline:g} s") from None
                    await asyncio.sleep(self._backoff(attempt, None))
                    continue
                except OSError as exc:
                    if attempt == ATTEMPTS:
                        raise self.problem(f"cannot reach it ({_reason(exc)})") from None
                    await asyncio.sleep(self._backoff(attempt, None))
                    continue
                if status in RETRY and attempt < ATTEMPTS:
                    wait = self._backoff(attempt, headers.get("retry-after"))
                    if wait is None:
                        raise self.problem(f"asks to wait longer than {MAX_WAIT:g} s (Retry-After); try later")
                    await asyncio.sleep(wait)
                    continue
                return self._answer(status, raw)
        raise AssertionError("unreachable")

    async def _once(self, method, path, params, body):
        import httpx2

        query = {**(params or {}), **self.params}
        try:
            request = self._client.build_request(method, f"{self.base_url}{path}", params=query, json=body)
            response = await self._client.send(request, stream=True)
        except httpx2.TimeoutException:
            raise TimeoutError from None
        except httpx2.HTTPError as exc:
            raise OSError(type(exc).__name__) from None
        try:
            chunks, size = [], 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > MAX_BODY:
                    raise self.problem(f"sent more than {MAX_BODY // 1024 // 1024} MB")
                chunks.append(chunk)
        except httpx2.TimeoutException:
            raise TimeoutError from None
        except httpx2.HTTPError as exc:
            raise OSError(type(exc).__name__) from None
        finally:
            await response.aclose()
        encoding = response.headers.get("content-encoding", "")
        raw = b"".join(chunks)
        if encoding and encoding != "identity":
            raw = _decode(raw, encoding, self)
        return response.status_code, response.headers, raw

    def _backoff(self, attempt: int, retry_after: str | None) -> float | None:
        if retry_after:
            wait = _retry_after(retry_after)
            if wait is not None:
                return None if wait > MAX_WAIT else wait
        return backoff_base() * 2 ** (attempt - 1)

    def _answer(self, status: int, raw: bytes):
        if status in (401, 403):
            if self.keyed:
                raise KeyProblem(f"{self.name} at {self.host} refused the key ({status}): {self.key_hint}")
            raise KeyProblem(f"{self.name} at {self.host} wants an API key ({status}): {self.key_hint}")
        if status in (400, 404):
            return status, None
        if 300 <= status < 400:  # never followed: the key would go wherever it points
            raise self.problem(f"answered with a redirect ({status}); point the base URL at the service itself")
        if status == 429:
            hint = "" if self.keyed else f"; a key raises the limit: {self.key_hint}"
            raise self.problem(f"still rate-limited after {ATTEMPTS} tries (429){hint}")
        if status != 200:
            raise self.problem(f"answered {status}")
        try:
            return status, json.loads(raw)
        except (ValueError, RecursionError):
            raise self.problem("answered with something that is not JSON") from None


def _decode(raw: bytes, encoding: str, service: Polite) -> bytes:
    import zlib

    if encoding not in ("gzip", "deflate"):
        raise service.problem(f"sent an unknown content encoding {encoding[:20]!r}")
    inflater = zlib.decompressobj(wbits=31 if encoding == "gzip" else 15)
    try:
        out = inflater.decompress(raw, MAX_BODY + 1)
    except zlib.error:
        raise service.problem("sent a body that does not decompress") from None
    if len(out) > MAX_BODY:
        raise service.problem(f"sent more than {MAX_BODY // 1024 // 1024} MB")
    return out


def _retry_after(value: str) -> float | None:
    value = value.strip()[:64]
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reason(exc: OSError) -> str:
    return str(exc.args[0]) if exc.args else type(exc).__name__


class OverHttp:
    """A service whose requests go through ``self.http`` (a ``Polite``): entering it opens that, leaving closes it."""

    http: Polite

    async def __aenter__(self):
        await self.http.__aenter__()
        return self

    async def __aexit__(self, *exc):
        await self.http.__aexit__(*exc)
