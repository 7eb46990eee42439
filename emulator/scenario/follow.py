"""``serve --scenario`` prints each timeline step's outcome as it happens.

The timeline publishes a STEP change per step it runs (:mod:`.timeline`); this listens on
the change feed (and on the next world's after a reset or a scenario load). On a running
clock nothing would run a step until a client asked for something, so :func:`keep_time`
brings the model up to the clock once a wall-clock second while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from ..model.feed import Change, ChangeKind

if TYPE_CHECKING:
    from ..model.world import World
    from ..runtime import Emulator

TICK_S = 1.0

MARKS = {"passed": "ok", "not met": "FAIL", "failed": "REFUSED", "done": "done"}


def step_line(step: Mapping[str, Any]) -> str:
    """``timeline[2] 2026-06-01T18:02:00Z expect garage state=CHARGING: ok (state CHARGING)``"""
    line = f"timeline[{step['index']}] {step['at']} {step['label']}: "
    line += MARKS.get(str(step["status"]), str(step["status"]))
    details = [step["message"]] if step.get("message") else list(step.get("checks") or [])
    return line + (f" ({'; '.join(details)})" if details else "")


def print_steps(emulator: Emulator, out: Callable[[str], None]) -> Callable[[], None]:
    """Call ``out(line)`` for each step as it runs, across world swaps; returns the stop."""

    def on_change(change: Change) -> None:
        if change.kind is ChangeKind.STEP:
            out(step_line(change.data["step"]))

    current = [emulator.world.feed.subscribe(on_change)]

    def on_world(world: World) -> None:
        current[0]()
        current[0] = world.feed.subscribe(on_change)

    remove = emulator.on_world(on_world)

    def stop() -> None:
        current[0]()
        remove()

    return stop


def printer(stream: TextIO) -> Callable[[str], None]:
    def out(line: str) -> None:
        print(line, file=stream, flush=True)

    return out


async def keep_time(emulator: Emulator, stop: asyncio.Event) -> None:
    """While the clock runs, bring the model up to it every second (steps run on time)."""
    while not stop.is_set():
        world = emulator.world
        if world.clock.rate > 0:
            world.sync()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TICK_S)
