"""The clock (manual, realtime, scaled) and the admin API around it."""

from __future__ import annotations

import pytest

from emulator.model.clock import Clock, ClockError, parse_duration

from .conftest import Api


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_clock_modes_run_at_their_rate() -> None:
    ticks = FakeMonotonic()
    manual = Clock(1000.0, "manual", monotonic=ticks)
    realtime = Clock(1000.0, "realtime", monotonic=ticks)
    scaled = Clock(1000.0, "scaled", rate=60, monotonic=ticks)
    ticks.now += 10
    assert (manual.now(), realtime.now(), scaled.now()) == (1000.0, 1010.0, 1600.0)
    scaled.advance(5)
    assert scaled.now() == 1605.0
    with pytest.raises(ClockError, match="backwards"):
        manual.advance(-1)
    with pytest.raises(ClockError, match="rate"):
        Clock(0, "scaled")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), (90, 90), ("90s", 90), ("40m", 2400), ("2h30m", 9000), ("30d", 2_592_000)],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "soon", "5x", "-3", True])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ClockError):
        parse_duration(bad)  # type: ignore[arg-type]


PINNED = """
seed: 7
clock: {start: "2026-06-01T12:00:00Z"}
chargers: [{id: garage, max_amps: 32, voltage: 230, phases: 1}]
"""
"""The default scenario with its start pinned: these tests read fixed dates (the default
manual clock starts at the wall time's minute)."""


async def test_a_served_manual_clock_starts_at_the_wall_times_minute(api: Api) -> None:
    import time

    start = api.emulator.world.started_at
    assert start % 60 == 0 and time.time() - 120 < start <= time.time()
    status, _ = await api.post("/__emulator/reset")
    assert status == 200 and api.emulator.world.started_at == start  # reset: the same start


async def test_clock_advance_and_set_over_https(make_api) -> None:  # type: ignore[no-untyped-def]
    api = await make_api(PINNED)
    status, body = await api.post("/__emulator/clock/advance", {"duration": "2h30m"})
    assert status == 200 and body["clock"]["now"] == "2026-06-01T14:30:00Z"
    status, body = await api.post("/__emulator/clock/set", {"time": "2026-06-02T06:00:00Z"})
    assert status == 200 and body["clock"]["now"] == "2026-06-02T06:00:00Z"
    status, body = await api.post("/__emulator/clock/set", {"time": "2026-06-01T00:00:00Z"})
    assert status == 400 and "cannot set the clock back" in body["error"]["message"]
    for bad in ({"seconds": -5}, {"seconds": "x"}, {"duration": "soon"}, {"time": "noon"}, {}):
        path = "/__emulator/clock/set" if "time" in bad else "/__emulator/clock/advance"
        status, body = await api.post(path, bad)
        assert status == 400, (bad, body)
    _, body = await api.get("/__emulator/clock")
    assert body["clock"] == {"mode": "manual", "rate": 0.0, "now": "2026-06-02T06:00:00Z"}


async def test_reset_restores_the_start(make_api) -> None:  # type: ignore[no-untyped-def]
    api = await make_api(PINNED)
    serial = api.serial
    start = await api.state(serial)
    await api.event(serial, "plug_in")
    await api.event(serial, "start_charging")
    await api.advance(3600)
    assert (await api.state(serial))["state"] == "CHARGING"
    status, body = await api.post("/__emulator/reset")
    assert status == 200 and body["clock"]["now"] == "2026-06-01T12:00:00Z"
    assert await api.state(serial) == start


async def test_site_wide_routes_list_every_charger(make_api) -> None:  # type: ignore[no-untyped-def]
    api = await make_api("chargers: [{id: a, plugged_in: true}, {id: b}]\n")
    token = await api.token()
    serials = list(api.emulator.world.chargers)
    _, body = await api.get("/ivp/pdm/connectors", token=token)
    assert [c["sn"] for c in body["connectors"]] == serials
    assert [c["pluggedIn"] for c in body["connectors"]] == [True, False]
    _, body = await api.get("/ivp/pdm/devices", token=token)
    assert {d["type"] for d in body["devices"]} == {"EVSE"}
    _, body = await api.get("/ivp/peb/ev_chargers", token=token)
    assert [c["state"] for c in body["ev_chargers"]] == ["PREPARING", "AVAILABLE"]
    _, body = await api.get("/ivp/pdm/chargers", token=token)
    assert body["meta"]["rowCount"] == 2


async def test_metrics_and_live_stream(api: Api) -> None:
    token = await api.token()
    serial = api.serial
    await api.event(serial, "plug_in", vehicle={"capacity_kwh": 40, "soc": 50})
    await api.event(serial, "start_charging", chargingLevel=10)
    await api.advance(3600)
    _, metrics = await api.get(f"/ivp/peb/ev_charger/{serial}/metrics", token=token)
    assert metrics["session_wh"] == 2300
    assert metrics["soc"] == pytest.approx(50 + 2.3 / 40 * 100)
    assert metrics["session_duration_s"] == 3600
    _, sessions = await api.get(f"/ivp/peb/ev_charger/{serial}/sessions", token=token)
    assert sessions["sessions"][0]["miles"] == pytest.approx(2.3 * 3.5)
    status, body = await api.post(f"/ivp/peb/ev_charger/{serial}/start_live_stream", token=token)
    assert status == 200 and body["duration_s"] == 900
    status, body = await api.post(f"/ivp/peb/ev_charger/{serial}/stop_live_stream", token=token)
    assert status == 200 and body["status"] == "accepted"


async def test_gateway_events_refuse_bad_input(api: Api) -> None:
    for body, fragment in (
        ({"event": "explode"}, "reboot"),
        ({"event": "set_ev_min_role", "role": "king"}, "unknown role"),
        ({"event": "reboot", "now": True}, "unknown field"),
        ({}, "'event' is required"),
    ):
        status, answer = await api.post("/__emulator/gateway/events", body)
        assert status == 400 and fragment in answer["error"]["message"], answer
    status, answer = await api.post(
        "/__emulator/gateway/events", {"event": "set_firmware", "firmware": "D8.2.4"}
    )
    assert status == 200
    _, xml, _ = await api.call("GET", "/info")
    assert b"<software>D8.2.4</software>" in xml


async def test_active_scenario_is_returned_as_written(certs_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from emulator.fronts.server import start_server
    from emulator.runtime import Emulator, Settings

    text = "# my gateway, with a comment\nchargers: [{id: garage}]\n"
    (tmp_path / "s.yaml").write_text(text)
    emulator = Emulator(Settings(certs_dir=certs_dir, scenario=tmp_path / "s.yaml", port=0))
    server = await start_server(emulator, port=0)
    try:
        import aiohttp

        connector = aiohttp.TCPConnector(ssl=emulator.certs.client_context())
        async with aiohttp.ClientSession(connector=connector) as session:
            url = f"https://localhost:{server.port}/__emulator/scenario"
            async with session.get(url) as response:
                assert response.status == 200
                assert await response.text() == text
    finally:
        await server.stop()
