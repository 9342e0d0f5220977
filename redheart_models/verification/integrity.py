"""Output integrity: a module's answer must be plain JSON values with finite numbers before anything reads it
(a NaN, an infinity or a numpy scalar would otherwise reach the client as an error or as a made-up number)."""

import math
from typing import Any

JSON_SCALARS = (str, bool, int, type(None))
MAX_PROBLEMS = 5


def problems(value: Any, path: str = "") -> list[str]:
    """Where `value` is not a JSON value with finite numbers (path: dotted keys and indices), at most five."""
    found: list[str] = []
    _walk(value, path, found)
    return found[:MAX_PROBLEMS]


def _walk(value: Any, path: str, found: list[str]) -> None:
    if len(found) >= MAX_PROBLEMS:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _walk(item, f"{path}.{key}" if path else str(key), found)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _walk(item, f"{path}.{i}" if path else str(i), found)
    elif type(value) is float:
        if not math.isfinite(value):
            found.append(f"{path} is {value}")
    elif type(value) not in JSON_SCALARS:
        found.append(f"{path} is a {type(value).__module__}.{type(value).__name__}, not a JSON value")
