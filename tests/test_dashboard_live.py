"""The dashboard's live stream over real HTTPS: pushed by the change feed, coalesced,
bounded, re-subscribed when the world is replaced, and ended by shutdown."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from emulator.fronts.dashboard import live
from emulator.fronts.middleware.admin_gate import ADMIN_HEADER
from emulator.fronts.server import RunningServer, start_server
from emulator.runtime import Emulator, Settings
from tests.conftest import Api

STREAM = {"Accept": "text/event-stream"}


class Events:
    """Reads one SSE response event by event."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, timeout: float = 10) -> tuple[str, Any]:
        name, data = "", ""
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.response.content.readline()
                if not raw:
                    raise EOFError("the stream ended")
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
                elif not line and data:
                    return name, json.loads(data)

    async def state(self) -> dict[str, Any]:
        while True:
            name, data = await self.next()
            if name == "state":
                return data  # type: ignore[no-any-return]


@pytest.fixture
async def stream(api: Api) -> AsyncIterator[Events]:
    async with api.session.get(api.base + "/__emulator/live", headers=STREAM) as response:
        assert response.status == 200
        assert response.content_type == "text/event-stream"
        yield Events(response)


async def test_the_first_snapshot_comes_at_once_and_changes_are_pushed(
    api: Api, stream: Events
) -> None:
    hello = await stream.state()
    assert "hello" in hello["kinds"] and hello["state"]["chargers"][0]["state"] == "AVAILABLE"
    await api.event("garage", "plug_in")
    pushed = await stream.state()
    assert pushed["state"]["chargers"][0]["state"] == "PREPARING"
    assert "transition" in pushed["kinds"]


async def test_a_burst_of_changes_is_one_snapshot(api: Api, stream: Events) -> None:
    await stream.state()
    control = api.emulator.control
    control.charger_event("garage", "plug_in")
    control.charger_event("garage", "start_charging", {"chargingLevel": 16})
    for _ in range(30):  # one event-loop tick: nothing is sent in between
        control.advance(60)
    snapshot = await stream.state()
    assert snapshot["state"]["chargers"][0]["session_wh"] == pytest.approx(3680 / 2)
    assert {"transition", "clock", "power"} <= set(snapshot["kinds"])
    assert [p["power_w"] for p in snapshot["power"]] == [3680.0]  # the chart's step
    await api.event("garage", "stop_charging")
    after = await stream.state()  # the next one is the next change, not a backlog
    assert after["state"]["chargers"][0]["state"] != "CHARGING"


async def test_the_stream_follows_a_reset_to_the_new_world(api: Api, stream: Events) -> None:
    await stream.state()
    assert (await api.post("/__emulator/reset"))[0] == 200
    swapped = await stream.state()
    assert "world" in swapped["kinds"]
    await api.event("garage", "plug_in")  # a change in the *new* world
    assert (await stream.state())["state"]["chargers"][0]["state"] == "PREPARING"


async def test_journal_lines_carry_the_401_reason(api: Api, stream: Events) -> None:
    owner = await api.token("owner")
    status, _ = await api.get("/ivp/pdm/chargers", token=owner)
    assert status == 401
    while True:
        name, data = await stream.next()
        refused = [e for e in data.get("entries", []) if e["status"] == 401]
        if name == "journal" and refused:
            break
    assert refused[0]["target"] == "/ivp/pdm/chargers" and refused[0]["reason"] == "role_too_low"


async def test_a_slow_browser_costs_a_bounded_backlog(api: Api) -> None:
    stream = live.Stream(api.emulator)
    try:
        for _ in range(live.JOURNAL_BACKLOG * 3):
            await api.get("/__emulator/clock")
        assert len(stream.journal) == live.JOURNAL_BACKLOG
        assert stream.dropped == live.JOURNAL_BACKLOG * 2
        for _ in range(10):
            api.emulator.control.advance(1)
        events = stream.take()
        assert [name for name, _ in events] == ["journal", "state"]  # one snapshot, not ten
        assert stream.take() == []
    finally:
        stream.close()


async def test_the_stream_needs_its_accept_header(api: Api) -> None:
    status, body = await api.get("/__emulator/live")
    assert status == 406 and "text/event-stream" in body["error"]["message"]


async def test_streams_are_bounded(api: Api) -> None:
    opened = [live.Stream(api.emulator) for _ in range(live.MAX_STREAMS)]
    try:
        status, body, _ = await api.call("GET", "/__emulator/live", headers=STREAM)
        assert status == 429 and str(live.MAX_STREAMS) in body["error"]["message"]
    finally:
        for stream in opened:
            stream.close()
    assert live.open_streams(api.emulator) == 0


async def test_the_gate_and_a_clean_shutdown(certs_dir: Path) -> None:
    emulator = Emulator(
        Settings(certs_dir=certs_dir, port=0, clock="manual", log_requests=False, admin_token="k")
    )
    server: RunningServer = await start_server(emulator, host="127.0.0.1", port=0)
    url = f"https://localhost:{server.port}/__emulator/live"
    connector = aiohttp.TCPConnector(ssl=emulator.certs.client_context())
    async with aiohttp.ClientSession(connector=connector) as http:
        async with http.get(url, headers=STREAM) as response:
            assert response.status == 401
        async with http.get(url, headers={**STREAM, ADMIN_HEADER: "k"}) as response:
            events = Events(response)
            await events.state()
            assert live.open_streams(emulator) == 1
            started = time.monotonic()
            await server.stop()  # would wait 60 s for a handler that never ends
            assert time.monotonic() - started < 5
            with pytest.raises((EOFError, aiohttp.ClientError)):
                await events.next(timeout=5)
    assert live.open_streams(emulator) == 0
