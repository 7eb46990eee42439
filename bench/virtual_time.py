"""Virtual time: 100 chargers with nightly schedules and plugged cars, 30 days advanced.

The model is event-driven (a heap of wake-ups; energy is integrated exactly between
events), so advancing costs per *event*, not per *second*. Shown three ways:

1. 100 chargers, nightly 23:00-06:00 slots, cars plugged in: advance 30 days in one step
   (target < 0.5 s).
2. The same chargers without cars (nothing happens): 1 day vs 30 days costs the same
   (ratio ~ 1).
3. With cars: 1, 7 and 30 days — the time per event stays flat while the events grow.

    python bench/virtual_time.py [--short] [--json]
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from common import check_line, emit, short_mode, table

from emulator.model.tokens import TokenAuthority
from emulator.scenario.build import build_world

TARGET_30_DAYS_S = 0.5
DAY = 86400.0


def scenario(chargers: int, cars: bool) -> dict[str, Any]:
    rows = []
    for i in range(chargers):
        row: dict[str, Any] = {
            "id": f"c{i}",
            "serial": f"2022{i:08d}",
            "mode": "SCHEDULED_CHARGING",
            "schedule": [{"startTime": "23:00", "endTime": "06:00", "chargingLevel": 6}],
        }
        if cars:
            row["plugged_in"] = {"capacity_kwh": 500, "soc": 0, "max_kw": 11}
        rows.append(row)
    return {"seed": 1, "clock": {"start": "2026-06-01T12:00:00Z"}, "chargers": rows}


AUTHORITY = TokenAuthority.ephemeral()


def advance(chargers: int, cars: bool, days: float, repeats: int) -> tuple[float, int]:
    """Median seconds to advance ``days`` on a fresh world, and the events processed."""
    times, events = [], 0
    for _ in range(repeats):
        world = build_world(scenario(chargers, cars), AUTHORITY)
        before = world.agenda.processed
        start = time.perf_counter()
        world.advance(days * DAY)
        times.append(time.perf_counter() - start)
        events = world.agenda.processed - before
        if cars:
            starts = sum(c.charge_starts for c in world.chargers.values())
            assert starts >= chargers * int(days), (starts, days)  # it really charged
    return statistics.median(times), events


def run(short: bool) -> dict:
    repeats = 3 if short else 7
    main_time, main_events = advance(100, True, 30, repeats)
    idle_1, idle_1_events = advance(100, False, 1, repeats)
    idle_30, idle_30_events = advance(100, False, 30, repeats)
    scaling = []
    for days in (1, 7, 30):
        seconds, events = advance(100, True, days, repeats)
        scaling.append(
            {
                "days": days,
                "seconds": seconds,
                "events": events,
                "us_per_event": seconds / max(events, 1) * 1e6,
            }
        )
    idle_ratio = idle_30 / idle_1
    per_event = [s["us_per_event"] for s in scaling]
    return {
        "bench": "virtual_time",
        "short": short,
        "thirty_days": {"seconds": main_time, "events": main_events},
        "idle": {
            "one_day_s": idle_1,
            "thirty_days_s": idle_30,
            "ratio": idle_ratio,
            "events": [idle_1_events, idle_30_events],
        },
        "scaling": scaling,
        "checks": [
            {
                "name": "100 chargers, 30 days (s)",
                "value": main_time,
                "target": TARGET_30_DAYS_S,
                "lower_is_better": True,
            },
            {
                "name": "no events: 30 days / 1 day",
                "value": idle_ratio,
                "target": 2.0,
                "lower_is_better": True,
            },
            {
                "name": "cost per event, 30 days / 1 day",
                "value": per_event[-1] / per_event[0],
                "target": 2.0,
                "lower_is_better": True,
            },
        ],
    }


def render(result: dict) -> str:
    main = result["thirty_days"]
    idle = result["idle"]
    rows = [
        ("100 chargers + cars, 30 days", f"{main['seconds'] * 1000:.1f}", main["events"], ""),
        ("100 chargers, no cars, 1 day", f"{idle['one_day_s'] * 1000:.4f}", idle["events"][0], ""),
        (
            "100 chargers, no cars, 30 days",
            f"{idle['thirty_days_s'] * 1000:.4f}",
            idle["events"][1],
            f"ratio to 1 day {idle['ratio']:.2f}",
        ),
    ]
    for s in result["scaling"]:
        rows.append(
            (
                f"100 chargers + cars, {s['days']} day(s)",
                f"{s['seconds'] * 1000:.1f}",
                s["events"],
                f"{s['us_per_event']:.1f} us/event",
            )
        )
    lines = [table(("advance", "ms", "events", "note"), rows), ""]
    lines.extend(check_line(check) for check in result["checks"])
    return "\n".join(lines)


if __name__ == "__main__":
    outcome = run(short_mode())
    emit(outcome, render(outcome))
    sys.exit(0)
