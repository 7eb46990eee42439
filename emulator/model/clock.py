"""The one source of time for the whole emulator.

The clock says what time it is; the model decides what happens up to that time
(see ``World.sync``). A clock runs at a *rate*: 0 is ``manual`` (moves only when
told), 1 is ``realtime`` and N is ``scaled`` (N seconds of emulated time per real
second).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

from ..errors import ClockError

__all__ = [
    "MAX_DURATION_S",
    "MAX_TIME",
    "Clock",
    "ClockError",
    "ClockMode",
    "check_duration",
    "check_time",
    "iso",
    "parse_duration",
    "parse_time",
]

MIN_TIME = datetime(1, 1, 1, tzinfo=UTC).timestamp()
MAX_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()
"""The latest instant the emulator names (ISO-8601 has four-digit years); later: 400."""
MAX_DURATION_S = 100 * 365 * 86400.0
"""The longest duration accepted anywhere (100 years); longer, ``.inf`` or NaN: 400."""


class ClockMode(StrEnum):
    MANUAL = "manual"
    REALTIME = "realtime"
    SCALED = "scaled"


MAX_RATE = 86400.0
"""The fastest clock: one emulated day per real second."""


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
        check_time(self.now() + check_duration(seconds), "the clock")
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

    def set_rate(self, rate: float) -> float:
        """Run at ``rate`` from now on (0: manual, 1: real time, else scaled); the time
        already shown is kept, so nothing jumps."""
        if not 0 <= rate <= MAX_RATE:  # also refuses NaN
            raise ClockError(f"the clock rate must be between 0 and {MAX_RATE:g}, got {rate!r}")
        now = self.now()
        self._base, self._mono0 = now, self._monotonic()
        self.rate = float(rate)
        self.mode = (
            ClockMode.MANUAL if rate == 0 else ClockMode.REALTIME if rate == 1 else ClockMode.SCALED
        )
        return now

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
    return check_time(parsed.timestamp(), repr(text))


def check_time(t: float, what: str = "a time") -> float:
    """``t`` when the emulator can name it (a finite instant up to year 9999), else
    ClockError: every time that reaches the model goes through here."""
    if not math.isfinite(t) or not MIN_TIME <= t <= MAX_TIME:
        raise ClockError(f"{what} would be outside the years 1..9999 (the emulator's time range)")
    return t


def check_duration(seconds: float) -> float:
    """``seconds`` when it is a finite duration up to :data:`MAX_DURATION_S`."""
    if not math.isfinite(seconds) or seconds > MAX_DURATION_S:
        raise ClockError(
            f"a duration must be finite and at most {MAX_DURATION_S / 86400 / 365:.0f} years, "
            f"got {seconds!r}"
        )
    return seconds


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str | int | float) -> float:
    """``90``, ``"90s"``, ``"40m"``, ``"2h30m"``, ``"30d"`` → seconds."""
    if isinstance(value, bool):
        raise ClockError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ClockError(f"a duration cannot be negative: {value}")
        try:
            return check_duration(float(value))
        except OverflowError:  # an int too large for a float
            raise ClockError("a duration must be at most 100 years") from None
    text = str(value).strip().lower()
    if len(text) > 64:
        raise ClockError(f"not a duration: {text[:20]!r}... is too long (at most 64 characters)")
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
    return check_duration(total)
