"""The site's energy model: exact, cut-independent integration and self-consistent meters."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from emulator.errors import InvalidRequest
from emulator.model.energy import (
    ArraySpec,
    EnergyModel,
    MeteringSpec,
    StartCounters,
    apportion,
)
from emulator.model.energy_view import EnergyView
from emulator.model.loads import ConstantLoad, HourlyLoad, StepLoad, steps_from_csv
from emulator.model.solar import SolarProfile

AMS = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2026, 6, 1, 9, 17, 23, tzinfo=AMS).timestamp()
DAY = 86400.0


def site(metering: MeteringSpec | None = None, *, load_w: float | None = None) -> EnergyModel:
    solar = SolarProfile.from_sun(5.2, "05:30", "21:45", 0.0, AMS)
    load = (
        ConstantLoad(load_w)
        if load_w is not None
        else HourlyLoad(tuple(250.0 + 37.5 * h for h in range(24)), AMS)
    )
    return EnergyModel(
        metering or MeteringSpec(phases=3),
        ArraySpec.generate(13, seed=5),
        solar,
        load,
        AMS,
        T0,
        StartCounters(production_wh=2_000_000, consumption_wh=3_100_000, export_wh=900_000),
    )


CHARGER_EVENTS = ((T0 + 3_601.5, 7360.0), (T0 + 5 * DAY + 17.25, 0.0), (T0 + 9 * DAY, 11040.0))


def run(model: EnergyModel, end: float, steps: int, *, peek: bool = False) -> EnergyModel:
    """Advance to ``end`` in ``steps`` equal steps, folding at the charger events too;
    ``peek`` also reads the model around every step, ahead of it and at it."""
    events = list(CHARGER_EVENTS)
    chargers = 0.0
    for k in range(1, steps + 1):
        t = T0 + (end - T0) * k / steps
        while events and events[0][0] <= t:
            at, chargers = events.pop(0)
            model.fold(at, chargers)
        if peek:
            model.view(t + 77.7)
        model.fold(t, chargers)
        if peek:
            model.view(t)
            model.fold(t - 5, chargers)  # late: already banked, adds nothing
    return model


def test_one_step_and_3600_steps_give_byte_identical_views_over_30_days() -> None:
    end = T0 + 30 * DAY
    one, many = run(site(), end, 1), run(site(), end, 3600)
    for t in (end, end + 1234.5, end + 3 * DAY):
        assert repr(one.view(t)) == repr(many.view(t))
        assert one.view(t) == many.view(t)


def test_reads_and_extra_folds_change_nothing() -> None:
    end = T0 + 10 * DAY
    quiet, busy = run(site(), end, 1), run(site(), end, 300, peek=True)
    assert repr(quiet.view(end + 60)) == repr(busy.view(end + 60))


def test_counters_agree_to_the_wh() -> None:
    model = run(site(), T0 + 12 * DAY + 3_333, 700)
    view = model.view(T0 + 12 * DAY + 3_333)
    assert view.consumption is not None and view.net is not None
    prod, cons, net = view.production.total, view.consumption.total, view.net.total
    assert abs((net.delivered_wh - net.received_wh) - (cons.lifetime_wh - prod.lifetime_wh)) < 0.01
    assert abs(net.lifetime_wh - (cons.lifetime_wh - prod.lifetime_wh)) < 0.01
    assert abs(net.today_wh - (cons.today_wh - prod.today_wh)) < 0.01
    assert abs(view.inverters_lifetime_wh - prod.lifetime_wh) < 0.01
    assert abs(sum(i.w for i in view.inverters) - prod.w) < 1e-6
    for meter in (view.production, view.consumption, view.net):
        assert abs(sum(f.w for f in meter.phases) - meter.total.w) < 0.01
        assert abs(sum(f.delivered_wh for f in meter.phases) - meter.total.delivered_wh) < 0.01
    assert prod.today_wh <= prod.last_seven_days_wh <= prod.lifetime_wh - 2_000_000 + 0.01


def test_today_resets_at_local_midnight_even_on_a_23_hour_day() -> None:
    start = datetime(2026, 3, 28, 12, 0, tzinfo=AMS).timestamp()
    dark = SolarProfile.none(AMS)
    model = EnergyModel(
        MeteringSpec(), ArraySpec.generate(2, 0), dark, ConstantLoad(1000.0), AMS, start
    )
    midnight = datetime(2026, 3, 29, 0, 0, tzinfo=AMS).timestamp()
    next_midnight = datetime(2026, 3, 30, 0, 0, tzinfo=AMS).timestamp()  # 23 h later (DST)
    assert model.next_change(start) == midnight

    def today(t: float) -> float:
        consumption = model.view(t).consumption
        assert consumption is not None
        return consumption.total.today_wh

    assert today(midnight - 1) == pytest.approx(12_000 - 1000 / 3600, abs=0.001)  # since start
    assert today(midnight) == 0.0
    assert today(midnight + 36) == 10.0
    assert today(next_midnight - 3600) == 22_000.0
    assert today(next_midnight) == 0.0
    model.fold(next_midnight + 7200, 0.0)
    view = model.view(next_midnight + 7200)
    assert view.consumption is not None
    assert view.consumption.total.today_wh == 2000.0
    assert view.consumption.total.last_seven_days_wh == 12_000 + 23_000 + 2_000


def test_last_seven_days_is_today_plus_six_local_days() -> None:
    model = EnergyModel(
        MeteringSpec(),
        ArraySpec.generate(1, 0),
        SolarProfile.none(AMS),
        ConstantLoad(100.0),
        AMS,
        T0,
    )
    t = T0 + 20 * DAY
    model.fold(t, 0.0)
    view = model.view(t)
    assert view.consumption is not None
    local = datetime.fromtimestamp(t, AMS)
    since_midnight = local.hour * 3600 + local.minute * 60 + local.second
    assert view.consumption.total.today_wh == pytest.approx(since_midnight / 36, abs=0.001)
    assert view.consumption.total.last_seven_days_wh == pytest.approx(
        view.consumption.total.today_wh + 6 * 2400, abs=0.001
    )


def test_a_charger_at_7360_w_adds_exactly_that_to_consumption_and_net() -> None:
    with_car, without = site(load_w=600.0), site(load_w=600.0)
    t = T0 + 10.0
    with_car.fold(t, 7360.0)
    without.fold(t, 0.0)
    a, b = with_car.view(t + 3600), without.view(t + 3600)
    assert a.consumption and b.consumption and a.net and b.net
    assert a.consumption.total.w - b.consumption.total.w == 7360.0
    assert a.net.total.w - b.net.total.w == 7360.0
    assert a.production.total.w == b.production.total.w
    assert a.production.total.lifetime_wh == b.production.total.lifetime_wh
    assert a.production.total.voltage < b.production.total.voltage  # the import sags it
    assert a.consumption.total.delivered_wh - b.consumption.total.delivered_wh == 7360.0
    assert a.chargers_w == 7360.0


def test_green_surplus_uses_the_meters_numbers() -> None:
    model = site(load_w=750.0)
    noon = datetime(2026, 6, 1, 13, 40, tzinfo=AMS).timestamp()
    production = model.production_w(noon)
    assert production > 4000
    assert model.green_surplus_w(noon, 0.0) == production - 750.0
    assert model.green_surplus_w(noon, 1000.0) == production - 1750.0
    assert model.green_surplus_w(noon, 99_000.0) == 0.0
    assert model.green_surplus_w(datetime(2026, 6, 1, 2, tzinfo=AMS).timestamp(), 0.0) == 0.0


def test_standard_gateway_has_no_consumption() -> None:
    model = site(MeteringSpec(metered=False))
    view = model.view(T0 + DAY)
    assert view.consumption is None and view.net is None
    assert not view.metered and not view.production_ct and view.consumption_ct is None
    assert view.production.total.lifetime_wh > 2_000_000


def test_no_consumption_ct_means_no_consumption_either() -> None:
    view = site(MeteringSpec(consumption_ct=None)).view(T0 + 60)
    assert view.consumption is None and view.net is None and view.production_ct


def test_inverters_report_every_five_minutes_with_their_share() -> None:
    model = site()
    t = datetime(2026, 6, 1, 14, 3, 7, tzinfo=AMS).timestamp()
    view: EnergyView = model.view(t)
    assert len({i.serial for i in view.inverters}) == 13
    for inverter in view.inverters:
        assert len(inverter.serial) == 12 and inverter.serial.isdigit()
        assert 0 <= t - inverter.last_report_at < 300
        assert 0 < inverter.last_report_w <= inverter.max_report_w
    assert view.inverters_reading_time == max(i.last_report_at for i in view.inverters)
    assert ArraySpec.generate(13, seed=5) == ArraySpec.generate(13, seed=5)
    assert ArraySpec.generate(13, seed=5) != ArraySpec.generate(13, seed=6)


def test_made_up_electrics_follow_power() -> None:
    view = site(MeteringSpec(phases=2)).view(datetime(2026, 6, 1, 13, tzinfo=AMS).timestamp())
    assert view.frequency_hz == 60.0 and view.phase_mode == "split"
    prod, net = view.production.total, view.net
    assert net is not None
    assert prod.power_factor == 0.98 and net.total.power_factor == -0.98  # exporting
    assert prod.voltage == pytest.approx(sum(f.voltage for f in view.production.phases))
    assert all(118 < f.voltage < 124 for f in view.production.phases)
    assert prod.current == pytest.approx(sum(f.current for f in view.production.phases), abs=0.01)


def test_apportion_is_exact() -> None:
    assert apportion(10, (1, 1, 1)) == (4, 3, 3)
    assert sum(apportion(123_456_789, (960, 1040, 1001, 999))) == 123_456_789


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"phases": 4}, "phases"),
        ({"consumption_ct": "gross"}, "consumption_ct"),
        ({"frequency_hz": 55}, "frequency_hz"),
        ({"phases": 3, "load_split": (1, 1)}, "load_split"),
    ],
)
def test_bad_metering_is_refused(spec: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        MeteringSpec(**spec)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_start_counters_cannot_imply_negative_import() -> None:
    with pytest.raises(InvalidRequest):
        StartCounters(production_wh=10, consumption_wh=1, export_wh=0)


def test_loads_step_and_parse() -> None:
    hourly = HourlyLoad(tuple(float(h) for h in range(24)), AMS)
    t = datetime(2026, 10, 25, 1, 30, tzinfo=AMS).timestamp()
    assert hourly.power_w(t) == 1.0
    assert hourly.next_change(t) == t + 1800
    steps = StepLoad(steps_from_csv("time,watts\n100,5\n2026-06-01T00:00:00Z,7.5\n"))
    assert steps.power_w(0) == 5.0 and steps.next_change(0) == 100
    assert steps.power_w(2e9) == 7.5 and steps.next_change(2e9) is None
    with pytest.raises(InvalidRequest, match="line 2"):
        steps_from_csv("time,watts\nlater,5\n")
    with pytest.raises(InvalidRequest):
        StepLoad(((10, 1.0), (10, 2.0)))
