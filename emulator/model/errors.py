"""Refusals from the model. Fronts turn them into HTTP statuses or scenario messages."""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    INVALID = "invalid"  # the request itself is wrong (HTTP 400)
    NOT_FOUND = "not_found"  # no such charger or thing (HTTP 404)
    CONFLICT = "conflict"  # right request, wrong moment (HTTP 409)


class ModelError(Exception):
    """An action the model refuses, with a message that says how to fix it."""

    def __init__(self, kind: Refusal, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.field = field


def invalid(message: str, field: str | None = None) -> ModelError:
    return ModelError(Refusal.INVALID, message, field)


def conflict(message: str) -> ModelError:
    return ModelError(Refusal.CONFLICT, message)


def not_found(message: str) -> ModelError:
    return ModelError(Refusal.NOT_FOUND, message)
