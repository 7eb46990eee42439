"""Reading fields out of untrusted dictionaries with messages that name the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import invalid

_MISSING = object()


def check_keys(params: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        hint = f"allowed: {', '.join(sorted(allowed))}" if allowed else "it takes no fields"
        raise invalid(f"{where}: unknown field(s) {', '.join(unknown)}; {hint}", unknown[0])


def number(
    params: Mapping[str, Any],
    name: str,
    default: Any = _MISSING,
    *,
    low: float | None = None,
    high: float | None = None,
) -> float:
    value = params.get(name, default)
    if value is _MISSING:
        raise invalid(f"'{name}' is required", name)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise invalid(f"'{name}' must be a number, got {value!r}", name)
    if (low is not None and value < low) or (high is not None and value > high):
        raise invalid(f"'{name}' must be between {low} and {high}, got {value}", name)
    return float(value)


def integer(params: Mapping[str, Any], name: str, default: Any = _MISSING) -> int:
    value = params.get(name, default)
    if value is _MISSING:
        raise invalid(f"'{name}' is required", name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"'{name}' must be a whole number, got {value!r}", name)
    return value


def text(
    params: Mapping[str, Any], name: str, default: Any = _MISSING, *, max_len: int = 200
) -> str:
    value = params.get(name, default)
    if value is _MISSING:
        raise invalid(f"'{name}' is required", name)
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise invalid(f"'{name}' must be a non-empty string of at most {max_len} characters", name)
    return value


def mapping(params: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise invalid(f"'{name}' must be an object", name)
    return value
