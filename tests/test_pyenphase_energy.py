"""pyenphase (from PyPI, what Home Assistant uses) reads the whole gateway end to end:
setup -> authenticate -> probe -> update twice -> interface_settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyenphase import Envoy, EnvoyData
from pyenphase.const import SupportedFeatures as F

from emulator.model.energy_spec import mw

from .conftest import Api

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
METERED = """
seed: 21
gateway: {time_zone: Europe/Paris}
clock: {start: "2026-06-01T04:00:00Z"}
site: {inverters: 14, house_load: {watts: 540}, tariff_per_kwh: 0.2, currency: EUR}
solar: {peak_kw: 5.6, sunrise: "06:00", sunset: "21:30"}
chargers: [{id: garage, max_amps: 32, voltage: 230, phases: 1}]
"""
STANDARD = METERED.replace("inverters: 14,", "metering: {type: standard}, inverters: 14,")
FULL = (
    F.INVERTERS
    | F.METERING
    | F.TOTAL_CONSUMPTION
    | F.NET_CONSUMPTION
    | F.PRODUCTION
    | F.TARIFF
    | F.CTMETERS
)


async def connect(api: Api, role: str) -> Envoy:
    envoy = Envoy(f"127.0.0.1:{api.server.port}")
    await envoy.setup()
    await envoy.authenticate(token=await api.token(role))
    await envoy.probe()
    return envoy


@pytest.mark.parametrize("role", ["owner", "installer"])
async def test_the_full_flow_on_a_metered_gateway(make_api: Any, role: str) -> None:
    api = await make_api(METERED)
    await api.advance(6 * 3600)  # 08:00 in Paris: the sun is up
    envoy = await connect(api, role)
    try:
        first = await envoy.update()
        data = await envoy.update()
        assert envoy.supported_features & FULL == FULL, envoy.supported_features
        assert envoy.serial_number == api.emulator.world.gateway.serial
        for name in (
            "system_production",
            "system_consumption",
            "system_net_consumption",
            "ctmeter_production",
            "ctmeter_consumption",
            "inverters",
            "tariff",
        ):
            assert getattr(data, name), name
        assert len(data.inverters) == 14
        assert data.system_production is not None and data.system_production.watts_now > 0
        assert data.tariff is not None and data.tariff.currency == {"code": "EUR"}
        assert first.system_production == data.system_production  # the clock did not move
        interface = await envoy.interface_settings()
        assert interface is not None
        assert interface.timezone == "Europe/Paris" and interface.primary_interface == "eth0"
    finally:
        await envoy.close()


async def test_a_standard_gateway_has_production_and_inverters_only(make_api: Any) -> None:
    api = await make_api(STANDARD)
    await api.advance(6 * 3600)
    envoy = await connect(api, "owner")
    try:
        await envoy.update()
        data = await envoy.update()
        assert envoy.supported_features & (F.PRODUCTION | F.INVERTERS) == F.PRODUCTION | F.INVERTERS
        assert not envoy.supported_features & (F.METERING | F.CTMETERS | F.NET_CONSUMPTION)
        assert data.system_production is not None and data.system_production.watts_now > 0
        assert data.system_consumption is None and data.ctmeter_production is None
        assert len(data.inverters) == 14
    finally:
        await envoy.close()


def balance(data: EnvoyData) -> tuple[int, int, int]:
    assert data.system_production and data.system_consumption and data.system_net_consumption
    return (
        data.system_production.watts_now,
        data.system_consumption.watts_now,
        data.system_net_consumption.watts_now,
    )


async def test_a_charging_car_shows_in_consumption_and_net_all_day(make_api: Any) -> None:
    api = await make_api(METERED)
    world = api.emulator.world
    envoy = await connect(api, "owner")
    try:
        await api.event(api.serial, "plug_in", vehicle={"capacity_kwh": 200, "soc": 5})
        points = 0
        for hour in (2, 5, 8, 11, 14, 17, 20):  # 06:00 .. 00:00 in Paris
            target = world.started_at + hour * 3600
            await api.advance(target - world.now())
            idle = balance(await envoy.update())
            installer = await api.token("installer")  # an installer token lives 12 hours
            status, _ = await api.post(
                f"/ivp/pdm/charger/{api.serial}/start_charging",
                {"chargingLevel": 32},
                token=installer,
            )
            assert status == 200
            charging = balance(await envoy.update())
            status, _ = await api.post(
                f"/ivp/pdm/charger/{api.serial}/stop_charging", token=installer
            )
            assert status == 200
            for production, consumption, net in (idle, charging):
                assert net == consumption - production, (hour, production, consumption, net)
            assert charging[0] == idle[0]
            assert charging[1] - idle[1] == 7360, hour
            assert charging[2] - idle[2] == 7360, hour
            points += 1
        assert points == 7
    finally:
        await envoy.close()


async def test_the_sunny_green_day_example(make_api: Any) -> None:
    api = await make_api((SCENARIOS / "sunny-green-day.yaml").read_text())
    world = api.emulator.world
    solar, load = world.site.solar, world.site.house_load
    assert load is not None
    envoy = await connect(api, "owner")
    try:
        await api.advance(7 * 3600)  # 13:00 in Berlin
        t = world.now()
        production, consumption, net = balance(await envoy.update())
        surplus_w = (mw(solar.production_w(t)) - mw(load.power_w(t))) // 1000
        amps = min(32, surplus_w // 230)
        assert amps == 26 and load.power_w(t) == 400
        assert world.charger_view("garage").power_w == amps * 230
        assert production == round(solar.production_w(t))
        assert consumption == 400 + amps * 230
        assert net == consumption - production < 0  # exporting what the car leaves
        data = await envoy.update()
        assert len(data.inverters) == 16
        assert data.system_production is not None
        # Lifetime started at 12 MWh; seven hours of sun on top of it.
        assert 12_000_000 < data.system_production.watt_hours_lifetime < 12_050_000
        assert data.tariff is not None and data.tariff.currency == {"code": "EUR"}
    finally:
        await envoy.close()
