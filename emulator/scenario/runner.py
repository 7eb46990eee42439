"""``python -m emulator run FILE --until 24h``: a scenario's timeline, headless, as a report.

The world runs on a manual clock that jumps from one change to the next (timeline steps,
cars filling up, schedule edges, the sun) and to every full local hour, so the report
catches every state change at its exact time while staying short: a row is printed when
a step ran or a connector changed state, and at a full hour when some power changed.
Nothing in it depends on the machine or the wall clock: the same file gives the same
report, byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..model.clock import parse_time
from ..model.schedule import ChargeMode
from ..model.tokens import TokenAuthority
from ..model.world import World
from .build import DEFAULT_START, build_world
from .timeline import StepRecord, timeline_log


@dataclass(frozen=True)
class Cell:
    state: str
    power_w: float
    delivered_wh: float


@dataclass
class Row:
    time: float
    what: list[str]
    cells: dict[str, Cell]


@dataclass
class RunResult:
    world: World
    start: float
    end: float
    columns: dict[str, str]  # charger id → serial
    rows: list[Row] = field(default_factory=list)
    baseline_wh: dict[str, float] = field(default_factory=dict)

    @property
    def steps(self) -> list[StepRecord]:
        return timeline_log(self.world).steps

    @property
    def failed(self) -> list[StepRecord]:
        return [s for s in self.steps if s.status in ("failed", "not met")]

    def delivered_wh(self, charger_id: str) -> float:
        view = self.world.charger_view(self.columns[charger_id])
        return view.lifetime_wh - self.baseline_wh[charger_id]


def _snapshot(result: RunResult) -> dict[str, Cell]:
    world = result.world
    cells = {}
    for cid, serial in result.columns.items():
        view = world.charger_view(serial)
        cells[cid] = Cell(
            view.state.value, view.power_w, view.lifetime_wh - result.baseline_wh[cid]
        )
    return cells


def _next_hour(t: float, world: World) -> float:
    local = datetime.fromtimestamp(t, world.tz).replace(minute=0, second=0, microsecond=0)
    return (local + timedelta(hours=1)).timestamp()


def _next_stop(result: RunResult, t: float) -> float:
    world = result.world
    candidates = [result.end, _next_hour(t, world)]
    candidates += [s.time for s in result.steps if s.status == "pending" and s.time > t]
    for charger in world.chargers.values():
        wakeup = charger.next_wakeup(t)
        if wakeup is not None and wakeup > t:
            candidates.append(wakeup)
        green = charger.mode is ChargeMode.GREEN and charger.vehicle is not None
        if green and not world.site.solar.is_dark:
            candidates.append(world.site.solar.next_change(t))
    return min(c for c in candidates if c > t)


def _outcome(record: StepRecord) -> str:
    if record.kind == "expect":
        return f"{record.label}: {'ok' if record.status == 'passed' else 'FAIL'}"
    if record.status == "failed":
        return f"{record.label}: REFUSED ({record.message})"
    return record.label + (f"  # {record.note}" if record.note and record.kind != "note" else "")


def run_scenario(scenario: Mapping[str, Any], until_s: float) -> RunResult:
    world = build_world(
        scenario,
        TokenAuthority.ephemeral(),
        clock_mode="manual",
        default_start=parse_time(DEFAULT_START),  # the report never depends on the day it ran
    )
    start = world.started_at
    columns = {world.charger_id(serial): serial for serial in world.chargers}
    result = RunResult(world, start, start + until_s, columns)
    result.baseline_wh = {
        cid: world.charger_view(serial).lifetime_wh for cid, serial in columns.items()
    }
    done: set[int] = set()

    def finished_steps() -> list[str]:
        fresh = [s for s in result.steps if s.status != "pending" and s.index not in done]
        done.update(s.index for s in fresh)
        return [_outcome(s) for s in fresh]

    world.sync()
    printed = _snapshot(result)
    result.rows.append(Row(start, ["start", *finished_steps()], printed))
    t = start
    while t < result.end:
        t = _next_stop(result, t)
        world.set_time(t)
        cells = _snapshot(result)
        what = finished_steps()
        for cid, cell in cells.items():
            before = printed[cid]
            if cell.state != before.state:
                reason = world.chargers[columns[cid]].reason
                change = f"{cid} {before.state} -> {cell.state}"
                what.append(change + (f" ({reason})" if reason else ""))
        full_hour = t == _next_hour(t - 1, world) or t == result.end
        power_moved = any(cells[c].power_w != printed[c].power_w for c in cells)
        if what or (full_hour and power_moved):
            result.rows.append(Row(t, what or ["power"], cells))
            printed = cells
    result.rows.append(Row(result.end, ["end"], _snapshot(result)))
    return result


def _cell(cell: Cell) -> str:
    return f"{cell.state:<14} {cell.power_w / 1000:6.2f} kW {cell.delivered_wh / 1000:8.2f} kWh"


def format_report(result: RunResult, source: str, until_text: str) -> str:
    world = result.world
    tz = world.tz

    def when(t: float) -> str:
        return datetime.fromtimestamp(t, tz).strftime("%Y-%m-%d %H:%M:%S")

    gateway = world.gateway
    lines = [
        f"scenario {source}: seed {world.seed}, gateway {gateway.serial} firmware "
        f"{gateway.firmware}, times in {gateway.time_zone}",
        f"run {when(result.start)} -> {when(result.end)} ({until_text}) on a manual clock",
    ]
    for cid, serial in result.columns.items():
        spec = world.chargers[serial].spec
        lines.append(
            f"  {cid}: {serial} '{spec.name}' {spec.min_amps}-{spec.max_amps} A "
            f"{spec.voltage} V {spec.phases}-phase {world.chargers[serial].mode.value}"
        )
    lines.append("")
    header = f"{'time':<19}"
    for cid in result.columns:
        header += f"  {cid + ': state':<14} {'power':>9} {'delivered':>12}"
    lines.append(header + "  what")
    indent = " " * len(header)
    for row in result.rows:
        line = when(row.time)
        for cid in result.columns:
            line += f"  {_cell(row.cells[cid])}"
        lines.append(f"{line}  {row.what[0]}".rstrip())
        lines.extend(f"{indent}  {more}" for more in row.what[1:])
    lines.append("")
    lines.append("totals:")
    for cid, serial in result.columns.items():
        charger = world.chargers[serial]
        sessions = [s for s in charger.past_sessions if s.plugged_in_at >= result.start]
        count = len(sessions) + (1 if charger.session is not None else 0)
        delivered = result.delivered_wh(cid)
        cost = delivered / 1000 * world.site.tariff_per_kwh
        lines.append(
            f"  {cid}: {delivered / 1000:.3f} kWh delivered in {count} session(s), "
            f"lifetime {charger.lifetime_wh(world.model_t) / 1000:.3f} kWh, "
            f"cost {cost:.2f} {world.site.currency}"
        )
    expectations = [s for s in result.steps if s.kind == "expect" and s.status != "pending"]
    passed = sum(1 for s in expectations if s.status == "passed")
    lines.append(f"expectations: {passed} passed, {len(expectations) - passed} failed")
    for step in expectations:
        mark = "ok  " if step.status == "passed" else "FAIL"
        lines.append(f"  {mark} {when(step.time)} {step.label}: {'; '.join(step.checks)}")
    refused = [s for s in result.steps if s.status == "failed"]
    for step in refused:
        lines.append(f"  REFUSED {when(step.time)} {step.label}: {step.message}")
    pending = [s for s in result.steps if s.status == "pending"]
    if pending:
        lines.append(
            f"note: {len(pending)} step(s) after {when(result.end)} were not reached; "
            "run longer with --until"
        )
    verdict = "FAILED" if result.failed else "OK"
    lines.append(f"result: {verdict}")
    return "\n".join(lines) + "\n"
