"""Issue 3: chargers as state machines with physics, over the EV routes."""

from __future__ import annotations

import pytest

from emulator.fronts.registry import ROUTE_TABLE

from .conftest import Api

ONE_CHARGER = """
seed: 3
clock: {start: "2026-06-01T12:00:00Z"}
chargers:
  - {id: garage, serial: "202200000001", max_amps: 32, voltage: 230, phases: 1}
"""
SN = "202200000001"
PDM = f"/ivp/pdm/charger/{SN}"


@pytest.fixture
async def gw(make_api) -> Api:  # type: ignore[no-untyped-def]
    api = await make_api(ONE_CHARGER)
    api.installer = await api.token("installer")  # type: ignore[attr-defined]
    return api


async def ev(api: Api, method: str, path: str, body=None):  # type: ignore[no-untyped-def]
    status, answer, _ = await api.call(method, path, json=body, token=api.installer)  # type: ignore[attr-defined]
    return status, answer


async def connector(api: Api) -> dict:
    _, body = await ev(api, "GET", PDM + "/status")
    return body["data"]["chargers"][0]


async def test_sixteen_amps_for_an_hour_is_3_68_kwh(gw: Api) -> None:
    await gw.event(SN, "plug_in", vehicle={"capacity_kwh": 100, "soc": 10})
    status, body = await ev(
        gw, "POST", PDM + "/start_charging", {"chargingLevel": 16, "connectorId": 1}
    )
    assert (status, body) == (200, {"status": "accepted", "chargingLevel": 16})
    before = (await ev(gw, "GET", PDM + "/summary"))[1]["data"]["lifeTimeConsumption"]
    status_now = await connector(gw)
    assert status_now["charging"] is True
    assert status_now["connectors"][0]["connectorStatusType"] == "CHARGING"
    _, power = await ev(gw, "GET", f"/ivp/peb/ev_charger/{SN}/power")
    assert power["power_w"] == 16 * 230
    await gw.advance(3600)
    session = (await connector(gw))["session_d"]
    assert session["e_c"] == pytest.approx(3680, rel=0.005)
    after = (await ev(gw, "GET", PDM + "/summary"))[1]["data"]["lifeTimeConsumption"]
    assert after - before == pytest.approx(session["e_c"], abs=0.01)
    assert session["miles"] == pytest.approx(3.68 * 3.5, rel=0.005)


async def test_car_with_10_kwh_free_at_7_4_kw_is_full_at_the_implied_minute(gw: Api) -> None:
    await gw.event(SN, "plug_in", vehicle={"capacity_kwh": 50, "soc": 80, "max_kw": 7.4})
    await ev(gw, "POST", PDM + "/start_charging", {"chargingLevel": 32})
    # 32 A x 230 V = 7.36 kW (under the car's 7.4 kW): 10 kWh take 81.5 minutes.
    await gw.advance(81 * 60)
    assert (await connector(gw))["connectors"][0]["connectorStatusType"] == "CHARGING"
    await gw.advance(60)
    status = await connector(gw)
    assert status["connectors"][0]["connectorStatusType"] == "SUSPENDED_EV"
    assert status["session_d"]["e_c"] == pytest.approx(10_000, abs=0.01)
    state = await gw.state(SN)
    full = [h for h in state["history"] if h["to"] == "SUSPENDED_EV"]
    assert full[0]["at"] == "2026-06-01T13:21:31Z"  # 12:00 + 10000/7360 h = 81 min 31 s
    assert state["vehicle"]["soc"] == 100


async def test_car_limit_caps_power(gw: Api) -> None:
    await gw.event(SN, "plug_in", vehicle={"max_kw": 3.6})
    await ev(gw, "POST", PDM + "/start_charging", {"chargingLevel": 32})
    _, power = await ev(gw, "GET", f"/ivp/peb/ev_charger/{SN}/power")
    assert power["power_w"] == 3600


NIGHTLY = """
seed: 3
clock: {start: "2026-06-01T12:00:00Z"}
chargers:
  - id: garage
    serial: "202200000001"
    mode: SCHEDULED_CHARGING
    schedule: [{startTime: "23:00", endTime: "06:00", chargingLevel: 8}]
    plugged_in: {capacity_kwh: 500, soc: 0, max_kw: 11}
"""


async def thirty_nights(api: Api, steps: int) -> dict:
    for _ in range(steps):
        await api.advance(30 * 86400 / steps)
    return await api.state(SN)


async def test_nightly_slot_for_thirty_days_starts_and_stops_thirty_times(make_api) -> None:  # type: ignore[no-untyped-def]
    one = await thirty_nights(await make_api(NIGHTLY), 1)
    starts = [h for h in one["history"] if h["to"] == "CHARGING"]
    stops = [h for h in one["history"] if h["from"] == "CHARGING"]
    assert len(starts) == 30 and len(stops) == 30
    assert all(h["at"].endswith("T23:00:00Z") for h in starts)
    assert all(h["at"].endswith("T06:00:00Z") and h["to"] == "SUSPENDED_EVSE" for h in stops)
    assert one["session_wh"] == pytest.approx(30 * 7 * 8 * 230, rel=1e-9)
    many = await thirty_nights(await make_api(NIGHTLY), 3600)
    assert many == one


async def test_green_mode_follows_the_sun(make_api) -> None:  # type: ignore[no-untyped-def]
    api = await make_api("""
clock: {start: "2026-06-01T04:00:00Z"}
solar: {peak_kw: 6, sunrise: "06:00", sunset: "20:00", house_load_kw: 0.5}
chargers:
  - {id: g, serial: "202200000001", mode: GREEN_CHARGING, plugged_in: {capacity_kwh: 200, soc: 0}}
""")
    state = await api.state(SN)
    assert state["state"] == "SUSPENDED_EVSE" and "solar" in state["reason"]
    await api.advance(9 * 3600)  # 13:00, near the peak
    state = await api.state(SN)
    assert state["state"] == "CHARGING"
    assert 6 * 230 <= state["power_w"] <= 6000 - 500
    await api.advance(9 * 3600)  # 22:00, dark
    state = await api.state(SN)
    assert state["state"] == "SUSPENDED_EVSE"
    assert 0 < state["session_wh"] < 14 * 5500


async def test_two_chargers_share_a_breaker(make_api) -> None:  # type: ignore[no-untyped-def]
    api = await make_api("""
site: {breakers: [{name: main, limit_amps: 40}]}
chargers:
  - {id: a, serial: "202200000001", breaker: main, plugged_in: {}, charging: true}
  - {id: b, serial: "202200000002", breaker: main, plugged_in: {}}
""")
    assert (await api.state("202200000001"))["offered_amps"] == 32
    await api.event("b", "start_charging")
    a, b = await api.state("202200000001"), await api.state("202200000002")
    assert a["offered_amps"] + b["offered_amps"] <= 40
    assert a["offered_amps"] == b["offered_amps"] == 20
    assert a["limited_by_site"] is True
    await api.event("a", "car_full")  # a car that takes nothing frees its share
    a, b = await api.state("202200000001"), await api.state("202200000002")
    assert (a["state"], b["offered_amps"], b["power_w"]) == ("SUSPENDED_EV", 32, 7360)
    await api.event("a", "car_resumes")
    assert (await api.state("202200000002"))["offered_amps"] == 20


async def test_stop_then_unplug_keeps_the_last_session(gw: Api) -> None:
    await gw.event(SN, "plug_in")
    await ev(gw, "POST", PDM + "/start_charging", {})
    await gw.advance(600)
    assert (await ev(gw, "POST", PDM + "/stop_charging"))[1] == {"status": "accepted"}
    assert (await connector(gw))["connectors"][0]["connectorStatusType"] == "FINISHING"
    await gw.event(SN, "unplug")
    status = await connector(gw)
    assert status["pluggedIn"] is False
    assert status["connectors"][0]["connectorStatusType"] == "AVAILABLE"
    assert status["session_d"]["e_c"] == pytest.approx(32 * 230 / 6, abs=0.01)
    assert status["session_d"]["plg_out_at"].endswith("Z[UTC]")
    _, sessions = await ev(gw, "GET", f"/ivp/peb/ev_charger/{SN}/sessions")
    assert len(sessions["sessions"]) == 1


@pytest.mark.parametrize(
    ("setup", "body", "status", "message"),
    [
        ([], {"chargingLevel": 16}, 409, "not plugged"),
        (["plug_in"], {"chargingLevel": 40}, 400, "Charging level should be in the range [6-32]"),
        (["plug_in"], {"chargingLevel": 2}, 400, "Charging level should be in the range [6-32]"),
        (["plug_in"], {"chargingLevel": "16"}, 400, "whole number"),
        (
            ["plug_in"],
            {"chargingLevel": 16, "connectorId": 0},
            400,
            "Connector Id must be greater than 0",
        ),
        (["plug_in"], {"chargingLevel": 16, "connectorId": 2}, 400, "connectorId 2"),
        (["plug_in"], {"chargingLevel": 16, "colour": 1}, 400, "unknown field"),
        (["plug_in", "fault"], {"chargingLevel": 16}, 409, "faulted"),
    ],
)
async def test_start_refusals(gw: Api, setup, body, status, message) -> None:  # type: ignore[no-untyped-def]
    for event in setup:
        await gw.event(SN, event)
    before = await gw.state(SN)
    got, answer = await ev(gw, "POST", PDM + "/start_charging", body)
    assert got == status
    assert message in answer["error"]["message"]
    assert await gw.state(SN) == before  # a refusal changes nothing


async def test_start_twice_at_the_same_level_is_already_charging(gw: Api) -> None:
    await gw.event(SN, "plug_in")
    assert (await ev(gw, "POST", PDM + "/start_charging", {"chargingLevel": 16}))[0] == 200
    status, body = await ev(gw, "POST", PDM + "/start_charging", {"chargingLevel": 16})
    assert status == 400 and "already in charging state" in body["error"]["message"]
    status, body = await ev(gw, "POST", PDM + "/start_charging", {"charging_level": 24})
    assert (status, body["chargingLevel"]) == (200, 24)


async def test_stop_when_not_charging_is_409(gw: Api) -> None:
    status, body = await ev(gw, "POST", PDM + "/stop_charging")
    assert status == 409 and "not charging" in body["error"]["message"]


async def test_malformed_json_is_400(gw: Api) -> None:
    status, body, _ = await gw.call(
        "POST", PDM + "/start_charging", data=b"{oops", token=gw.installer
    )  # type: ignore[attr-defined]
    assert status == 400 and "not valid JSON" in body["error"]["message"]


async def test_trigger_message_emits_ocpp_with_model_numbers(gw: Api) -> None:
    await gw.event(SN, "plug_in")
    await ev(gw, "POST", PDM + "/start_charging", {"chargingLevel": 10})
    await gw.advance(1800)
    status, body = await ev(
        gw, "POST", PDM + "/trigger_message", {"requestedMessage": "MeterValues"}
    )
    assert status == 200 and body["status"] == "accepted" and body["message"] == "MeterValues"
    samples = {s["measurand"]: s for s in body["details"]["meterValue"][0]["sampledValue"]}
    assert float(samples["Power.Active.Import"]["value"]) == 2300
    assert float(samples["Current.Import"]["value"]) == 10
    assert float(samples["Energy.Active.Import.Register"]["value"]) == pytest.approx(1150)
    _, log = await gw.get(f"/__emulator/ocpp?serial={SN}&action=MeterValues")
    assert log["messages"][-1]["payload"] == body["details"]
    _, log = await gw.get(f"/__emulator/ocpp?serial={SN}&action=StatusNotification")
    assert [m["payload"]["status"] for m in log["messages"]] == ["Preparing", "Charging"]
    for name in (
        "Heartbeat",
        "StatusNotification",
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
    ):
        assert (await ev(gw, "POST", PDM + "/trigger_message", {"requestedMessage": name}))[
            0
        ] == 200
    status, body = await ev(
        gw, "POST", PDM + "/trigger_message", {"requestedMessage": "TransactionEvent"}
    )
    assert status == 400 and body["error"]["field"] == "requestedMessage"


async def test_schedule_get_put_and_invalid_slot(gw: Api) -> None:
    path = f"/ivp/peb/charger/{SN}/schedule"
    _, body = await ev(gw, "GET", path)
    assert body["data"]["modes"]["manualCharging"]["enabled"] is True
    slot = {"startTime": "23:00", "endTime": "06:00", "days": [1, 2, 3], "chargingLevel": 16}
    status, body = await ev(
        gw, "PUT", path, {"chargingMode": "SCHEDULED_CHARGING", "schedules": [slot]}
    )
    assert status == 200
    assert body["data"]["modes"]["scheduledCharging"]["enabled"] is True
    assert body["data"]["schedules"][0]["days"] == [1, 2, 3]
    for bad, field in (
        ({**slot, "startTime": "25:00"}, "startTime"),
        ({**slot, "days": [0]}, "days"),
        ({**slot, "chargingLevel": 99}, "chargingLevel"),
    ):
        status, answer = await ev(gw, "PUT", path, {"schedules": [bad]})
        assert status == 400 and field in answer["error"]["message"], answer
    status, answer = await ev(gw, "PUT", path, {"chargingMode": "TURBO"})
    assert status == 400 and "TURBO" in answer["error"]["message"]
    _, body = await ev(gw, "GET", path)
    assert body["data"]["chargingMode"] == "SCHEDULED_CHARGING"  # refusals changed nothing


async def test_faults_connectivity_and_car_events(gw: Api) -> None:
    await gw.event(SN, "plug_in")
    await ev(gw, "POST", PDM + "/start_charging", {})
    await gw.event(SN, "car_full")
    assert (await connector(gw))["connectors"][0]["connectorStatusType"] == "SUSPENDED_EV"
    await gw.event(SN, "car_resumes")
    assert (await connector(gw))["charging"] is True
    await gw.event(SN, "fault", code="GroundFailure")
    status = await connector(gw)
    assert status["faulted"] is True
    assert status["connectors"][0]["connectorStatusReason"] == "GroundFailure"
    status_code, body = await gw.post(f"/__emulator/chargers/{SN}/events", {"event": "fault"})
    assert status_code == 409 and "already faulted" in body["error"]["message"]
    await gw.event(SN, "clear_fault")
    assert (await connector(gw))["connectors"][0]["connectorStatusType"] == "PREPARING"
    await gw.event(SN, "disconnect")
    assert (await connector(gw))["connected"] is False
    await gw.event(SN, "reconnect")
    assert (await connector(gw))["connected"] is True


async def test_unknown_serial_is_404_json(gw: Api) -> None:
    status, body = await ev(gw, "GET", "/ivp/pdm/charger/999/status")
    assert status == 404 and "999" in body["error"]["message"]


async def test_unknown_event_is_400(gw: Api) -> None:
    status, body = await gw.post(f"/__emulator/chargers/{SN}/events", {"event": "explode"})
    assert status == 400 and "plug_in" in body["error"]["message"]


async def test_every_timestamp_comes_from_the_clock(gw: Api) -> None:
    _, body = await ev(gw, "GET", PDM + "/status")
    assert body["meta"]["serverTimeStamp"] == 1780315200000  # 2026-06-01T12:00:00Z


@pytest.mark.parametrize("spec", [s for s in ROUTE_TABLE if s.is_ev], ids=lambda s: s.name)
async def test_every_ev_route_follows_the_policy(gw: Api, spec) -> None:  # type: ignore[no-untyped-def]
    path = spec.path.replace("{sn}", SN)
    owner = await gw.token("owner")
    status, _, _ = await gw.call(spec.method, path, token=owner, json={})
    assert status == 401
    status, _, _ = await gw.call(spec.method, path, token=gw.installer, json={})  # type: ignore[attr-defined]
    assert status != 401 and status < 500
