"""Named endpoints: ``-m MODEL@NAME`` sends MODEL to the endpoint NAME, with that endpoint's own key.

Endpoints come from ``endpoints.toml`` in retest's config folder (``RETEST_ENDPOINTS`` names another file),
each ``[endpoints.NAME]`` with ``base_url``, ``key_env`` (the *name* of the environment variable holding the
key: keys stay out of files), and optionally ``api``, ``search``, ``provider`` (how it is priced) and
``aliases`` (short names for models whose own name contains ``@``). A few well-known providers are known by
name without a file (``providers.KNOWN``); an entry in the file replaces the built-in one of the same name.

An endpoint's faults are found when it is used, so that one bad entry never stops the others: the file is
read whole (bad TOML stops every ``@NAME``), each entry checked when its name is asked for.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ConfigError
from .providers import KNOWN

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_KEYS = {"base_url", "key_env", "api", "search", "provider", "aliases"}
RESERVED = {"pasted"}  # the name replies added by hand (``archive add``) are kept under


def endpoints_file() -> Path:
    """``RETEST_ENDPOINTS``, else ``endpoints.toml`` in retest's config folder."""
    given = os.environ.get("RETEST_ENDPOINTS")
    if given:
        return Path(given).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("retest")) / "endpoints.toml"


@dataclass(frozen=True)
class Endpoint:
    """One named endpoint, checked."""

    name: str
    base_url: str
    key_env: str | None = None
    api: str | None = None
    search: dict = field(default_factory=dict)  # {"on": bool, "context": str|None, "domains": tuple}
    provider: str | None = None
    aliases: dict = field(default_factory=dict)
    where: str = "built in"  # the file it came from, for messages

    @property
    def label(self) -> str:
        return f"{self.where}: [endpoints.{self.name}]" if self.where != "built in" else \
            f"the built-in endpoint {self.name}"

    def key(self, need: bool = True) -> str | None:
        """The key from ``key_env``; a ``key_env`` that is unset is an error only when a key is needed."""
        if not self.key_env:
            return None
        value = os.environ.get(self.key_env) or None
        if value is None and need:
            raise ConfigError(f"{self.label} key_env: {self.key_env} is not set (export {self.key_env}=… to "
                              f"use {self.name})")
        return value


class Endpoints:
    """The endpoints known by name: the built-in providers and the file's entries."""

    def __init__(self, path: Path | None = None):
        self.path = path or endpoints_file()
        self.raw: dict[str, dict] = {name: dict(entry) for name, entry in KNOWN.items()}
        self.where: dict[str, str] = {name: "built in" for name in KNOWN}
        self._read()

    def _read(self) -> None:
        if not self.path.exists():
            if os.environ.get("RETEST_ENDPOINTS"):
                raise ConfigError(f"RETEST_ENDPOINTS={self.path}: no such file")
            return
        import tomllib

        try:
            with self.path.open("rb") as fh:
                data = tomllib.load(fh)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"endpoints file {self.path}: cannot read it "
                              f"({getattr(exc, 'strerror', None) or exc})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"endpoints file {self.path}: not valid TOML ({exc})") from None
        unknown = sorted(set(data) - {"endpoints"})
        if unknown:
            raise ConfigError(f"endpoints file {self.path}: unknown table {unknown[0]!r} (give [endpoints.NAME])")
        section = data.get("endpoints", {})
        if not isinstance(section, dict):
            raise ConfigError(f"endpoints file {self.path}: [endpoints] must be a table of [endpoints.NAME]")
        for name, entry in section.items():
            self.raw[name] = entry
            self.where[name] = str(self.path)

    @property
    def names(self) -> list[str]:
        return sorted(self.raw)

    def file_names(self) -> list[str]:
        """The endpoints the file defines, in name order."""
        return sorted(n for n, w in self.where.items() if w != "built in")

    def get(self, name: str) -> Endpoint:
        """The endpoint NAME, checked; an unknown name lists the known ones."""
        if name not in self.raw:
            raise ConfigError(f"unknown endpoint @{name}: known are {', '.join(self.names)} "
                              f"(define others in {self.path})")
        return _checked(name, self.raw[name], self.where[name])

    def resolve(self, spec: str) -> tuple[str, Endpoint]:
        """``MODEL@NAME`` → (the model's own name, its endpoint); an alias gives the model's own name."""
        model, _, name = spec.rpartition("@")
        if not model or not name:
            raise ConfigError(f"-m {spec!r}: give MODEL@NAME (NAME an endpoint: {', '.join(self.names)})")
        endpoint = self.get(name)
        return endpoint.aliases.get(model, model), endpoint


def _checked(name: str, entry, where: str) -> Endpoint:
    label = f"{where}: [endpoints.{name}]" if where != "built in" else f"the built-in endpoint {name}"
    if not _NAME.match(name) or name in RESERVED:
        raise ConfigError(f"{label}: {name!r} cannot name an endpoint (letters, digits, '.', '_' and '-'; "
                          f"not {', '.join(sorted(RESERVED))})")
    if not isinstance(entry, dict):
        raise ConfigError(f"{label} must be a table (base_url = …, key_env = …)")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ConfigError(f"{label} {unknown[0]}: unknown setting (give {', '.join(sorted(_KEYS))})")
    base_url = entry.get("base_url")
    if not isinstance(base_url, str) or urlsplit(base_url).scheme not in ("http", "https") \
            or not urlsplit(base_url).hostname:
        raise ConfigError(f"{label} base_url: give an http(s) URL such as https://api.openai.com/v1")
    key_env = entry.get("key_env")
    if key_env is not None and (not isinstance(key_env, str) or not _ENV.match(key_env)):
        raise ConfigError(f"{label} key_env: give the NAME of an environment variable (such as MY_API_KEY), "
                          "not the key itself")
    api = entry.get("api")
    if api is not None and api not in ("chat", "responses"):
        raise ConfigError(f"{label} api: give \"chat\" or \"responses\"")
    provider = entry.get("provider")
    if provider is not None and (not isinstance(provider, str) or not provider.strip()):
        raise ConfigError(f"{label} provider: give a provider id of the price table (such as \"openai\")")
    aliases = entry.get("aliases", {})
    if not isinstance(aliases, dict) or not all(isinstance(k, str) and isinstance(v, str) and k and v
                                                for k, v in aliases.items()):
        raise ConfigError(f"{label} aliases: give a table of short = \"the model's own name\"")
    return Endpoint(name=name, base_url=base_url, key_env=key_env, api=api, search=_search(entry.get("search"), label),
                    provider=provider, aliases=dict(aliases), where=where)


def _search(value, label: str) -> dict:
    """``search = true`` or ``search = {context = "high", domains = ["arxiv.org"]}``."""
    if value is None or value is False:
        return {}
    if value is True:
        return {"on": True}
    if not isinstance(value, dict) or set(value) - {"context", "domains"}:
        raise ConfigError(f"{label} search: give true, or a table with context (low|medium|high) and domains")
    context, domains = value.get("context"), value.get("domains", [])
    if context not in (None, "low", "medium", "high"):
        raise ConfigError(f"{label} search.context: give low, medium or high")
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise ConfigError(f"{label} search.domains: give a list of domain names such as [\"arxiv.org\"]")
    return {"on": True, "context": context, "domains": tuple(domains)}
