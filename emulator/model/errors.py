"""Refusals from the model; the classes live in :mod:`emulator.errors` (the one tree)."""

from __future__ import annotations

from ..errors import (
    Conflict,
    InvalidRequest,
    ModelError,
    NotFound,
    Refusal,
    conflict,
    invalid,
    not_found,
)

__all__ = [
    "Conflict",
    "InvalidRequest",
    "ModelError",
    "NotFound",
    "Refusal",
    "conflict",
    "invalid",
    "not_found",
]
