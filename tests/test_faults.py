"""Issue 4: HTTP-level fault rules from a scenario's faults:, proven over real HTTPS."""

from __future__ import annotations

import logging
import time

import aiohttp
import pytest

from .conftest import Api

SN = "202200000001"
STATUS = f"/ivp/pdm/charger/{SN}/status"
SUMMARY = f"/ivp/pdm/charger/{SN}/summary"
START = f"/ivp/pdm/charger/{SN}/start_charging"
SCHEDULE = f"/ivp/peb/charger/{SN}/schedule"

BASE = f"""
seed: 4
clock: {{start: "2026-06-01T12:00:00Z"}}
chargers:
  - {{id: garage, serial: "{SN}", plugged_in: true}}
"""


async def gateway(make_api, faults: str, seed: int = 4) -> tuple[Api, str]:  # type: ignore[no-untyped-def]
    api = await make_api(BASE.replace("seed: 4", f"seed: {seed}") + "faults:\n" + faults)
    return api, await api.token("installer")


async def test_a_three_times_503_rule_is_seen_exactly_three_times(make_api) -> None:  # type: ignore[no-untyped-def]
    api, token = await gateway(
        make_api,
        """
  - name: warming-up
    method: GET
    path: /ivp/pdm/charger/*/status
    status: 503
    body: {error: "503 - Service Unavailable"}
    times: 3
""",
    )
    answers = [await api.get(STATUS, token=token) for _ in range(5)]
    assert [status for status, _ in answers] == [503, 503, 503, 200, 200]
    assert answers[0][1] == {"error": "503 - Service Unavailable"}
    assert answers[3][1]["data"]["chargers"][0]["sn"] == SN
    # Other routes and methods are untouched.
    assert (await api.get(SUMMARY, token=token))[0] == 200
    # Reset restores the scenario's start: the counter too.
    assert (await api.post("/__emulator/reset"))[0] == 200
    token = await api.token("installer")
    assert [(await api.get(STATUS, token=token))[0] for _ in range(4)] == [503, 503, 503, 200]
    _, timeline = await api.get("/__emulator/scenario/timeline")
    assert timeline["faults"] == [
        {"name": "warming-up", "path": "/ivp/pdm/charger/*/status", "fired": 3, "matched": 3}
    ]


async def test_a_delay_rule_delays_the_real_answer(make_api) -> None:  # type: ignore[no-untyped-def]
    api, token = await gateway(make_api, "  - {path: /ivp/pdm/charger/*/summary, delay: 200ms}\n")
    started = time.perf_counter()
    status, body = await api.get(SUMMARY, token=token)
    slow = time.perf_counter() - started
    assert status == 200 and body["data"]["serialNumber"] == SN  # the gateway's own answer
    assert slow >= 0.2
    started = time.perf_counter()
    assert (await api.get(STATUS, token=token))[0] == 200
    assert time.perf_counter() - started < 0.2  # only the matching route is slow


async def test_a_delay_can_precede_an_injected_error(make_api) -> None:  # type: ignore[no-untyped-def]
    api, token = await gateway(
        make_api, "  - {path: /ivp/pdm/charger/*/status, delay: 0.2, status: 504}\n"
    )
    started = time.perf_counter()
    status, body = await api.get(STATUS, token=token)
    assert time.perf_counter() - started >= 0.2
    assert status == 504
    assert body["error"]["code"] == 504
    assert "faults[0]" in body["error"]["message"]


async def test_a_429_rule_carries_retry_after(make_api) -> None:  # type: ignore[no-untyped-def]
    api, token = await gateway(
        make_api, "  - {method: POST, path: /ivp/pdm/*/start_charging, retry_after: 30, times: 1}\n"
    )
    status, body, response = await api.call("POST", START, token=token, json={})
    assert status == 429
    assert response.headers["Retry-After"] == "30"
    assert body["error"]["code"] == 429
    status, body, _ = await api.call("POST", START, token=token, json={"chargingLevel": 16})
    assert (status, body) == (200, {"status": "accepted", "chargingLevel": 16})


async def test_a_reset_rule_makes_the_client_see_a_connection_error(
    make_api,  # type: ignore[no-untyped-def]
    caplog: pytest.LogCaptureFixture,
) -> None:
    api, token = await gateway(make_api, "  - {path: /ivp/peb/charger/*/schedule, reset: true}\n")
    caplog.set_level(logging.INFO)
    # (aiohttp retries an idempotent request once when a kept-alive connection drops;
    # the rule resets the retry too.)
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.get(SCHEDULE, token=token)
    # The server carries on: other requests (on a new connection) are answered normally.
    status, body = await api.get(STATUS, token=token)
    assert status == 200 and body["data"]["chargers"][0]["sn"] == SN
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.get(SCHEDULE, token=token)
    noisy = [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR or " 500 " in r.getMessage() or r.exc_info
    ]
    assert noisy == [], [r.getMessage() for r in noisy]
    _, timeline = await api.get("/__emulator/scenario/timeline")
    assert timeline["faults"][0]["fired"] >= 2


async def probability_run(api: Api, token: str, n: int = 30) -> list[int]:
    return [(await api.get(STATUS, token=token))[0] for _ in range(n)]


async def test_a_probability_rule_gives_the_same_sequence_for_the_same_seed(make_api) -> None:  # type: ignore[no-untyped-def]
    rule = "  - {path: /ivp/pdm/charger/*/status, status: 500, probability: 0.3}\n"
    api, token = await gateway(make_api, rule)
    first = await probability_run(api, token)
    assert 0 < first.count(500) < len(first)  # some, not all
    await api.post("/__emulator/reset")
    token = await api.token("installer")
    assert await probability_run(api, token) == first  # after reset: the same draws
    again, token = await gateway(make_api, rule)
    assert await probability_run(again, token) == first  # another start, same seed
    other, token = await gateway(make_api, rule, seed=5)
    assert await probability_run(other, token) != first  # another seed, other draws


async def test_a_time_window_rule_fires_only_inside_the_window_on_the_emulator_clock(
    make_api,  # type: ignore[no-untyped-def]
) -> None:
    api, token = await gateway(
        make_api,
        """
  - {path: /ivp/pdm/*, status: 503, from: "+10m", until: "+20m"}
  - {path: /ivp/peb/*, status: 502, from: "13:00", until: "13:05"}
""",
    )
    assert (await api.get(STATUS, token=token))[0] == 200  # 12:00
    await api.advance(10 * 60)
    assert (await api.get(STATUS, token=token))[0] == 503  # 12:10, inside
    await api.advance(9 * 60 + 59)
    assert (await api.get(STATUS, token=token))[0] == 503  # 12:19:59
    await api.advance(1)
    assert (await api.get(STATUS, token=token))[0] == 200  # 12:20: the window is over
    assert (await api.get(SCHEDULE, token=token))[0] == 200  # 12:20
    await api.advance(40 * 60)
    assert (await api.get(SCHEDULE, token=token))[0] == 502  # 13:00, daily window
    await api.advance(5 * 60)
    assert (await api.get(SCHEDULE, token=token))[0] == 200  # 13:05
    await api.advance(86400 - 5 * 60)
    token = await api.token("installer")  # installer tokens live 12 hours
    assert (await api.get(SCHEDULE, token=token))[0] == 502  # 13:00 the next day


async def test_role_filter_and_auth_come_first(make_api) -> None:  # type: ignore[no-untyped-def]
    api, token = await gateway(
        make_api,
        """
  - {path: /info, role: installer, status: 503}
  - {path: /ivp/pdm/chargers, status: 500}
""",
    )
    assert (await api.get("/info"))[0] == 200  # no token: role anybody, not faulted
    assert (await api.get("/info", token=token))[0] == 503
    owner = await api.token("owner")
    assert (await api.get("/ivp/pdm/chargers", token=owner))[0] == 401  # auth first
    assert (await api.get("/ivp/pdm/chargers", token=token))[0] == 500


async def test_the_admin_api_is_never_faulted(make_api) -> None:  # type: ignore[no-untyped-def]
    api, token = await gateway(make_api, '  - {path: "/*", status: 503}\n')
    assert (await api.get(STATUS, token=token))[0] == 503
    assert (await api.get("/__emulator/state"))[0] == 200
    assert (await api.post("/__emulator/reset"))[0] == 200


async def test_the_example_retry_scenario_over_https(make_api) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "scenarios" / "client-retries.yaml").read_text()
    api = await make_api(text)
    token = await api.token("installer")
    serial = api.serial
    status = f"/ivp/pdm/charger/{serial}/status"
    assert [(await api.get(status, token=token))[0] for _ in range(4)] == [503, 503, 503, 200]
    assert (await api.get("/ivp/pdm/chargers", token=token))[0] == 500  # first 10 minutes
    await api.advance(600)
    assert (await api.get("/ivp/pdm/chargers", token=token))[0] == 200
    code, _, response = await api.call(
        "POST", f"/ivp/pdm/charger/{serial}/start_charging", token=token, json={}
    )
    assert (code, response.headers["Retry-After"]) == (429, "30")
