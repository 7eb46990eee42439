"""The one exception tree of the emulator's Python API.

Everything a public function raises on purpose is an :class:`EmulatorError` (plus the
standard ``TypeError`` for arguments of the wrong Python type). Refusals carry a ``kind``
that fronts map to their own dialect (HTTP 400/404/409 on the gateway and admin API, a
``file:line:col`` line for a scenario file) and the ``field`` they are about, if any.

    EmulatorError
    └── ModelError            a refused action; .kind, .message, .field
        ├── InvalidRequest    the request itself is wrong (a ValueError) (HTTP 400)
        │   ├── ClockError    a bad duration, time or clock setting
        │   └── ScenarioError a scenario file that cannot run; .problems
        ├── NotFound          no such charger, route or thing        (HTTP 404)
        │   └── ScenarioFileNotFound  (also a FileNotFoundError)
        └── Conflict          right request, wrong moment            (HTTP 409)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Refusal(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"


class EmulatorError(Exception):
    """The root of every error the emulator raises on purpose."""


class ModelError(EmulatorError):
    """An action the emulator refuses, with a message that says how to fix it. Catch a
    subclass to catch one kind of refusal."""

    def __init__(self, kind: Refusal, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.field = field


class InvalidRequest(ModelError, ValueError):
    """The request itself is wrong: a bad value, a missing or unknown field. Also a
    ``ValueError``, as Python code passing a bad value expects."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(Refusal.INVALID, message, field)


class NotFound(ModelError):
    """No charger, route or other thing by that name."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(Refusal.NOT_FOUND, message, field)


class Conflict(ModelError):
    """A right request at the wrong moment (no car plugged in, already faulted...)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(Refusal.CONFLICT, message, field)


class ScenarioFileNotFound(NotFound, FileNotFoundError):
    """A scenario path that names no file (also a ``FileNotFoundError``)."""


class ClockError(InvalidRequest):
    """A duration, time or clock setting the emulator cannot use."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (file, 1-based line and column, the path of
    keys) and what to do about it."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


class ScenarioError(InvalidRequest):
    """A scenario that cannot run. ``problems`` lists every problem found, in file order;
    the message has one ``file:line:col: message`` line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def invalid(message: str, field: str | None = None) -> InvalidRequest:
    return InvalidRequest(message, field)


def conflict(message: str) -> Conflict:
    return Conflict(message)


def not_found(message: str) -> NotFound:
    return NotFound(message)
