"""The house's own load (everything but the chargers), as a piecewise-constant profile.

Piecewise constant, with ``next_change``, so the energy model can integrate it exactly
between steps; three shapes cover what a scenario can say: one number, 24 hourly values
in the gateway's time zone, or (timestamp, W) steps read from a CSV file.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from .errors import invalid


class HouseLoad(Protocol):
    """What the energy model needs from any load profile."""

    def power_w(self, t: float) -> float: ...

    def next_change(self, t: float) -> float | None:
        """The first time after ``t`` at which ``power_w`` may differ, or None."""
        ...


def _check_watts(value: float, where: str) -> float:
    watts = float(value)
    if not math.isfinite(watts) or watts < 0:
        raise invalid(f"a house load must be a finite number of W >= 0, got {value!r}", where)
    return watts


@dataclass(frozen=True)
class ConstantLoad:
    watts: float

    def __post_init__(self) -> None:
        _check_watts(self.watts, "house_load")

    def power_w(self, t: float) -> float:
        return self.watts

    def next_change(self, t: float) -> float | None:
        return None


@dataclass(frozen=True)
class HourlyLoad:
    """24 values, one per local hour; the day repeats."""

    hourly_w: tuple[float, ...]
    tz: ZoneInfo
    _last: list[tuple[float, int, float]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    """The last ``_hour`` answer (one time-zone conversion per instant asked about)."""

    def __post_init__(self) -> None:
        if len(self.hourly_w) != 24:
            raise invalid(f"an hourly load needs 24 values, got {len(self.hourly_w)}", "hourly")
        for value in self.hourly_w:
            _check_watts(value, "hourly")

    def _hour(self, t: float) -> tuple[int, float]:
        """The local hour at ``t`` and the next change."""
        last = self._last
        if last and last[0][0] == t:
            return last[0][1], last[0][2]
        local = datetime.fromtimestamp(t, self.tz)
        start = local.replace(minute=0, second=0, microsecond=0)
        # 3600 s of absolute time, not of wall time: DST changes repeat or skip an hour.
        change = start.timestamp() + 3600
        last[:] = [(t, local.hour, change)]
        return local.hour, change

    def power_w(self, t: float) -> float:
        return self.hourly_w[self._hour(t)[0]]

    def next_change(self, t: float) -> float:
        return self._hour(t)[1]


@dataclass(frozen=True)
class StepLoad:
    """(timestamp, W) steps: each value holds until the next; the first also holds before
    it, the last forever after."""

    steps: tuple[tuple[float, float], ...]
    _times: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.steps:
            raise invalid("a stepped load needs at least one (time, W) row", "steps")
        times = tuple(float(at) for at, _ in self.steps)
        if any(b <= a for a, b in itertools.pairwise(times)):
            raise invalid("load steps must be in strictly increasing time order", "steps")
        for _, watts in self.steps:
            _check_watts(watts, "steps")
        object.__setattr__(self, "_times", times)  # bisect needs them; a year of rows is 35k

    def _index(self, t: float) -> int:
        return bisect.bisect_right(self._times, t) - 1

    def power_w(self, t: float) -> float:
        return self.steps[max(0, self._index(t))][1]

    def next_change(self, t: float) -> float | None:
        index = self._index(t) + 1
        return self.steps[index][0] if index < len(self.steps) else None


def steps_from_csv(text: str) -> tuple[tuple[float, float], ...]:
    """Rows ``time,watts``: time as epoch seconds or ISO 8601 with an offset; a header
    row and blank lines are skipped. Errors name the line."""
    rows: list[tuple[float, float]] = []
    for line_no, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 2:
            raise invalid(f"line {line_no}: expected 'time,watts', got {len(row)} fields", "csv")
        when, watts = (cell.strip() for cell in row)
        try:
            at = float(when)
        except ValueError:
            try:
                stamp = datetime.fromisoformat(when.replace("Z", "+00:00"))
            except ValueError:
                if line_no == 1:
                    continue  # a header row
                raise invalid(f"line {line_no}: {when!r} is not a time", "csv") from None
            if stamp.tzinfo is None:
                raise invalid(f"line {line_no}: {when!r} needs a UTC offset", "csv") from None
            at = stamp.timestamp()
        try:
            value = float(watts)
        except ValueError:
            raise invalid(f"line {line_no}: {watts!r} is not a number of W", "csv") from None
        rows.append((at, _check_watts(value, f"csv line {line_no}")))
    return tuple(rows)
