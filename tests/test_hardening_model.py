"""Long runs keep bounded memory: stores the model keeps grow to their documented bound
and no further, however many commands arrive."""

from __future__ import annotations

from emulator.model.tokens import TokenAuthority
from emulator.model.wakeups import COMPACT_MIN
from emulator.scenario.build import build_world
from emulator.scenario.load import load_scenario
from emulator.scenario.timeline import SCENARIO_NAMES

from .test_limits import SCENARIO, SERIAL


def test_100k_set_current_calls_leave_a_bounded_wakeup_heap() -> None:
    world = build_world(load_scenario(SCENARIO), TokenAuthority.ephemeral(), clock_mode="manual")
    world.execute("start_charging", {"amps": 16}, SERIAL, dialect=SCENARIO_NAMES)
    sizes = []
    for i in range(100_000):
        world.execute("set_current", {"amps": 6 + i % 20}, SERIAL, dialect=SCENARIO_NAMES)
        if i % 10_000 == 0:
            sizes.append(len(world.agenda))
    sizes.append(len(world.agenda))
    bound = 2 * COMPACT_MIN + 64
    assert max(sizes) <= bound, sizes
    world.advance(3600)  # and the model still runs on the compacted heap
    assert world.charger_view(SERIAL).charging
