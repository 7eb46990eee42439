"""An HTTPS emulator of the Enphase IQ Gateway, for testing clients without hardware.

The public API: :class:`Gateway` and :class:`SyncGateway` (test doubles that start a real
HTTPS gateway), and the one exception tree every public function raises from
(:class:`EmulatorError` and its subclasses; see :mod:`emulator.errors`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    ClockError,
    Conflict,
    EmulatorError,
    InvalidRequest,
    ModelError,
    NotFound,
    Problem,
    ScenarioError,
    ScenarioFileNotFound,
)

__version__ = "0.1.0"
__all__ = [
    "ClockError",
    "Conflict",
    "EmulatorError",
    "Gateway",
    "InvalidRequest",
    "ModelError",
    "NotFound",
    "Problem",
    "ScenarioError",
    "ScenarioFileNotFound",
    "SyncGateway",
    "__version__",
]

if TYPE_CHECKING:
    from .testing import Gateway, SyncGateway


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `import emulator` (and the pytest plugin every test run
    # of a project that installs this package loads) stays cheap.
    if name in ("Gateway", "SyncGateway"):
        from . import testing

        return getattr(testing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
