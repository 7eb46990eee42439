"""The status body cache is never stale: after every kind of change and every clock move,
what the server answers is byte for byte a fresh build from the model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from emulator.fronts.bodies import json_body
from emulator.fronts.gateway import payloads, status_cache
from emulator.testing import Gateway

SN = "202200000001"
SCENARIO = f"""
seed: 11
clock: {{start: "2026-06-01T12:00:00Z"}}
chargers:
  - {{id: garage, serial: "{SN}", max_amps: 32}}
  - id: drive
    serial: "202200000002"
    mode: SCHEDULED_CHARGING
    schedule: [{{startTime: "23:00", endTime: "06:00", chargingLevel: 8}}]
    plugged_in: {{capacity_kwh: 500, soc: 0, max_kw: 11}}
"""
PATHS = [f"/ivp/pdm/charger/{SN}/status", f"/ivp/peb/ev_charger/{SN}/status"]
PATHS += ["/ivp/pdm/charger/garage/status", "/ivp/pdm/charger/202200000002/status"]


@pytest.fixture
async def gw(certs_dir: Path) -> AsyncIterator[Gateway]:
    async with Gateway.start(SCENARIO, certs_dir=certs_dir) as gateway:
        yield gateway


def run_time(gw: Gateway, seconds: float) -> None:
    """Model time moves with no change published: what a running (real-time) clock does
    between polls, as opposed to an ``advance``, which is published."""
    world = gw.emulator.world
    world.sync(until=world.model_t + seconds)


def fresh(gw: Gateway, sn: str) -> bytes:
    world = gw.emulator.world
    world.sync()
    return json_body(payloads.status_body(world, world.charger_view(sn)))


async def check_all(gw: Gateway, http: aiohttp.ClientSession, when: str) -> None:
    """Twice each (the second may come from the cache), compared with a fresh build."""
    for path in PATHS:
        sn = path.split("/")[-2]
        for attempt in range(2):
            async with http.get(path) as response:
                assert response.status == 200, await response.text()
                got = await response.read()
            assert got == fresh(gw, sn), f"{when}: {path} (attempt {attempt + 1}) is stale"


async def test_cached_status_is_never_stale(gw: Gateway) -> None:
    http = gw.client(token=gw.token("installer"))

    async def post(path: str, body: object) -> None:
        async with http.post(path, json=body) as response:
            assert response.status == 200, await response.text()

    async def put(path: str, body: object) -> None:
        async with http.put(path, json=body) as response:
            assert response.status == 200, await response.text()

    pdm = f"/ivp/pdm/charger/{SN}"
    steps: list[tuple[str, Callable[[], Awaitable[object] | object]]] = [
        ("idle at start", lambda: None),
        ("idle, clock moved", lambda: gw.advance(7)),
        ("idle, time runs", lambda: run_time(gw, 30)),
        ("plugged in", lambda: gw.plug_in(SN)),
        ("plugged, clock moved", lambda: gw.advance("1m")),
        ("plugged, time runs", lambda: run_time(gw, 30)),
        ("charging", lambda: post(pdm + "/start_charging", {"chargingLevel": 16})),
        ("charging, 1 s later", lambda: gw.advance(1)),
        ("charging, time runs 1 ms", lambda: run_time(gw, 0.001)),
        ("charging, time runs 30 s", lambda: run_time(gw, 30)),
        ("charging, 10 min later", lambda: gw.advance("10m")),
        ("level changed", lambda: post(pdm + "/start_charging", {"chargingLevel": 8})),
        ("stopped", lambda: post(pdm + "/stop_charging", {})),
        ("stopped, clock moved", lambda: gw.advance("5m")),
        (
            "scheduled mode",
            lambda: put(
                f"/ivp/peb/charger/{SN}/schedule",
                {
                    "chargingMode": "SCHEDULED_CHARGING",
                    "schedules": [{"startTime": "13:00", "endTime": "14:00", "chargingLevel": 10}],
                },
            ),
        ),
        ("into the slot", lambda: gw.set_time("2026-06-01T13:00:30Z")),
        ("in the slot, later", lambda: gw.advance("20m")),
        ("in the slot, time runs", lambda: run_time(gw, 90)),
        ("past the slot", lambda: gw.advance("1h")),
        ("scheduled, time runs", lambda: run_time(gw, 600)),
        ("into the other charger's night slot", lambda: gw.set_time("2026-06-01T23:10:00Z")),
        ("car full", lambda: gw.car_full("202200000002")),
        ("fault", lambda: gw.fault(SN)),
        ("fault cleared", lambda: gw.clear_fault(SN)),
        ("unplugged", lambda: gw.unplug(SN)),
        ("reboot", lambda: gw.reboot()),
        ("tokens revoked, new token", lambda: None),
        ("reset", lambda: gw.reset()),
        ("after reset, clock moved", lambda: gw.advance(3)),
    ]
    for when, step in steps:
        done = step()
        if hasattr(done, "__await__"):
            await done
        await check_all(gw, http, when)


async def test_repeat_polls_are_served_from_the_cache(gw: Gateway) -> None:
    """The cache is really used (else the test above could not fail): an idle charger at
    any time, a charging one at any time with its session rebuilt."""
    http = gw.client(token=gw.token("installer"))
    world = gw.emulator.world
    async with http.get(PATHS[0]) as response:
        first = await response.read()
    assert status_cache.lookup(world, "status", SN) == first
    run_time(gw, 5)
    assert status_cache.lookup(world, "status", SN) == fresh(gw, SN)  # idle: still exact
    assert fresh(gw, SN) != first  # (its time stamp moved)
    gw.plug_in(SN)
    assert status_cache.lookup(world, "status", SN) is None  # the feed moved
    async with http.post(PATHS[0].replace("status", "start_charging"), json={}) as response:
        assert response.status == 200
    async with http.get(PATHS[0]) as response:
        charging = await response.read()
    assert status_cache.lookup(world, "status", SN) == charging
    run_time(gw, 1)
    # energy accrues: the session part is rebuilt, the rest comes from the cache
    assert status_cache.lookup(world, "status", SN) == fresh(gw, SN) != charging
    gw.emulator.world.set_current(SN, 8)
    assert status_cache.lookup(world, "status", SN) is None  # the feed moved


async def test_an_overridden_status_is_not_cached(certs_dir: Path) -> None:
    scenario = SCENARIO + "overrides:\n  status: {data: {templated: '{{now.s}}'}}\n"
    async with Gateway.start(scenario, certs_dir=certs_dir) as gw:
        http = gw.client(token=gw.token("installer"))
        async with http.get(PATHS[0]) as response:
            assert response.status == 200
            first = await response.json()
        gw.advance(60)
        async with http.get(PATHS[0]) as response:
            assert (await response.json()) != first
        assert status_cache.lookup(gw.emulator.world, "status", SN) is None


async def test_steady_bodies_follow_the_sun_and_a_filling_car(certs_dir: Path) -> None:
    """GREEN charging follows the sun (its power moves by wake-ups, with no command) and a
    small car fills by itself: polled every ten simulated minutes through a whole day,
    the cached body is always the fresh one."""
    source = Path(__file__).resolve().parents[1] / "scenarios" / "sunny-green-day.yaml"
    text = source.read_text()
    small_car = "commuter: {capacity_kwh: 20, soc: 50, max_kw: 11}"
    text = text.replace("commuter: {capacity_kwh: 77, soc: 30, max_kw: 11}", small_car)
    assert small_car in text
    async with Gateway.start(text, certs_dir=certs_dir) as gw:
        world = gw.emulator.world
        sn = next(iter(world.chargers))
        path = f"/ivp/pdm/charger/{sn}/status"
        states = set()
        for _ in range(24 * 6):
            run_time(gw, 600)
            http = gw.client(token=gw.token("installer"))  # (a token lives for hours)
            for _attempt in range(2):
                async with http.get(path) as response:
                    assert response.status == 200
                    got = await response.read()
                assert got == fresh(gw, sn), f"stale at {world.model_t}"
            states.add(world.charger(sn).state.value)
        assert {"CHARGING", "SUSPENDED_EV", "SUSPENDED_EVSE"} <= states, states
