"""A number read from the environment, refused in one line when it is not a number in its range."""

from __future__ import annotations

import math
import os
from collections.abc import Callable


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
