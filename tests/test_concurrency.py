"""Issue 7: 200 concurrent start / stop / set-current requests on one charger.

The server must behave as if the requests ran one at a time, in *some* order. The
request journal gives the order in which the emulator answered them; the check is that
this order explains everything:

- replaying the journal's order on a fresh model, request by request, gives the same
  answer (accepted or refused, and why) for every request and the same final charger;
- the final state follows the last accepted start or stop, the final level the last
  accepted level change;
- energy is the integral of the power held between bursts (the clock moves only
  between them): never negative, never counted twice, session and lifetime agree.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest

from emulator.model.commands import EV_API
from emulator.model.errors import ModelError
from emulator.model.tokens import TokenAuthority
from emulator.model.world import World
from emulator.scenario.build import build_world
from emulator.scenario.load import load_scenario

from .conftest import Api

SERIAL = "202200000001"
SCENARIO = f"""
seed: 11
clock: {{start: "2026-06-01T12:00:00Z"}}
chargers:
  - id: garage
    serial: "{SERIAL}"
    max_amps: 32
    plugged_in: {{capacity_kwh: 500, soc: 0, max_kw: 22}}
"""
PDM = f"/ivp/pdm/charger/{SERIAL}"
EVENTS = f"/__emulator/chargers/{SERIAL}/events"
STATUS_OF = {"invalid": 400, "not_found": 404, "conflict": 409}
BURSTS = (600.0, 1800.0, 45.0, 3600.0)
PER_BURST = 200


def make_ops(rng: random.Random, start: int) -> list[dict[str, Any]]:
    """A mix of HTTP starts (various levels, some invalid), stops and admin set_current."""
    ops = []
    for i in range(start, start + PER_BURST):
        kind = rng.choices(("start", "stop", "set_current"), weights=(4, 3, 3))[0]
        if kind == "start":
            level = rng.choice([None, 6, 8, 10, 16, 20, 24, 32, 32, 5, 33, "16"])
            body: dict[str, Any] = {} if level is None else {"chargingLevel": level}
            if rng.random() < 0.2:
                body["connectorId"] = rng.choice([1, 1, 2])
            ops.append({"id": i, "kind": kind, "path": PDM + "/start_charging", "body": body})
        elif kind == "stop":
            ops.append({"id": i, "kind": kind, "path": PDM + "/stop_charging", "body": {}})
        else:
            amps = rng.choice([6, 10, 13, 16, 25, 32, 0, 64])
            body = {"event": "set_current", "amps": amps}
            ops.append({"id": i, "kind": kind, "path": EVENTS, "body": body})
    for op in ops:
        op["slow"] = rng.choice([0, 0, 0, 0.002, 0.01, 0.03])
    return ops


IN_FLIGHT = {"now": 0, "max": 0}


async def send(api: Api, token: str, op: dict[str, Any]) -> None:
    """POST the op; a slow one trickles its body in (chunked), so the server's handler waits
    for it mid-request while other requests go ahead of it."""
    headers = {"Content-Type": "application/json"}
    if op["kind"] != "set_current":
        headers["Authorization"] = f"Bearer {token}"
    raw = json.dumps(op["body"]).encode()

    async def trickle():  # type: ignore[no-untyped-def]
        yield raw[:1]
        await asyncio.sleep(op["slow"])
        yield raw[1:]

    IN_FLIGHT["now"] += 1
    IN_FLIGHT["max"] = max(IN_FLIGHT["max"], IN_FLIGHT["now"])
    try:
        async with api.session.post(
            f"{api.base}{op['path']}?op={op['id']}",
            data=trickle() if op["slow"] else raw,
            headers=headers,
        ) as response:
            op["status"] = response.status
            op["answer"] = await response.json()
    finally:
        IN_FLIGHT["now"] -= 1


def replay(world: World, op: dict[str, Any]) -> int:
    """What the model answers to this request when it runs alone."""
    try:
        if op["kind"] == "set_current":
            params = {k: v for k, v in op["body"].items() if k != "event"}
            world.execute("set_current", params, SERIAL, dialect=EV_API)
        else:
            world.execute(f"{op['kind']}_charging", op["body"], SERIAL, dialect=EV_API)
    except ModelError as exc:
        return STATUS_OF[exc.kind]
    return 200


async def charger_state(api: Api) -> dict[str, Any]:
    return await api.state(SERIAL)


def reference_state(world: World) -> dict[str, Any]:
    return json.loads(json.dumps(world.charger_view(SERIAL, history=True).as_dict()))


@pytest.mark.parametrize("seed", [1, 2])
async def test_concurrent_controls_are_serialisable(make_api, seed: int) -> None:  # type: ignore[no-untyped-def]
    api = await make_api(SCENARIO)
    token = await api.token("installer")
    await api.session.close()  # reopen with a big pool: many requests in flight at once
    import aiohttp

    api.session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=api.emulator.certs.client_context(), limit=64)
    )
    reference = build_world(load_scenario(SCENARIO), TokenAuthority.ephemeral())
    assert reference_state(reference) == await charger_state(api)
    rng = random.Random(seed)
    expected_wh = 0.0
    last_seq = api.emulator.journal.last_seq
    reordered = False
    IN_FLIGHT.update(now=0, max=0)
    try:
        for burst, seconds in enumerate(BURSTS):
            before = await charger_state(api)
            ops = make_ops(rng, burst * PER_BURST)
            await asyncio.gather(*(send(api, token, op) for op in ops))

            # every request answered, none with a 5xx, only the refusals the model makes
            statuses = [op["status"] for op in ops]
            assert set(statuses) <= {200, 400, 409}, sorted(set(statuses))
            assert statuses.count(200) > 0

            # the journal has each request once, with the status its client saw
            status, listing = await api.get(f"/__emulator/requests?since={last_seq}&method=POST")
            assert status == 200
            entries = [e for e in listing["requests"] if "op" in e["query"]]
            by_id = {op["id"]: op for op in ops}
            assert sorted(int(e["query"]["op"]) for e in entries) == sorted(by_id)
            for entry in entries:
                assert entry["status"] == by_id[int(entry["query"]["op"])]["status"]
            last_seq = listing["last_seq"]
            ordered = [
                by_id[int(e["query"]["op"])] for e in sorted(entries, key=lambda e: e["seq"])
            ]
            reordered = reordered or [op["id"] for op in ordered] != sorted(by_id)

            # the journal's order, replayed alone, explains every answer and the end state
            for op in ordered:
                assert replay(reference, op) == op["status"], (op, op["answer"])
            after = await charger_state(api)
            assert after == reference_state(reference)

            # the serial-order property, stated directly
            accepted = [op for op in ordered if op["status"] == 200]
            switches = [op for op in accepted if op["kind"] in ("start", "stop")]
            levels = [
                op["body"]["chargingLevel"] if op["kind"] == "start" else op["body"]["amps"]
                for op in accepted
                if op["kind"] == "set_current" or "chargingLevel" in op["body"]
            ]
            if switches:
                last = switches[-1]["kind"]
                assert after["user_request"] is (last == "start")
                assert after["user_stopped"] is (last == "stop")
                assert (after["state"] == "CHARGING") is (last == "start"), after["state"]
            else:
                assert after["state"] == before["state"]
            assert after["charging_level"] == (levels[-1] if levels else before["charging_level"])
            if after["state"] == "CHARGING":
                assert after["power_w"] == after["charging_level"] * 230
            else:
                assert after["power_w"] == 0

            # energy: the power held until the clock moves is what gets delivered
            assert after["session_wh"] == pytest.approx(expected_wh, abs=1e-3)
            await api.advance(seconds)
            reference.advance(seconds)
            expected_wh += after["power_w"] * seconds / 3600
            moved = await charger_state(api)
            assert moved == reference_state(reference)
            assert moved["session_wh"] == pytest.approx(expected_wh, abs=1e-3)
            assert moved["session_wh"] >= after["session_wh"] >= 0
            delivered = moved["lifetime_wh"] - after["lifetime_wh"]
            assert delivered == pytest.approx(moved["session_wh"] - after["session_wh"], abs=1e-3)
    finally:
        await api.session.close()
    assert expected_wh > 0
    assert IN_FLIGHT["max"] >= 32, IN_FLIGHT
    assert reordered, "the server answered in sending order: nothing overlapped"
