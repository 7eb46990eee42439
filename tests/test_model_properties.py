"""Property-based tests of the model: random sequences of every charger command, clock
moves and gateway commands, checked after each step.

After every step: each connector state is one the transition table allows to be reached
(every recorded move is legal), energy never decreases, a refused command changed
nothing at all (same snapshot, no change published), and what the world keeps as it goes
(the chargers' total power, the GREEN pool) is what a pass over every charger gives.
"""

from __future__ import annotations

import random
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from emulator.errors import ModelError
from emulator.model.balance import BreakerGroup
from emulator.model.charger import ChargerSpec
from emulator.model.clock import Clock
from emulator.model.commands import CHARGER_COMMANDS, GATEWAY_COMMANDS
from emulator.model.gateway import GatewaySpec
from emulator.model.schedule import ChargeMode
from emulator.model.solar import SolarProfile
from emulator.model.states import TRANSITIONS
from emulator.model.tokens import TokenAuthority
from emulator.model.world import Site, World

SERIALS = ("202200000001", "202200000002", "202200000003")
AUTHORITY = TokenAuthority.ephemeral()
START = 1_780_000_000.0  # 2026-05-28T20:26:40Z

amps = st.one_of(
    st.none(), st.integers(min_value=6, max_value=16), st.integers(min_value=0, max_value=40)
)
slot = st.fixed_dictionaries(
    {
        "startTime": st.sampled_from(["00:00", "06:30", "13:00", "23:00"]),
        "endTime": st.sampled_from(["02:00", "07:00", "15:30", "23:59"]),
        "chargingLevel": st.integers(min_value=6, max_value=32),
    }
)
ARGS: dict[str, Any] = {
    "plug_in": st.fixed_dictionaries(
        {},
        optional={
            "vehicle": st.fixed_dictionaries(
                {
                    "capacity_kwh": st.sampled_from([1, 10, 60]),
                    "soc": st.sampled_from([0, 50, 99.9, 100]),
                    "max_kw": st.sampled_from([1.4, 7.4, 11]),
                }
            )
        },
    ),
    "start_charging": st.fixed_dictionaries({"amps": amps}),
    "stop_charging": st.just({}),
    "set_current": st.fixed_dictionaries({"amps": st.integers(min_value=0, max_value=40)}),
    "fault": st.fixed_dictionaries({}, optional={"code": st.sampled_from(["GroundFailure", "X"])}),
    "set_mode": st.fixed_dictionaries(
        {"mode": st.sampled_from([m.value for m in ChargeMode])},
        optional={"schedule": st.lists(slot, max_size=2)},
    ),
    "set_firmware": st.just({"firmware": "D8.2.4345"}),
    "set_ev_min_role": st.fixed_dictionaries({"role": st.sampled_from(["owner", "installer"])}),
}

serial = st.sampled_from((SERIALS[0],) * 4 + SERIALS[1:])  # mostly one charger: longer stories
COMMANDS = st.sampled_from(sorted(CHARGER_COMMANDS) * 4 + sorted(GATEWAY_COMMANDS))
"""Charger commands four times as often as gateway ones (rules are drawn evenly)."""


def make_world() -> World:
    gateway = GatewaySpec(time_zone="Europe/Paris")
    tz = ZoneInfo(gateway.time_zone)
    site = Site(
        SolarProfile.from_sun(6, "06:00", "21:00", 0.5, tz),
        groups={"panel": BreakerGroup("panel", 40)},
    )
    world = World(gateway, Clock(rate=0, start=START), AUTHORITY, site)
    world.add_charger(ChargerSpec(SERIALS[0], "A"), group="panel")
    world.add_charger(ChargerSpec(SERIALS[1], "B", max_amps=16, breaker_rating=20), group="panel")
    world.add_charger(ChargerSpec(SERIALS[2], "C", phases=3, voltage=400), mode=ChargeMode.GREEN)
    return world


class ModelMachine(RuleBasedStateMachine):
    """Hypothesis drives the world with random commands; invariants hold after each."""

    def __init__(self) -> None:
        super().__init__()
        self.world = make_world()
        self.energy = dict.fromkeys(SERIALS, 0.0)

    def _run(self, name: str, args: dict[str, Any], charger: str | None) -> None:
        world = self.world
        before = world.view().as_dict()
        version = world.feed.version
        try:
            world.execute(name, args, charger)
        except ModelError:
            assert world.view().as_dict() == before, f"refused {name} changed the world"
            assert world.feed.version == version, f"refused {name} published a change"

    @rule(charger=serial, name=COMMANDS, data=st.data())
    def command(self, charger: str, name: str, data: st.DataObject) -> None:
        target = charger if name in CHARGER_COMMANDS else None
        self._run(name, data.draw(ARGS.get(name, st.just({}))), target)

    @rule(seconds=st.one_of(st.floats(0, 7200), st.floats(0, 3 * 86400)))
    def clock_moves(self, seconds: float) -> None:
        self.world.advance(seconds)

    @invariant()
    def consistent(self) -> None:
        world = self.world
        for serial_, charger in world.chargers.items():
            for move in charger.history:
                assert move.after in TRANSITIONS[move.before], move
            view = world.charger_view(serial_)
            assert view.lifetime_wh >= self.energy[serial_] - 1e-6, serial_
            self.energy[serial_] = view.lifetime_wh
            assert view.power_w >= 0
            if view.charging:
                assert view.plugged_in and view.power_w > 0
        chargers = list(world.chargers.values())
        total = world._power.total(len(chargers))  # None: the world sums them in order
        assert total is None or total == sum(c.power_w for c in chargers)
        assert world._chargers_w() == sum(c.power_w for c in chargers)
        assert world.balancer.green_pool() == [c for c in chargers if c.mode is ChargeMode.GREEN]


TestRandomCommandSequences = ModelMachine.TestCase
TestRandomCommandSequences.settings = settings(
    max_examples=150, stateful_step_count=50, deadline=None, suppress_health_check=list(HealthCheck)
)


def test_stop_then_fault_then_clear_fault_is_legal() -> None:
    """Regression: this legal sequence used to raise PREPARING→FINISHING (a 500)."""
    world = make_world()
    sn = SERIALS[0]
    world.plug_in(sn)
    world.start_charging(sn, amps=16)
    world.stop_charging(sn)
    world.fault(sn)
    world.clear_fault(sn)
    assert world.charger_view(sn).state.value == "PREPARING"
    world.start_charging(sn, amps=16)
    assert world.charger_view(sn).charging


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.randoms(use_true_random=False))
def test_long_random_walks_keep_the_model_consistent(rng: random.Random) -> None:
    """Long stories on one charger: the sequences a user would click through, many
    commands deep, which shrinking-friendly short examples rarely reach."""
    machine = ModelMachine()
    names = sorted(CHARGER_COMMANDS)
    for _ in range(60):
        if rng.random() < 0.15:
            machine.clock_moves(rng.uniform(0, 3 * 86400))
        else:
            name = rng.choice(names)
            args = {
                "start_charging": {"amps": rng.choice([None, 6, 16, 32])},
                "set_current": {"amps": rng.choice([6, 16, 32])},
                "set_mode": {"mode": rng.choice([m.value for m in ChargeMode])},
            }.get(name, {})
            machine._run(name, args, SERIALS[0])
        machine.consistent()
