"""Charge modes and schedule slots, read on the emulator's clock in the gateway's time zone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

from .errors import invalid


class ChargeMode(StrEnum):
    MANUAL = "MANUAL_CHARGING"
    SCHEDULED = "SCHEDULED_CHARGING"
    GREEN = "GREEN_CHARGING"
    SMART = "SMART_CHARGING"

    @classmethod
    def parse(cls, value: str) -> ChargeMode:
        text = str(value).upper()
        for mode in cls:
            if text in (mode.value, mode.name):
                return mode
        names = ", ".join(m.value for m in cls)
        raise invalid(f"unknown charge mode {value!r}; one of {names}", "chargingMode")

    @property
    def follows_schedule(self) -> bool:
        """SMART is accepted and behaves as SCHEDULED (designed: no public description)."""
        return self in (ChargeMode.SCHEDULED, ChargeMode.SMART)


_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SCHEDULE_TYPES = ("CUSTOM", "OFF_PEAK")
SLOT_FIELDS = (
    "id",
    "startTime",
    "endTime",
    "chargingLevel",
    "scheduleType",
    "days",
    "enabled",
    "remindTime",
    "remindFlag",
)
"""A schedule slot's fields, as the cloud scheduler (and so the scenario format) names them."""


def _minutes(value: object, name: str) -> int:
    match = _HHMM.match(str(value)) if isinstance(value, str) else None
    if not match:
        raise invalid(f"{name} must be a time 'HH:MM' (00:00-23:59), got {value!r}", name)
    return int(match.group(1)) * 60 + int(match.group(2))


@dataclass(frozen=True)
class Slot:
    id: str
    start: str
    end: str
    days: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
    charging_level: int | None = None
    enabled: bool = True
    schedule_type: str = "CUSTOM"
    remind_time: int = 10
    remind_flag: bool = False

    @cached_property  # read for every day of every calendar rebuild
    def start_minute(self) -> int:
        return _minutes(self.start, "startTime")

    @cached_property
    def end_minute(self) -> int:
        return _minutes(self.end, "endTime")

    def to_payload(self) -> dict[str, object]:
        return {
            "id": self.id,
            "startTime": self.start,
            "endTime": self.end,
            "chargingLevel": self.charging_level,
            "scheduleType": self.schedule_type,
            "days": list(self.days),
            "enabled": self.enabled,
            "remindTime": self.remind_time,
            "remindFlag": self.remind_flag,
        }


def slot_from_payload(raw: object, index: int, min_amps: int, max_amps: int) -> Slot:
    """Build a slot from the cloud scheduler shape (camelCase), naming the bad field."""
    where = f"schedule[{index}]"
    if not isinstance(raw, dict):
        raise invalid(f"{where} must be an object", where)
    known = set(SLOT_FIELDS)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise invalid(f"{where} has unknown field(s) {unknown}; allowed: {sorted(known)}", where)
    for required in ("startTime", "endTime"):
        if required not in raw:
            raise invalid(f"{where}.{required} is required ('HH:MM')", f"{where}.{required}")
    start, end = raw["startTime"], raw["endTime"]
    try:
        first, last = _minutes(start, "startTime"), _minutes(end, "endTime")
    except Exception as exc:
        raise invalid(f"{where}.{exc}", where) from None
    if first == last:
        raise invalid(f"{where}: startTime and endTime are equal; a slot needs a length", where)
    days = raw.get("days", [1, 2, 3, 4, 5, 6, 7])
    if (
        not isinstance(days, list)
        or not days
        or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days)
    ):
        raise invalid(
            f"{where}.days must be a non-empty list of 1..7 (1 = Monday)", f"{where}.days"
        )
    level = raw.get("chargingLevel")
    if level is not None and (
        not isinstance(level, int) or isinstance(level, bool) or not min_amps <= level <= max_amps
    ):
        raise invalid(
            f"{where}.chargingLevel must be a whole number of amps in [{min_amps}-{max_amps}]",
            f"{where}.chargingLevel",
        )
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise invalid(f"{where}.enabled must be true or false", f"{where}.enabled")
    schedule_type = raw.get("scheduleType", "CUSTOM")
    if schedule_type not in SCHEDULE_TYPES:
        raise invalid(
            f"{where}.scheduleType must be one of {SCHEDULE_TYPES}", f"{where}.scheduleType"
        )
    remind_time = raw.get("remindTime", 10)
    if not isinstance(remind_time, int) or isinstance(remind_time, bool) or remind_time < 0:
        raise invalid(f"{where}.remindTime must be minutes >= 0", f"{where}.remindTime")
    remind_flag = raw.get("remindFlag", False)
    if not isinstance(remind_flag, bool):
        raise invalid(f"{where}.remindFlag must be true or false", f"{where}.remindFlag")
    del first, last
    return Slot(
        id=str(raw.get("id", f"slot-{index + 1}")),
        start=start,
        end=end,
        days=tuple(sorted(set(days))),
        charging_level=level,
        enabled=enabled,
        schedule_type=schedule_type,
        remind_time=remind_time,
        remind_flag=remind_flag,
    )


WINDOW_DAYS = 8
"""A calendar built at t answers for times up to this many days from the day before t."""
BUILT_DAYS = WINDOW_DAYS + 8
"""Days of intervals built: a slot on one weekday starts again at most seven days (plus an
overnight end) after any time in the window, so its next start is always among them."""


@lru_cache(maxsize=256)
def _slot_intervals(
    slots: tuple[Slot, ...], tz: ZoneInfo, first_day: date
) -> tuple[tuple[tuple[float, float, Slot], ...], float]:
    """The slot intervals of the :data:`BUILT_DAYS` from ``first_day`` in start order, and
    the end of the window they answer for (:data:`WINDOW_DAYS` on). Shared: chargers often
    have the same slots, and the days depend only on ``first_day``."""
    intervals: list[tuple[float, float, Slot]] = []
    for offset in range(BUILT_DAYS):
        day = first_day + timedelta(days=offset)
        for slot in slots:
            if not slot.enabled or day.isoweekday() not in slot.days:
                continue
            midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
            start = midnight + timedelta(minutes=slot.start_minute)
            end = midnight + timedelta(minutes=slot.end_minute)
            if end <= start:
                end += timedelta(days=1)
            intervals.append((start.timestamp(), end.timestamp(), slot))
    intervals.sort(key=lambda item: item[0])
    start_of_window = datetime(first_day.year, first_day.month, first_day.day, tzinfo=tz)
    return tuple(intervals), (start_of_window + timedelta(days=WINDOW_DAYS)).timestamp()


@dataclass
class Calendar:
    """Answers 'which slot is on at t, and when does that next change?'.

    Intervals are built for a window of days around t and cached, so a long run
    costs one rebuild a week, not one per question.
    """

    slots: tuple[Slot, ...]
    tz: ZoneInfo
    _window: tuple[float, float] = (0.0, -1.0)
    _intervals: Sequence[tuple[float, float, Slot]] = field(default_factory=list)
    _last: tuple[float, Slot | None, float | None] | None = field(
        default=None, repr=False, compare=False
    )
    """The last answer of ``at`` (a charger asks twice per event at the same instant)."""

    def _build(self, t: float) -> None:
        local = datetime.fromtimestamp(t, self.tz)
        first_day = (local - timedelta(days=1)).date()
        self._intervals, end = _slot_intervals(self.slots, self.tz, first_day)
        self._window = (t, end)

    def at(self, t: float) -> tuple[Slot | None, float | None]:
        """The slot in force at ``t`` (or None) and the next time that can change."""
        last = self._last
        if last is not None and last[0] == t:
            return last[1], last[2]
        if not any(s.enabled for s in self.slots):
            return None, None
        if not self._window[0] <= t < self._window[1]:
            self._build(t)
        active: Slot | None = None
        boundary: float | None = None
        for start, end, slot in self._intervals:
            if start <= t < end:
                if active is None:
                    active = slot
                boundary = end if boundary is None else min(boundary, end)
            elif start > t:
                boundary = start if boundary is None else min(boundary, start)
                break
        self._last = (t, active, boundary)
        return active, boundary

    def window(self, t: float) -> tuple[float, float, Slot] | None:
        """The slot interval in force at ``t``, else the next one (within a week)."""
        if self.at(t)[1] is None:
            return None
        return next(((a, b, s) for a, b, s in self._intervals if b > t), None)
