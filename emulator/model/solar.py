"""A simple site: solar production and house load, piecewise constant so that
green charging can be integrated exactly between steps."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

STEP_S = 900
"""Profiles change every 15 minutes (a designed resolution, documented)."""


@dataclass(frozen=True)
class SolarProfile:
    """Production in W for each 15-minute step of a local day, and a house load."""

    steps_w: tuple[float, ...]  # 96 values
    house_load_w: float
    tz: ZoneInfo
    _last: list[tuple[float, int, float]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    """The last ``_step`` answer: the energy model and the world ask several times about
    the same instant (one time-zone conversion instead of three or four)."""

    @classmethod
    def none(cls, tz: ZoneInfo) -> SolarProfile:
        return cls(tuple([0.0] * 96), 0.0, tz)

    @classmethod
    def from_sun(
        cls, peak_kw: float, sunrise: str, sunset: str, house_load_kw: float, tz: ZoneInfo
    ) -> SolarProfile:
        """A half-sine between sunrise and sunset, sampled at each step's middle."""
        rise, set_ = _minutes(sunrise), _minutes(sunset)
        steps = []
        for i in range(96):
            middle = i * 15 + 7.5
            if rise < middle < set_:
                steps.append(
                    round(peak_kw * 1000 * math.sin(math.pi * (middle - rise) / (set_ - rise)), 1)
                )
            else:
                steps.append(0.0)
        return cls(tuple(steps), house_load_kw * 1000, tz)

    @classmethod
    def from_hourly(
        cls, hourly_kw: list[float], house_load_kw: float, tz: ZoneInfo
    ) -> SolarProfile:
        return cls(tuple(kw * 1000 for kw in hourly_kw for _ in range(4)), house_load_kw * 1000, tz)

    def _step(self, t: float) -> tuple[int, float]:
        last = self._last
        if last and last[0][0] == t:
            return last[0][1], last[0][2]
        local = datetime.fromtimestamp(t, self.tz)
        index = (local.hour * 60 + local.minute) // 15
        start = local.replace(minute=(local.minute // 15) * 15, second=0, microsecond=0)
        change = (start + timedelta(minutes=15)).timestamp()
        last[:] = [(t, index, change)]
        return index, change

    def production_w(self, t: float) -> float:
        return self.steps_w[self._step(t)[0]]

    def surplus_w(self, t: float) -> float:
        return max(0.0, self.production_w(t) - self.house_load_w)

    def next_change(self, t: float) -> float:
        return self._step(t)[1]

    @cached_property
    def is_dark(self) -> bool:
        return not any(self.steps_w)


def _minutes(text: str) -> int:
    hours, minutes = str(text).split(":")
    return int(hours) * 60 + int(minutes)
