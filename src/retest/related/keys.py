"""The services' keys, read from the environment once and registered as secrets (never shown, logged or
stored)."""

from __future__ import annotations

import os

from ..errors import RetestError


def key_from(env: str) -> str | None:
    """The key in ``env``, registered as a secret; a key with whitespace is refused (as the model key is)."""
    from ..util.redact import register

    value = os.environ.get(env)
    if not value:
        return None
    register(value)
    if value != value.strip() or any(c.isspace() for c in value):
        raise RetestError(f"{env}: the key has whitespace in it; set it to the key alone")
    return value
