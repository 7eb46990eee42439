"""An HTTPS emulator of the Enphase IQ Gateway's local EV-charger API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Gateway", "SyncGateway", "__version__"]

if TYPE_CHECKING:
    from .testing import Gateway, SyncGateway


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `import emulator` (and the pytest plugin every test run
    # of a project that installs this package loads) stays cheap.
    if name in ("Gateway", "SyncGateway"):
        from . import testing

        return getattr(testing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
