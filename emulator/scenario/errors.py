"""What goes wrong with a scenario: problems with positions, and the error that carries them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidRequest, ModelError


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


class BuildError(ModelError):
    """The model refused part of a scenario while building it; ``path`` says which part."""

    def __init__(self, path: tuple[str | int, ...], error: ModelError) -> None:
        super().__init__(error.kind, error.message, error.field)
        self.path = path
