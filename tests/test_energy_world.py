"""The energy model inside the world: chargers fold into the meters, counters are exact and
independent of how time was cut, GREEN follows the meters, and the scenario's site section
(metering, inverters, house load, lifetime) is validated with file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.model.tokens import TokenAuthority
from emulator.model.world import World
from emulator.scenario.build import build_world
from emulator.scenario.errors import ScenarioError
from emulator.scenario.load import load_scenario

DAY = 86_400
THIRTY_DAYS = """
seed: 11
gateway: {time_zone: Europe/Paris}
clock: {start: "2026-03-01T00:00:00+01:00"}
site: {house_load: {watts: 437.5}, inverters: 9}
solar: {peak_kw: 5.2, sunrise: "06:30", sunset: "19:45"}
vehicles: {big: {capacity_kwh: 100, soc: 10, max_kw: 11}}
chargers: [{id: garage, max_amps: 32, voltage: 230, phases: 1, plugged_in: big, charging: true}]
"""


def world_of(text: str) -> World:
    return build_world(load_scenario(text), TokenAuthority.ephemeral(), clock_mode="manual")


def lifetimes(world: World) -> tuple[float, float, float, float, float]:
    view = world.energy_view()
    assert view.consumption is not None and view.net is not None
    return (
        view.production.total.lifetime_wh,
        view.consumption.total.lifetime_wh,
        view.net.total.delivered_wh,
        view.net.total.received_wh,
        view.inverters_lifetime_wh,
    )


def test_thirty_days_equal_an_independent_sum_in_one_step_or_3600() -> None:
    one, many = world_of(THIRTY_DAYS), world_of(THIRTY_DAYS)
    one.advance(30 * DAY)
    for _ in range(3600):
        many.advance(30 * DAY / 3600)
    assert lifetimes(one) == lifetimes(many)
    production, consumption, imported, exported, inverters = lifetimes(one)
    # Independently: every 15-minute step of the profile, 30 times (no DST in March 1-31
    # before the 29th... the clock change on 2026-03-29 is handled by counting local steps).
    solar = one.site.solar
    expected_production = 0.0
    t = one.started_at
    while t < one.started_at + 30 * DAY:
        nxt = min(solar.next_change(t), one.started_at + 30 * DAY)
        expected_production += solar.production_w(t) * (nxt - t) / 3600
        t = nxt
    charger = next(iter(one.chargers.values()))
    charged = charger.lifetime_wh(one.model_t)
    assert charged > 80_000  # the car really charged: 90 kWh of room
    assert production == pytest.approx(expected_production, abs=0.01)
    assert consumption == pytest.approx(437.5 * 30 * 24 + charged, abs=0.01)
    assert imported - exported == pytest.approx(consumption - production, abs=0.01)
    assert inverters == pytest.approx(production, abs=0.01)


def test_the_meters_read_the_same_bytes_however_time_was_cut() -> None:
    from emulator.fronts.gateway.energy_payloads import encode, production_json

    one, many = world_of(THIRTY_DAYS), world_of(THIRTY_DAYS)
    one.advance(DAY + 1234.5)
    for _ in range(100):
        many.advance((DAY + 1234.5) / 100)
    assert encode(production_json(one.energy_view()), "compact") == encode(
        production_json(many.energy_view()), "compact"
    )


def test_green_charging_takes_what_the_meters_show_left_over() -> None:
    world = world_of(
        """
seed: 3
clock: {start: "2026-06-01T12:00:00Z"}
site: {house_load: {watts: 1000}}
solar: {hourly_kw: [0,0,0,0,0,0,0,0,0,0,0,0, 6,6,0,0,0,0,0,0,0,0,0,0]}
chargers:
  - {id: green, max_amps: 32, voltage: 230, phases: 1, mode: GREEN_CHARGING, plugged_in: true}
  - {id: manual, max_amps: 16, voltage: 230, phases: 1}
"""
    )
    assert world.charger_view("green").offered_amps == (6000 - 1000) // 230
    world.execute("plug_in", {}, "manual")
    world.execute("start_charging", {"amps": 8}, "manual")
    # The manual charger's 1840 W is no longer surplus: green gets (6000-1000-1840)//230 A.
    assert world.charger_view("green").offered_amps == (6000 - 1000 - 1840) // 230
    view = world.energy_view()
    assert view.consumption is not None
    green_w = world.charger_view("green").power_w
    assert view.consumption.total.w == pytest.approx(1000 + 1840 + green_w)


def test_the_house_load_steps_wake_the_world() -> None:
    world = world_of(
        """
clock: {start: "2026-06-01T00:00:00Z"}
site: {house_load: {hourly_w: [100,200,300,400,500,600,700,800,900,1000,1100,1200,
                               1300,1400,1500,1600,1700,1800,1900,2000,2100,2200,2300,2400]}}
"""
    )
    world.energy_view()  # the meters are built on first use; from then on they wake
    before = world.agenda.processed
    world.advance(DAY)
    assert world.agenda.processed - before >= 24  # one fold per hour (and midnight)
    view = world.energy_view()
    assert view.consumption is not None
    assert view.consumption.total.lifetime_wh == pytest.approx(sum(range(100, 2401, 100)))


def test_a_csv_load_is_read_next_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "load.csv").write_text(
        "time,watts\n2026-06-01T00:00:00Z,300\n2026-06-01T06:00:00Z,900\n"
    )
    scenario = tmp_path / "site.yaml"
    scenario.write_text(
        'clock: {start: "2026-06-01T00:00:00Z"}\nsite:\n  house_load: {csv: load.csv}\n'
    )
    data = load_scenario(scenario.read_text(), str(scenario))
    world = build_world(data, TokenAuthority.ephemeral(), clock_mode="manual")
    world.advance(12 * 3600)
    view = world.energy_view()
    assert view.consumption is not None
    assert view.consumption.total.lifetime_wh == pytest.approx(6 * 300 + 6 * 900)


def problems(text: str, source: str = "s.yaml") -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(text, source)
    return [str(p) for p in info.value.problems]


def test_site_metering_problems_name_file_line_and_column(tmp_path: Path) -> None:
    found = problems("site:\n  metering:\n    type: smart\n    phases: 4\n")
    assert any(p.startswith("s.yaml:3:11:") and "smart" in p for p in found), found
    assert any(p.startswith("s.yaml:4:13:") for p in found), found
    found = problems("site:\n  house_load: {watts: 3, csv: x.csv}\n")
    assert any(p.startswith("s.yaml:2:15:") and "one of watts" in p for p in found), found
    found = problems("site:\n  house_load: {watts: 3}\nsolar: {house_load_kw: 1}\n")
    assert any("given twice" in p and p.startswith("s.yaml:3:") for p in found), found
    bad = tmp_path / "bad.csv"
    bad.write_text("0,100\n60,lots\n")
    found = problems(f"site:\n  house_load:\n    csv: {bad}\n")
    assert any(p.startswith("s.yaml:3:10:") and "line 2" in p for p in found), found
    found = problems("site:\n  house_load: {csv: missing.csv}\n")
    assert any("cannot read" in p for p in found), found
    found = problems("site:\n  lifetime: {production_wh: 100, consumption_wh: 0}\n")
    assert any("negative import" in p for p in found), found


def test_the_meters_built_late_count_the_same_as_built_early() -> None:
    early, late = world_of(THIRTY_DAYS), world_of(THIRTY_DAYS)
    early.energy_view()
    for world in (early, late):
        serial = next(iter(world.chargers))
        for hours, amps in ((3, 16), (5, 32), (7, 10)):
            world.advance(hours * 3600)
            world.execute("set_current", {"amps": amps}, serial)
    assert late._energy is None and len(late._energy_folds) > 0
    assert lifetimes(early) == lifetimes(late)


def test_existing_scenarios_keep_todays_behaviour() -> None:
    world = world_of("chargers: [{max_amps: 32}]")
    spec = world.energy.metering
    assert (spec.metered, spec.production_ct, spec.consumption_ct, spec.phases) == (
        True,
        True,
        "net",
        1,
    )
    assert len(world.energy.array.serials) == 10


def test_a_fault_stops_the_chargers_share_of_consumption_at_once() -> None:
    """A fault drops the charger's power to 0 W: the meters must stop counting it then
    (it used to be zeroed before the world compared power, so the meters kept counting
    the old 3,680 W through the fault)."""
    text = """
seed: 3
clock: {start: "2026-03-01T00:00:00Z"}
site: {house_load: {watts: 0}}
solar: {peak_kw: 0}
vehicles: {big: {capacity_kwh: 100, soc: 10, max_kw: 11}}
chargers: [{id: garage, max_amps: 32, voltage: 230, phases: 1, plugged_in: big}]
"""
    world = world_of(text)
    serial = next(iter(world.chargers))
    world.start_charging(serial, 16)
    world.advance(3600)
    world.fault(serial)
    world.advance(3600)
    view = world.energy_view()
    assert view.consumption is not None
    assert view.consumption.total.lifetime_wh - lifetimes(world_of(text))[1] == 3680.0
    assert world.charger(serial).lifetime_wh(world.model_t) == pytest.approx(3680.0)


def test_a_slot_on_one_weekday_charges_every_week() -> None:
    """A Wednesday-only slot used to charge once and never again: the calendar looked for
    the next start in too few days."""
    text = """
seed: 3
clock: {start: "2026-03-02T00:00:00Z"}
vehicles: {huge: {capacity_kwh: 500, soc: 0, max_kw: 11}}
chargers:
  - id: garage
    max_amps: 32
    mode: SCHEDULED_CHARGING
    plugged_in: huge
    schedule: [{startTime: "01:00", endTime: "02:00", chargingLevel: 16, days: [3]}]
"""
    world = world_of(text)
    charger = next(iter(world.chargers.values()))
    world.advance(28 * DAY)
    assert charger.charge_starts == 4  # four Wednesdays in four weeks
    assert charger.lifetime_wh(world.model_t) == pytest.approx(4 * 3680.0)
