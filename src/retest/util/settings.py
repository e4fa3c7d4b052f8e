"""Settings read from the environment: a number, refused in one line when it is not a number in its range; the
cache folder."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path


def env_number(name: str, default, fits: Callable[[float], bool], hint: str):
    """``name``'s value as a float (``default`` when unset or empty); ``NAME='…': hint`` when not ``fits``."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not fits(value):  # nan fits no range
        from ..errors import RetestError

        raise RetestError(f"{name}={raw!r}: {hint}")
    return value


def cache_dir() -> Path:
    """retest's cache folder: RETEST_CACHE_DIR, else the platform's user cache folder for retest."""
    root = os.environ.get("RETEST_CACHE_DIR")
    if root:
        return Path(root)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("retest"))
