"""The scenario timeline: steps put on the model clock with ``World.at``.

Every step runs when the model reaches its time, whatever drives the clock (a real-time
server, a manual clock moved by tests, or the headless ``run``). A step the model refuses
(say, ``start_charging`` with no car) does not stop anything: it is recorded as failed, as
an expectation that does not hold is; ``timeline_log(world)`` has every step's outcome.
"""

from __future__ import annotations

import logging
import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..model.clock import ClockError, check_time, iso, parse_duration, parse_time
from ..model.commands import CHARGER_COMMANDS, EV_API, GATEWAY_COMMANDS
from ..model.errors import ModelError
from ..model.feed import ChangeKind
from ..model.schedule import ChargeMode
from ..model.views import ChargerView
from ..model.world import World

log = logging.getLogger("emulator.timeline")

SCENARIO_NAMES = EV_API
"""Scenario steps name parameters canonically (``amps``) or as the EV API does
(``chargingLevel``, ``connectorId``)."""
CHARGER_EVENT_PARAMS: dict[str, frozenset[str]] = {
    name: frozenset(SCENARIO_NAMES.accepted(command)) for name, command in CHARGER_COMMANDS.items()
}
GATEWAY_EVENT_PARAMS: dict[str, frozenset[str]] = {
    name: frozenset(SCENARIO_NAMES.accepted(command)) for name, command in GATEWAY_COMMANDS.items()
}
STEP_KEYS = frozenset({"at", "after", "note", "charger", "event", "gateway", "expect"})
RANGE_FIELDS = ("power_w", "amps", "charging_level", "session_wh", "lifetime_wh", "soc")
FLAG_FIELDS = ("plugged_in", "charging", "connected")
MAX_SPAN_DAYS = 366
"""A timeline ends at most this many days after the clock start (docs/limits.md)."""
MAX_SPAN_S = MAX_SPAN_DAYS * 86400.0


class StepTimeError(ValueError):
    def __init__(self, index: int, key: str, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.key = key


def next_local(after: float, hhmm: str, tz: ZoneInfo) -> float:
    """The first instant at or after ``after`` whose local time in ``tz`` is ``hhmm``."""
    parts = [int(p) for p in hhmm.split(":")]
    hour, minute, second = [*parts, 0][:3]
    day = datetime.fromtimestamp(after, tz).date()
    for _ in range(3):
        candidate = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)
        if candidate.timestamp() >= after:
            return candidate.timestamp()
        day += timedelta(days=1)
    raise AssertionError("unreachable: a local time recurs every day")


def step_times(
    steps: Sequence[Mapping[str, Any]],
    start: float,
    tz: ZoneInfo,
    errors: list[StepTimeError] | None = None,
) -> list[float]:
    """When each step runs: ``at: HH:MM`` is the next such local time at or after the
    previous step (or the start), ``at: ISO`` that instant, ``after: 40m`` relative to the
    previous step; neither means together with the previous step. With ``errors``, a bad
    step is recorded there (and taken as the previous step's time) instead of raised."""
    times: list[float] = []
    previous = start
    for index, step in enumerate(steps):
        try:
            when = _step_time(index, step, previous, tz)
            if when - start > MAX_SPAN_S:
                raise StepTimeError(
                    index,
                    "after" if "after" in step else "at",
                    f"{iso(when)} is more than {MAX_SPAN_DAYS} days after the clock start "
                    f"({iso(start)}): a timeline spans at most {MAX_SPAN_DAYS} days",
                )
        except StepTimeError as exc:
            if errors is None:
                raise
            errors.append(exc)
            when = previous
        times.append(when)
        previous = when
    return times


def _step_time(index: int, step: Mapping[str, Any], previous: float, tz: ZoneInfo) -> float:
    if "at" in step:
        text = str(step["at"])
        if ":" in text and "-" not in text:
            try:
                return next_local(previous, text, tz)
            except (ValueError, OverflowError):
                raise StepTimeError(index, "at", f"not a local time 'HH:MM': {text!r}") from None
        try:
            when = parse_time(text)
        except ClockError as exc:
            raise StepTimeError(index, "at", str(exc)) from None
        if when < previous:
            before = "the clock start" if index == 0 else f"timeline[{index - 1}]"
            raise StepTimeError(
                index,
                "at",
                f"time goes backwards: {iso(when)} is before {before} at {iso(previous)}; "
                "steps must be in time order",
            )
        return when
    if "after" in step:
        try:
            return check_time(previous + parse_duration(step["after"]), "the step's time")
        except ClockError as exc:
            raise StepTimeError(index, "after", str(exc)) from None
    return previous


@dataclass
class StepRecord:
    index: int
    time: float
    label: str
    kind: str  # "charger", "gateway", "expect" or "note"
    status: str = "pending"  # then "done", "failed", "passed" (expect) or "not met" (expect)
    message: str | None = None
    checks: list[str] = field(default_factory=list)
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "at": iso(self.time),
            "label": self.label,
            "kind": self.kind,
            "status": self.status,
            "message": self.message,
            "checks": self.checks,
            "note": self.note,
        }


@dataclass
class TimelineLog:
    steps: list[StepRecord] = field(default_factory=list)

    @property
    def expectations(self) -> list[StepRecord]:
        return [s for s in self.steps if s.kind == "expect" and s.status != "pending"]

    @property
    def failures(self) -> list[StepRecord]:
        return [s for s in self.steps if s.status in ("failed", "not met")]


_LOGS: weakref.WeakKeyDictionary[World, TimelineLog] = weakref.WeakKeyDictionary()


def timeline_log(world: World) -> TimelineLog:
    """The outcome of every timeline step of this world so far (empty if it has none)."""
    return _LOGS.setdefault(world, TimelineLog())


def describe_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {describe_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(describe_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def step_label(step: Mapping[str, Any]) -> tuple[str, str]:
    """(kind, a one-line description) of a step."""
    params = {k: v for k, v in step.items() if k not in STEP_KEYS}
    args = " ".join(f"{k}={describe_value(v)}" for k, v in params.items())
    if "event" in step:
        return "charger", " ".join(p for p in (str(step["charger"]), step["event"], args) if p)
    if "gateway" in step:
        return "gateway", " ".join(p for p in ("gateway", step["gateway"], args) if p)
    if "expect" in step:
        spec = dict(step["expect"])
        who = spec.pop("charger")
        checks = " ".join(f"{k}={describe_value(v)}" for k, v in spec.items())
        return "expect", f"expect {who} {checks}".rstrip()
    return "note", str(step.get("note", ""))


def _close(actual: float, expected: float) -> bool:
    return math.isclose(actual, expected, rel_tol=1e-3, abs_tol=0.01)


def _number_check(name: str, actual: float | None, wanted: Any) -> tuple[bool, str]:
    if actual is None:
        return False, f"{name} expected {describe_value(wanted)}, got nothing (no car)"
    shown = f"{actual:g}" if isinstance(actual, float) else str(actual)
    if isinstance(wanted, Mapping):
        low, high = wanted.get("min"), wanted.get("max")
        ok = (low is None or actual >= low) and (high is None or actual <= high)
        bounds = " and ".join(
            x
            for x in (
                f">= {low}" if low is not None else "",
                f"<= {high}" if high is not None else "",
            )
            if x
        )
        return ok, f"{name} {shown} {'is' if ok else 'is not'} {bounds}"
    ok = _close(float(actual), float(wanted))
    return ok, f"{name} {shown}" + ("" if ok else f", expected {wanted}")


def expectation_values(view: ChargerView) -> dict[str, Any]:
    """What an ``expect`` step can check, by name, from the read model."""
    return {
        "state": view.state.value,
        "power_w": view.power_w,
        "amps": view.offered_amps,
        "charging_level": view.charging_level,
        "session_wh": view.session_wh,
        "lifetime_wh": view.lifetime_wh,
        "soc": view.soc,
        "plugged_in": view.plugged_in,
        "charging": view.charging,
        "connected": view.connected,
        "mode": view.mode.value,
        "fault_code": view.fault_code,
    }


def check_expectation(world: World, spec: Mapping[str, Any]) -> list[tuple[bool, str]]:
    """Each check of an ``expect`` step: (holds, what was seen)."""
    actual = expectation_values(world.charger_view(str(spec["charger"])))
    results: list[tuple[bool, str]] = []
    for name, wanted in spec.items():
        if name == "charger":
            continue
        if name in RANGE_FIELDS:
            results.append(_number_check(name, actual[name], wanted))
        elif name == "state":
            allowed = [wanted] if isinstance(wanted, str) else list(wanted)
            ok = actual["state"] in allowed
            results.append(
                (ok, f"state {actual['state']}" + ("" if ok else f", expected {'|'.join(allowed)}"))
            )
        elif name == "mode":
            ok = ChargeMode.parse(wanted).value == actual["mode"]
            results.append((ok, f"mode {actual['mode']}" + ("" if ok else f", expected {wanted}")))
        else:
            ok = actual[name] == wanted
            seen = describe_value(actual[name])
            results.append(
                (ok, f"{name} {seen}" + ("" if ok else f", expected {describe_value(wanted)}"))
            )
    return results


def _charger_params(step: Mapping[str, Any]) -> dict[str, Any]:
    params = {k: v for k, v in step.items() if k not in STEP_KEYS}
    if params.get("vehicle") is True:
        del params["vehicle"]  # true: the default car
    return params


def _action(step: Mapping[str, Any], record: StepRecord):  # type: ignore[no-untyped-def]
    def run(world: World) -> None:
        try:
            if record.kind == "charger":
                world.execute(
                    str(step["event"]),
                    _charger_params(step),
                    str(step["charger"]),
                    dialect=SCENARIO_NAMES,
                )
                record.status = "done"
            elif record.kind == "gateway":
                params = {k: v for k, v in step.items() if k not in STEP_KEYS}
                world.execute(str(step["gateway"]), params, dialect=SCENARIO_NAMES)
                record.status = "done"
            elif record.kind == "expect":
                results = check_expectation(world, step["expect"])
                record.checks = [text for _, text in results]
                record.status = "passed" if all(ok for ok, _ in results) else "not met"
                if record.status != "passed":
                    log.info("expectation not met at %s: %s", iso(world.model_t), results)
            else:
                record.status = "done"
        except ModelError as exc:
            record.status, record.message = "failed", exc.message
            log.info("step %d (%s) refused: %s", record.index, record.label, exc.message)
        # the outcome on the change feed: serve --scenario prints it, the dashboard redraws
        world.feed.publish(ChangeKind.STEP, world.model_t, step=record.as_dict())

    return run


def schedule_timeline(world: World, steps: Sequence[Mapping[str, Any]]) -> TimelineLog:
    """Put the steps on the world's clock (times relative to the world's start).

    Steps are chained: each one, when it has run, puts the next on the clock. And each
    runs in two beats at its instant: the first only queues the second behind whatever
    the model already has due at that instant (a car filling up, a schedule edge, the
    sun's next step), so a step always sees the model settled at its time, and steps at
    the same time still run in file order.
    """
    log_ = TimelineLog()
    _LOGS[world] = log_
    times = step_times(steps, world.started_at, world.tz)
    actions = []
    for index, (step, when) in enumerate(zip(steps, times, strict=True)):
        kind, label = step_label(step)
        record = StepRecord(index, max(when, world.started_at), label, kind, note=step.get("note"))
        log_.steps.append(record)
        actions.append(_action(step, record))

    def arm(index: int) -> None:
        if index >= len(actions):
            return
        key = f"timeline[{index}]"

        def second_beat(w: World) -> None:
            actions[index](w)
            arm(index + 1)

        world.at(log_.steps[index].time, key, lambda w: w.at(w.model_t, key, second_beat))

    arm(0)
    return log_
