"""The one source of time for the whole emulator.

The clock says what time it is; the model decides what happens up to that time
(see ``World.sync``). A clock runs at a *rate*: 0 is ``manual`` (moves only when
told), 1 is ``realtime`` and N is ``scaled`` (N seconds of emulated time per real
second).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

from ..errors import ClockError

__all__ = ["Clock", "ClockError", "ClockMode", "iso", "parse_duration", "parse_time"]


class ClockMode(StrEnum):
    MANUAL = "manual"
    REALTIME = "realtime"
    SCALED = "scaled"


class Clock:
    """Emulated wall time in epoch seconds (UTC)."""

    def __init__(
        self,
        start: float | None = None,
        mode: ClockMode | str = ClockMode.MANUAL,
        rate: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.mode = ClockMode(mode)
        if self.mode is ClockMode.MANUAL:
            self.rate = 0.0
        elif self.mode is ClockMode.REALTIME:
            self.rate = 1.0
        else:
            if rate is None or rate <= 0:
                raise ClockError("a scaled clock needs a rate > 0, e.g. 60 for one minute a second")
            self.rate = float(rate)
        self._monotonic = monotonic
        self._base = float(time.time() if start is None else start)
        self._mono0 = monotonic()

    def now(self) -> float:
        return self._base + self.rate * (self._monotonic() - self._mono0)

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ClockError("seconds must be >= 0: the clock never runs backwards")
        self._base += seconds
        return self.now()

    def set(self, when: float) -> float:
        now = self.now()
        if when < now:
            raise ClockError(
                f"cannot set the clock back from {iso(now)} to {iso(when)}: "
                "energy already delivered cannot be undone; use POST /__emulator/reset"
            )
        return self.advance(when - now)

    def describe(self) -> dict[str, object]:
        return {"mode": self.mode.value, "rate": self.rate, "now": iso(self.now())}


def iso(t: float) -> str:
    """ISO-8601 UTC with a ``Z`` suffix and whole seconds."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> float:
    """Parse an ISO-8601 timestamp; naive times are taken as UTC."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError) as exc:
        raise ClockError(f"not an ISO-8601 time: {text!r} (e.g. 2026-06-01T18:00:00Z)") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str | int | float) -> float:
    """``90``, ``"90s"``, ``"40m"``, ``"2h30m"``, ``"30d"`` → seconds."""
    if isinstance(value, bool):
        raise ClockError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ClockError(f"a duration cannot be negative: {value}")
        return float(value)
    text = str(value).strip().lower()
    if not text:
        raise ClockError("empty duration")
    total, number = 0.0, ""
    try:
        for char in text:
            if char.isdigit() or char == ".":
                number += char
            elif char in _UNITS and number:
                total += float(number) * _UNITS[char]
                number = ""
            else:
                raise ValueError(char)
        if number:
            total += float(number)
    except ValueError:  # a stray character, or numbers like "." and "1.2.3"
        raise ClockError(f"not a duration: {value!r} (use e.g. 90s, 40m, 2h30m, 30d)") from None
    return total
