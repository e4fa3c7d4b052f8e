"""Where and how to send: endpoint, key, model and parameters.

Configuration follows the OpenAI ecosystem (``OPENAI_BASE_URL``,
``OPENAI_API_KEY``) plus ``RETEST_MODEL``, so the same command works against
OpenAI, vLLM, Ollama, llama.cpp's server and LM Studio. The key is kept here
and nowhere else: messages get ``redact``-ed and the archive sees only the host.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from functools import cached_property
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..errors import ConfigError, RetestError  # noqa: F401 — ConfigError: its old home, still imported from here
from ..util.net import behind_proxy

DEFAULT_BASE_URL = "https://api.openai.com/v1"


def _flag(name: str, raw: str | None) -> bool:
    if raw is None or raw.strip().lower() in ("", "0", "no", "false", "off"):
        return False
    if raw.strip().lower() in ("1", "yes", "true", "on"):
        return True
    raise ConfigError(f"{name}={raw!r}: give 1 or 0")



@dataclass(frozen=True)
class Settings:
    model: str
    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = None
    system: str | None = None
    temperature: float | None = None
    max_output_tokens: int | None = None
    stream: bool = True
    concurrency: int = 4
    max_attempts: int = 6
    timeout: float = 600.0
    wait_multiplier: float = 0.5
    api: str = "chat"
    response_format: dict | None = None  # a JSON schema for structured output (chat: json_schema)
    search: bool = False  # ask the model to search the web (see protocols: each API's own fields)
    search_context: str | None = None  # low | medium | high
    search_domains: tuple[str, ...] = ()
    endpoint_name: str | None = None  # -m MODEL@NAME: the named endpoint (see endpoints), kept with each reply
    key_name: str = "OPENAI_API_KEY"  # where the key came from, for messages
    origin: str | None = None  # the endpoint's entry (file and name), for messages; None: --base-url
    provider: str | None = None  # the price table's provider for this endpoint
    max_searches: int | None = None  # Responses web search: at most this many tool calls (a cost ceiling's bound)

    @classmethod
    def from_env(cls, **given) -> Settings:
        """Given values, else OPENAI_BASE_URL / OPENAI_API_KEY / RETEST_MODEL / RETEST_API."""
        given = {k: v for k, v in given.items() if v is not None}
        given.setdefault("base_url", os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL)
        given.setdefault("api_key", os.environ.get("OPENAI_API_KEY") or None)
        given.setdefault("api", os.environ.get("RETEST_API") or "chat")
        given.setdefault("search", _flag("RETEST_SEARCH", os.environ.get("RETEST_SEARCH")))
        if given.get("search_context") or given.get("search_domains"):
            given["search"] = True
        model = given.pop("model", None) or os.environ.get("RETEST_MODEL")
        if not model:
            raise ConfigError("no model: give --model or set RETEST_MODEL")
        settings = cls(model=model, **given)
        from ..util.redact import register

        register(settings.api_key)
        for value in settings.query.values():  # a gateway's ?key=… is a secret like the key
            register(value)
        return settings

    @classmethod
    def for_models(cls, models: tuple[str, ...] | list[str], **given) -> list[Settings]:
        """One Settings per model (``-m a -m b``; else RETEST_MODEL), in the order given, once each.

        ``MODEL@NAME`` goes to the named endpoint NAME with its own key (see ``endpoints``); a plain MODEL to
        ``--base-url`` / OPENAI_BASE_URL with OPENAI_API_KEY, as always."""
        specs = list(dict.fromkeys(m for m in models if m)) or [None]
        out: list[Settings] = []
        plain: Settings | None = None
        registry = None
        for spec in specs:
            if spec and "@" in spec:
                from .endpoints import Endpoints

                registry = registry or Endpoints()
                model, where = registry.resolve(spec)
                out.append(cls.for_endpoint(model, where, **given))
            elif plain is None:
                plain = cls.from_env(model=spec, **given)
                out.append(plain)
            else:
                out.append(replace(plain, model=spec))
        return out

    @classmethod
    def for_endpoint(cls, model: str, where, **given) -> Settings:
        """Settings for ``model`` at the named endpoint ``where`` (an ``endpoints.Endpoint``): its URL, its key,
        its API unless --api was given, its search defaults unless the command asked for search itself."""
        given = {k: v for k, v in given.items() if v is not None and k != "base_url"}
        given.setdefault("api", where.api or os.environ.get("RETEST_API") or "chat")
        asked = given.get("search") or given.get("search_context") or given.get("search_domains")
        if not asked and where.search.get("on"):
            given["search"] = True
            given["search_context"] = where.search.get("context")
            given["search_domains"] = tuple(where.search.get("domains") or ())
        elif given.get("search_context") or given.get("search_domains"):
            given["search"] = True
        settings = cls(model=model, base_url=where.base_url, api_key=where.key(need=False), endpoint_name=where.name,
                       key_name=where.key_env or "(no key)", origin=where.label, provider=where.provider, **given)
        from ..util.redact import register

        register(settings.api_key)
        return settings

    @property
    def voice(self) -> str:
        """How replies are told apart: ``MODEL@NAME`` for a named endpoint, else ``MODEL``."""
        return f"{self.model}@{self.endpoint_name}" if self.endpoint_name else self.model

    @property
    def endpoint(self) -> str:
        """The host (and port) only: what the archive keeps of the endpoint."""
        parts = urlsplit(self.base_url)
        try:
            port = parts.port
        except ValueError:
            port = None
        return (parts.hostname or "?") + (f":{port}" if port else "")

    @property
    def display_url(self) -> str:
        """The base URL for messages: no ``user:password@``, and every query value masked."""
        parts = urlsplit(self.base_url)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        query = "&".join(f"{k}=***" for k in self.query)
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))

    @property
    def api_base(self) -> str:
        """The base URL the client is given: without its query, which goes with every request instead
        (``…/v1?api-version=X`` → ``…/v1/chat/completions?api-version=X``)."""
        parts = urlsplit(self.base_url)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))

    @property
    def query(self) -> dict[str, str]:
        """The base URL's query parameters, sent with every request."""
        try:
            return dict(parse_qsl(urlsplit(self.base_url).query, keep_blank_values=True))
        except ValueError:
            return {}

    @property
    def params(self) -> dict:
        params = {
            "system": self.system,
            "temperature": self.temperature,
            "max_output_tokens": self.max_output_tokens,
        }
        if self.response_format:
            params["response_format"] = self.response_format.get("name")
        if self.search:  # only when asked, so that earlier replies keep their identity
            params["search"] = {"context": self.search_context, "domains": list(self.search_domains)}
        return params

    @cached_property
    def params_sha256(self) -> str:
        """What makes two replies comparable: endpoint, model and parameters."""
        key = json.dumps({"endpoint": self.endpoint, "model": self.model, **self.params}, sort_keys=True)
        return hashlib.sha256(key.encode()).hexdigest()

    def check(self, need_key: bool = True) -> None:
        """Refuse settings that would make every request fail, naming the one to fix."""
        if self.api not in ("chat", "responses"):
            raise ConfigError(f"--api {self.api!r}: give chat or responses (RETEST_API)")
        if self.endpoint_name and need_key and self.key_name != "(no key)" and not self.api_key:
            raise ConfigError(f"{self.origin} key_env: {self.key_name} is not set (export {self.key_name}=… to "
                              f"use {self.endpoint_name})")
        key = self.key_name
        if self.api_key is not None:
            if self.api_key != self.api_key.strip() or any(c.isspace() for c in self.api_key):
                raise ConfigError(f"{key} contains whitespace (a trailing newline or space?); remove it")
            if not self.api_key.isascii() or not self.api_key.isprintable():
                raise ConfigError(f"{key} contains characters that cannot be sent in an HTTP header")
        parts = urlsplit(self.base_url)
        url = f"{self.origin} base_url" if self.origin else "--base-url"
        try:
            _ = parts.port  # urlsplit checks the port only when asked
        except ValueError:
            raise ConfigError(f"{url} {self.display_url!r} has an invalid port") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{url} {self.display_url!r} is not an http(s) URL")
        if "@" in parts.netloc:  # httpx would send it as Basic auth, in place of the Bearer key
            raise ConfigError(f"--base-url {self.display_url!r}: a user:password@ part is not supported (it would "
                              "replace the key); remove it and give the key in OPENAI_API_KEY")
        self._check_search()
        if need_key and not self.api_key and self.endpoint == "api.openai.com" and not self.endpoint_name:
            raise ConfigError("OPENAI_API_KEY is not set (needed for api.openai.com; --dry-run needs none)")

    def _check_search(self) -> None:
        if self.search_context not in (None, "low", "medium", "high"):
            raise ConfigError(f"--search-context {self.search_context!r}: give low, medium or high")
        for d in self.search_domains:
            if not d or len(d) > 253 or any(c.isspace() or c in "/?#@" for c in d) or not d.isprintable():
                raise ConfigError(f"--search-domains: {d!r} is not a domain (give names such as arxiv.org)")
        if self.search_domains and self.api == "chat":
            if provider(self) is None:
                raise ConfigError("--search-domains: OpenAI's chat search models take no domain filter; use "
                                  "--api responses, Perplexity or OpenRouter")

    @property
    def proxied(self) -> bool:
        """Whether requests go through an HTTP proxy (one not bypassed by NO_PROXY)."""
        return behind_proxy(urlsplit(self.base_url).hostname or "", urlsplit(self.base_url).scheme)

    def redact(self, text: str) -> str:
        from ..util.redact import scrub

        return scrub(text)


def provider(s) -> str | None:
    """Which grounding dialect the endpoint speaks beyond OpenAI's: ``perplexity``, ``openrouter`` or None."""
    host = s.endpoint.split(":")[0]
    for name in ("perplexity", "openrouter"):
        if host == f"{name}.ai" or host.endswith(f".{name}.ai"):
            return name
    if s.model.split("/")[-1].startswith("sonar"):  # Perplexity's models, also behind gateways
        return "perplexity"
    return None


def online_hint(s: Settings) -> str:
    """``MODEL:online`` is OpenRouter's spelling of "this model, searching the web"; elsewhere it names no model."""
    if provider(s) == "openrouter":
        return ""
    return (f"; ':online' is OpenRouter's suffix for a model that searches the web, known only at openrouter.ai, "
            f"not at {s.endpoint}: give --model {s.model.removesuffix(':online')} with --search instead")
