"""What goes wrong with a scenario: problems with positions, and the error that carries them."""

from __future__ import annotations

from ..errors import ModelError, Problem, ScenarioError

__all__ = ["BuildError", "Problem", "ScenarioError"]


class BuildError(ModelError):
    """The model refused part of a scenario while building it; ``path`` says which part."""

    def __init__(self, path: tuple[str | int, ...], error: ModelError) -> None:
        super().__init__(error.kind, error.message, error.field)
        self.path = path
