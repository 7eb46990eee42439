"""Energy route bodies: the captured shapes (7.6.175), filled from the model, readable by
pyenphase's own parsers. The signatures below were written down by hand from pyenphase's
public fixtures (keys in order, JSON types); no captured value is kept here."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pyenphase.models.home import EnvoyInterfaceInformation
from pyenphase.models.inverter import EnvoyInverter
from pyenphase.models.meters import EnvoyMeterData
from pyenphase.models.system_consumption import EnvoySystemConsumption
from pyenphase.models.system_production import EnvoySystemProduction
from pyenphase.models.tariff import EnvoyTariff

from emulator.fronts.gateway import energy_payloads as ep
from emulator.model.energy import ArraySpec, EnergyModel, MeteringSpec, StartCounters
from emulator.model.energy_view import EnergyView
from emulator.model.loads import ConstantLoad
from emulator.model.solar import SolarProfile

AMS = ZoneInfo("Europe/Amsterdam")
NOON = datetime(2026, 6, 10, 13, 7, 41, tzinfo=AMS).timestamp()
F, INT, S, B, L, D = float, int, str, bool, list, dict

INVERTERS_SEGMENT = {
    "type": S,
    "activeCount": INT,
    "readingTime": INT,
    "wNow": INT,
    "whLifetime": INT,
}
EIM_HEAD = {"type": S, "activeCount": INT, "measurementType": S, "readingTime": INT}
EIM_LINE = {
    "wNow": F,
    "whLifetime": F,
    "varhLeadLifetime": F,
    "varhLagLifetime": F,
    "vahLifetime": F,
    "rmsCurrent": F,
    "rmsVoltage": F,
    "reactPwr": F,
    "apprntPwr": F,
    "pwrFactor": F,
    "whToday": F,
    "whLastSevenDays": F,
    "vahToday": F,
    "varhLeadToday": F,
    "varhLagToday": F,
}
NET_LINE = {**EIM_LINE, **dict.fromkeys(("whToday", "whLastSevenDays", "vahToday"), INT)}
NET_LINE.update({"varhLeadToday": INT, "varhLagToday": INT})
ACB = {"type": S, "activeCount": INT, "readingTime": INT, "wNow": INT, "whNow": INT, "state": S}
V1 = {"wattHoursToday": INT, "wattHoursSevenDays": INT, "wattHoursLifetime": INT, "wattsNow": INT}
INVERTER = {
    "serialNumber": S,
    "lastReportDate": INT,
    "devType": INT,
    "lastReportWatts": INT,
    "maxReportWatts": INT,
}
METER = {
    "eid": INT,
    "state": S,
    "measurementType": S,
    "phaseMode": S,
    "phaseCount": INT,
    "meteringStatus": S,
    "statusFlags": L,
}
READING = {
    "eid": INT,
    "timestamp": INT,
    "actEnergyDlvd": F,
    "actEnergyRcvd": F,
    "apparentEnergy": F,
    "reactEnergyLagg": F,
    "reactEnergyLead": F,
    "instantaneousDemand": F,
    "activePower": F,
    "apparentPower": F,
    "reactivePower": F,
    "pwrFactor": F,
    "voltage": F,
    "current": F,
    "freq": F,
}
TARIFF = {"tariff": D, "schedule": D}
TARIFF_INNER = {
    "currency": D,
    "logger": S,
    "date": S,
    "storage_settings": D,
    "single_rate": D,
    "seasons": L,
    "seasons_sell": L,
}
STORAGE_SETTINGS = {
    "mode": S,
    "operation_mode_sub_type": S,
    "reserved_soc": F,
    "very_low_soc": INT,
    "charge_from_grid": B,
    "date": S,
}
HOME = {
    "software_build_epoch": INT,
    "timezone": S,
    "current_date": S,
    "current_time": S,
    "network": D,
    "tariff": S,
    "comm": D,
    "wireless_connection": L,
}
HOME_NETWORK = {
    "web_comm": B,
    "ever_reported_to_enlighten": B,
    "last_enlighten_report_time": INT,
    "primary_interface": S,
    "interfaces": L,
}
ETH0 = {
    "type": S,
    "interface": S,
    "mac": S,
    "dhcp": B,
    "ip": S,
    "signal_strength": INT,
    "signal_strength_max": INT,
    "carrier": B,
}
IDENTITY = ep.HomeIdentity("Europe/Amsterdam", "00:1d:c0:0a:0b:fe", "192.168.1.7", 1_700_000_000)


def shaped(body: Mapping[str, Any], signature: Mapping[str, object]) -> bool:
    """Same keys in the same order, each with its JSON type (bool is not an int here)."""
    return list(body) == list(signature) and all(type(body[k]) is t for k, t in signature.items())


def view(metering: MeteringSpec, chargers_w: float = 0.0, at: float = NOON) -> EnergyView:
    model = EnergyModel(
        metering,
        ArraySpec.generate(9, seed=11),
        SolarProfile.from_sun(3.6, "05:40", "21:50", 0.0, AMS),
        ConstantLoad(420.0),
        AMS,
        at - 8 * 86400,
        StartCounters(production_wh=4_000_000, consumption_wh=6_000_000, export_wh=1_500_000),
    )
    model.fold(at - 1800, chargers_w)
    return model.view(at)


METERED = view(MeteringSpec(phases=3), chargers_w=7360.0)


def test_production_json_metered_with_details() -> None:
    body = ep.production_json(METERED, details=True)
    assert list(body) == ["production", "consumption", "storage"]
    inverters, eim = body["production"]
    assert shaped(inverters, INVERTERS_SEGMENT)
    assert inverters["activeCount"] == 9 and inverters["wNow"] == METERED.inverters_w
    assert shaped({k: eim[k] for k in list(eim)[:4]}, EIM_HEAD)
    assert shaped({k: v for k, v in eim.items() if k not in EIM_HEAD and k != "lines"}, EIM_LINE)
    assert [c["measurementType"] for c in body["consumption"]] == [
        "total-consumption",
        "net-consumption",
    ]
    total, net = body["consumption"]
    assert all(shaped(line, EIM_LINE) for line in [*eim["lines"], *total["lines"]])
    assert all(shaped(line, NET_LINE) for line in net["lines"])
    assert len(eim["lines"]) == 3 and list(eim)[-1] == "lines"
    assert body["storage"] == [
        {"type": "acb", "activeCount": 0, "readingTime": 0, "wNow": 0, "whNow": 0, "state": "idle"}
    ]
    assert total["wNow"] == pytest.approx(eim["wNow"] + net["wNow"], abs=0.002)
    assert net["whLifetime"] == pytest.approx(total["whLifetime"] - eim["whLifetime"], abs=0.002)


def test_production_without_details_has_no_lines_and_matches_production_json() -> None:
    body = ep.production(METERED)
    assert body == ep.production_json(METERED)
    assert not any("lines" in s for s in [*body["production"], *body["consumption"]])


def test_standard_gateway_bodies() -> None:
    standard = view(MeteringSpec(metered=False))
    body = ep.production_json(standard, details=True)
    assert list(body) == ["production", "storage"]
    assert [s["type"] for s in body["production"]] == ["inverters"]
    assert ep.ivp_meters(standard) == [] and ep.ivp_meters_readings(standard) == []
    v1 = ep.api_v1_production(standard)
    assert shaped(v1, V1) and v1["wattsNow"] == standard.inverters_w > 0


def test_metered_without_consumption_ct_shows_it_disabled() -> None:
    no_ct = view(MeteringSpec(consumption_ct=None))
    meters = ep.ivp_meters(no_ct)
    assert [(m["measurementType"], m["state"]) for m in meters] == [
        ("production", "enabled"),
        ("net-consumption", "disabled"),
    ]
    body = ep.production_json(no_ct)
    assert [c["activeCount"] for c in body["consumption"]] == [0, 0]
    assert body["consumption"][0]["wNow"] == 0.0 and body["consumption"][0]["rmsVoltage"] > 200


def test_metered_with_production_ct_disabled_gives_zero_v1() -> None:
    disabled = view(MeteringSpec(production_ct=False, consumption_ct=None))
    assert set(ep.api_v1_production(disabled).values()) == {0}
    assert ep.production_json(disabled)["production"][1]["activeCount"] == 0


def test_meters_and_readings_share_eids_and_phases() -> None:
    meters, readings = ep.ivp_meters(METERED), ep.ivp_meters_readings(METERED)
    assert all(shaped(m, METER) for m in meters)
    assert [m["eid"] for m in meters] == [r["eid"] for r in readings]
    assert all(m["phaseCount"] == 3 and m["phaseMode"] == "three" for m in meters)
    for reading in readings:
        assert shaped({k: v for k, v in reading.items() if k != "channels"}, READING)
        assert len(reading["channels"]) == 3
        assert all(shaped(c, READING) for c in reading["channels"])
        assert [c["eid"] - reading["eid"] for c in reading["channels"]] == [
            0x40000011,
            0x40000012,
            0x40000013,
        ]
    net = readings[1]
    assert net["actEnergyDlvd"] - net["actEnergyRcvd"] == pytest.approx(
        METERED.net.total.lifetime_wh if METERED.net else 0, abs=0.002
    )


def test_total_ct_is_listed_as_total_consumption() -> None:
    total = view(MeteringSpec(phases=2, consumption_ct="total"))
    meters, readings = ep.ivp_meters(total), ep.ivp_meters_readings(total)
    assert meters[1]["measurementType"] == "total-consumption"
    assert readings[1]["actEnergyRcvd"] == 0.0
    assert [c["freq"] for c in readings[0]["channels"]] == [60.0, 60.0, 0.0]  # split: 2 legs


def test_v1_inverters_and_tariff_and_home_shapes() -> None:
    assert shaped(ep.api_v1_production(METERED), V1)
    inverters = ep.api_v1_production_inverters(METERED)
    assert len(inverters) == 9 and all(shaped(i, INVERTER) for i in inverters)
    tariff = ep.admin_lib_tariff("EUR", 0.31, 1_750_000_000)
    assert shaped(tariff, TARIFF) and shaped(tariff["tariff"], TARIFF_INNER)
    assert shaped(tariff["tariff"]["storage_settings"], STORAGE_SETTINGS)
    home = ep.home(METERED, IDENTITY)
    assert shaped(home, HOME) and shaped(home["network"], HOME_NETWORK)
    assert shaped(home["network"]["interfaces"][0], ETH0)
    assert home["network"]["interfaces"][0]["mac"] == "00:1D:C0:0A:0B:FE"
    assert home["network"]["interfaces"][1]["mac"] == "00:1D:C0:0A:0B:FF"
    assert home["current_time"] == "13:07" and home["comm"]["pcu"]["num"] == 9
    assert ep.ensemble_inventory() == []


def test_pyenphase_parses_every_body() -> None:
    production = ep.production_json(METERED, details=True)
    parsed = EnvoySystemProduction.from_production(production)
    assert parsed is not None and parsed.watts_now == round(METERED.production.total.w)
    total = EnvoySystemConsumption.from_production(production)
    net = EnvoySystemConsumption.from_production(production, consumption_segment=1)
    assert total.watts_now - net.watts_now == pytest.approx(parsed.watts_now, abs=1)
    assert EnvoySystemConsumption.from_production_phase(production, 2) is not None
    v1 = EnvoySystemProduction.from_v1_api(ep.api_v1_production(METERED))
    assert v1.watt_hours_lifetime == parsed.watt_hours_lifetime
    meters = ep.ivp_meters(METERED)
    for reading, status in zip(ep.ivp_meters_readings(METERED), meters, strict=True):
        data = EnvoyMeterData.from_api(reading, status)  # type: ignore[arg-type]
        assert EnvoyMeterData.from_phase(reading, status, 2) is not None  # type: ignore[arg-type]
        assert data.eid == status["eid"]
    for inverter in ep.api_v1_production_inverters(METERED):
        assert EnvoyInverter.from_v1_api(inverter).last_report_watts >= 0
    tariff = EnvoyTariff.from_api(ep.admin_lib_tariff("USD", 0.2, 1_750_000_000)["tariff"])
    assert tariff.currency == {"code": "USD"} and tariff.storage_settings is not None
    interface = EnvoyInterfaceInformation.from_api(ep.home(METERED, IDENTITY))
    assert interface is not None and interface.mac == "00:1D:C0:0A:0B:FE"


def test_route_table_and_layouts() -> None:
    for path in ("/ivp/meters", "/ivp/meters/readings", "/ivp/ensemble/inventory"):
        assert ep.ROUTES[path].content_type is None and ep.ROUTES[path].extra_headers() == ()
    chunked = {p for p, shape in ep.ROUTES.items() if shape.chunked}
    assert chunked == {"/production.json", "/production", "/admin/lib/tariff", "/home"}
    assert ep.ROUTES["/production"].extra_headers() == (
        ("Content-Type", "application/json"),
        ("Pragma", "no-cache"),
        ("Expires", "1"),
        ("Cache-Control", "no-cache"),
    )
    assert ep.ROUTES["/api/v1/production"].extra_headers() == (
        ("Content-Type", "application/json"),
    )
    readings = ep.encode(ep.ivp_meters_readings(METERED), "indent4_fixed3").decode()
    assert '"freq": 50.000' in readings and readings.startswith('[\n    {\n        "eid": ')
    assert json.loads(readings) == ep.ivp_meters_readings(METERED)
    assert ep.encode([], "indent4") == b"[]"
    assert ep.encode(ep.api_v1_production(METERED), "indent2_nl").endswith(b"\n}\n")
    assert b" " not in ep.encode(ep.production_json(METERED), "compact")


def test_same_model_same_bytes() -> None:
    again = view(MeteringSpec(phases=3), chargers_w=7360.0)
    for path, build in (
        ("/production.json", lambda v: ep.production_json(v, details=True)),
        ("/ivp/meters/readings", ep.ivp_meters_readings),
        ("/api/v1/production/inverters", ep.api_v1_production_inverters),
    ):
        style = ep.ROUTES[path].style
        assert ep.encode(build(METERED), style) == ep.encode(build(again), style)
