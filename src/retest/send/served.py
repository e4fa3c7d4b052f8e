"""What an endpoint serves (``GET /v1/models``): ``retest models``, and the check that refuses a typo'd model
before anything is sent.

The list is cached briefly in retest's cache folder, by endpoint URL (never by key). A cached list only ever
lets a model through: a model it lacks is looked up afresh before it is refused, so a stale list refuses
nothing. A server without ``/v1/models`` (404, 405, 501, or an answer that is not a model list) is remembered
as such for a day and not asked again; its models go through unchecked.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from .endpoint import ConfigError, Settings, online_hint

FRESH = 120.0  # seconds a model list is trusted to let a model through
NO_LISTING = 86_400.0  # seconds a server without /v1/models is not asked again
TIMEOUT = 10.0
MAX_BYTES = 8 * 1024 * 1024


class ListingFailed(ConfigError):
    """The endpoint answered /v1/models with an error that is not "no such route" (a bad key, a server fault)."""


def _cache_file(s: Settings) -> Path:
    from ..util.settings import cache_dir

    return cache_dir() / "models" / (hashlib.sha256(s.api_base.encode()).hexdigest()[:32] + ".json")


def _cached(s: Settings) -> dict | None:
    try:
        data = json.loads(_cache_file(s).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    age = time.time() - float(data.get("at", 0)) if isinstance(data, dict) else 1e12
    if data.get("models") is None:
        return data if age < NO_LISTING else None
    return data if age < FRESH and isinstance(data.get("models"), list) else None


def _remember(s: Settings, models: list[str] | None) -> None:
    path = _cache_file(s)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"at": time.time(), "url": s.display_url, "models": models}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs a request


def fetch(s: Settings) -> list[str] | None:
    """The model IDs the endpoint lists now, sorted; None when it has no ``/v1/models``."""
    import httpx2

    headers = {"Authorization": f"Bearer {s.api_key}"} if s.api_key else {}
    url = s.api_base.rstrip("/") + "/models"
    try:
        with httpx2.Client(timeout=httpx2.Timeout(TIMEOUT), follow_redirects=False) as client:
            deadline = time.monotonic() + TIMEOUT  # the whole answer, however slowly it trickles in
            with client.stream("GET", url, headers=headers, params=s.query or None) as response:
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES or time.monotonic() > deadline:
                        raise ListingFailed(f"{_where(s)}: /models answered too much or too slowly")
    except httpx2.HTTPError as exc:
        raise ListingFailed(f"{_where(s)}: cannot list its models ({type(exc).__name__}: {exc})") from None
    if response.status_code in (404, 405, 501):
        return None
    if response.status_code in (401, 403):
        raise ListingFailed(f"{_where(s)}: {s.key_name} was refused listing the models ({response.status_code})")
    if response.status_code >= 400:
        raise ListingFailed(f"{_where(s)}: /models answered {response.status_code}")
    try:
        data = json.loads(body)
        items = data["data"] if isinstance(data, dict) else data
        models = sorted({str(m["id"]) if isinstance(m, dict) else str(m) for m in items})
    except (ValueError, KeyError, TypeError):
        return None  # not a model list: treated as a server without one
    return models


def served(s: Settings, fresh: bool = False) -> list[str] | None:
    """The endpoint's models (cached up to ``FRESH`` seconds unless ``fresh``); None without ``/v1/models``."""
    cached = None if fresh else _cached(s)
    if cached is not None:
        return cached["models"]
    models = fetch(s)
    _remember(s, models)
    return models


def check_models(settings: list[Settings]) -> None:
    """Refuse, before anything is sent, a model its endpoint does not list, naming the closest it does."""
    for s in settings:
        cached = _cached(s)
        if cached is not None and (cached["models"] is None or s.model in cached["models"]):
            continue
        try:
            models = served(s, fresh=True)
        except ListingFailed:
            continue  # the send itself says what is wrong with the endpoint, in its own words
        if models is None or s.model in models:
            continue
        hint = online_hint(s) if s.model.endswith(":online") else ""
        raise ConfigError(f"-m {s.voice}: {_where(s)} does not serve {s.model!r}; "
                          f"{_closest(s.model, models)} (see `retest models"
                          f"{' ' + s.endpoint_name if s.endpoint_name else ''}`, or --no-model-check){hint}")


def _closest(model: str, models: list[str]) -> str:
    if not models:
        return "it lists no models"
    from rapidfuzz import fuzz, process, utils

    found = process.extract(model, models, scorer=fuzz.WRatio, processor=utils.default_process, limit=3,
                            score_cutoff=50)
    names = [name for name, _, _ in found]
    return f"closest: {', '.join(names)}" if names else f"it serves {len(models)} other model(s)"


def _where(s: Settings) -> str:
    return f"endpoint {s.endpoint_name} ({s.display_url})" if s.endpoint_name else s.display_url


def endpoints_to_list(names: tuple[str, ...] | list[str]) -> list[Settings]:
    """The endpoints ``retest models`` asks: those named, else every one of the endpoints file, else the
    default one (``OPENAI_BASE_URL``)."""
    from .endpoints import Endpoints

    registry = Endpoints() if names or _has_file() else None
    chosen = list(dict.fromkeys(names)) or (registry.file_names() if registry else [])
    if not chosen:
        return [Settings.from_env(model="(any)")]
    return [Settings.for_endpoint("(any)", registry.get(name)) for name in chosen]


def _has_file() -> bool:
    from .endpoints import endpoints_file

    return endpoints_file().is_file()


def listing(settings: list[Settings]) -> list[dict]:
    """``{endpoint, base_url, models, error}`` per endpoint: ``models`` None where the server has no list."""
    out = []
    for s in settings:
        entry = {"endpoint": s.endpoint_name, "base_url": s.display_url, "models": None, "error": None}
        try:
            s.check()
            entry["models"] = served(s)
        except ConfigError as exc:
            entry["error"] = str(exc)
        out.append(entry)
    return out
