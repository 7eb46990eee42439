"""Issue 4: what a scenario builds (without HTTP): initial states, hardware, the timeline."""

from __future__ import annotations

import textwrap

import pytest

from emulator.model.tokens import TokenAuthority
from emulator.scenario.build import build_world, designed_sku
from emulator.scenario.errors import ScenarioError
from emulator.scenario.load import load_scenario
from emulator.scenario.timeline import timeline_log

AUTHORITY = TokenAuthority.ephemeral()


def build(text: str):  # type: ignore[no-untyped-def]
    return build_world(load_scenario(textwrap.dedent(text)), AUTHORITY, clock_mode="manual")


def test_hardware_may_be_grouped_and_initial_states_apply() -> None:
    world = build(
        """\
        chargers:
          - id: a
            hardware: {max_amps: 48, voltage: 240, breaker_rating: 60, phases: 1}
            plugged_in: true
            charging: true
          - id: b
            fault: true
          - id: c
            connected: false
            plugged_in: {capacity_kwh: 40, soc: 90}
            fault: OverCurrent
        """
    )
    a, b, c = (world.charger(x) for x in "abc")
    assert (a.spec.max_amps, a.spec.voltage, a.state.value) == (48, 240, "CHARGING")
    assert a.power_w == 7400  # 48 A x 240 V, but the default car takes 7.4 kW at most
    assert a.spec.sku.startswith("IQ-EVSE-NA-1048-")
    assert (b.state.value, b.fault_code) == ("FAULTED", "GroundFailure")
    assert (c.state.value, c.fault_code, c.connected) == ("FAULTED", "OverCurrent", False)
    assert c.vehicle is not None and c.vehicle.capacity_kwh == 40


def test_a_key_in_both_places_is_refused() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("chargers:\n  - max_amps: 16\n    hardware: {max_amps: 32}\n")
    problem = caught.value.problems[0]
    assert (problem.line, problem.column) == (3, 16)
    assert "max_amps is given both on the charger and under hardware" in problem.message


def test_designed_sku_follows_the_hardware() -> None:
    assert designed_sku("202200000001", 32, 230, 3).startswith("IQ-EVSE-EU-3032-")
    assert designed_sku("202200000001", 32, 230, 3) == designed_sku("202200000001", 32, 230, 3)
    assert designed_sku("202200000001", 40, 240, 1).startswith("IQ-EVSE-NA-1040-")


def test_a_given_sku_is_kept() -> None:
    world = build("chargers: [{id: a, sku: IQ-EVSE-EU-3032-0105-1300}]\n")
    assert world.charger("a").spec.sku == "IQ-EVSE-EU-3032-0105-1300"


def test_steps_at_one_instant_run_in_file_order_on_a_settled_model() -> None:
    world = build(
        """\
        clock: {start: "2026-06-01T12:00:00Z"}
        chargers:
          - {id: a, plugged_in: {capacity_kwh: 10, soc: 0, max_kw: 11}, charging: true}
        timeline:
          # 10 kWh at 7.36 kW: full at 13:21:31.3; the expectation at that second sees it
          - {at: "2026-06-01T13:21:31.304348Z", expect: {charger: a, state: SUSPENDED_EV}}
          - {expect: {charger: a, state: SUSPENDED_EV, session_wh: 10000}}
          - {charger: a, event: unplug}
          - {expect: {charger: a, state: AVAILABLE}}
        """
    )
    world.advance(2 * 3600)
    log = timeline_log(world)
    assert [s.status for s in log.steps] == ["passed", "passed", "done", "passed"]
    assert {s.time for s in log.steps} == {log.steps[0].time}


def test_a_refused_step_is_recorded_not_raised() -> None:
    world = build(
        """\
        chargers: [{id: a}]
        timeline:
          - {after: 1h, charger: a, event: plug_in}
        """
    )
    world.plug_in("a")  # someone plugs in first (admin API)
    world.advance(3600)
    step = timeline_log(world).steps[0]
    assert step.status == "failed"
    assert "already plugged into" in (step.message or "")


def test_local_times_follow_the_time_zone_and_roll_to_the_next_day() -> None:
    world = build(
        """\
        gateway: {time_zone: America/New_York}
        clock: {start: "2026-06-01T23:30:00Z"}   # 19:30 in New York
        timeline:
          - {at: "19:00", note: tomorrow evening}
          - {at: "07:00", note: the morning after}
          - {after: 90m, note: later}
        """
    )
    times = [s.time for s in timeline_log(world).steps]
    from emulator.model.clock import iso

    assert [iso(t) for t in times] == [
        "2026-06-02T23:00:00Z",
        "2026-06-03T11:00:00Z",
        "2026-06-03T12:30:00Z",
    ]
