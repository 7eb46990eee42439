"""Issue 5: the request journal over HTTPS, its filters, and the assertion helpers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from emulator.fronts.journal import BODY_CAP, Journal, Query, path_matcher
from emulator.model.errors import ModelError
from emulator.testing import Gateway

SN = "202200000001"
SCENARIO = f"""
seed: 5
clock: {{start: "2026-06-01T12:00:00Z"}}
chargers:
  - {{id: garage, serial: "{SN}", max_amps: 32}}
"""
PDM = f"/ivp/pdm/charger/{SN}"


@pytest.fixture
async def gw(certs_dir: Path) -> AsyncIterator[Gateway]:
    async with Gateway.start(SCENARIO, certs_dir=certs_dir) as gateway:
        yield gateway


@pytest.fixture
async def http(gw: Gateway) -> aiohttp.ClientSession:
    return gw.client()


async def call(
    http: aiohttp.ClientSession, method: str, path: str, token: str | None = None, **kw: Any
) -> tuple[int, Any]:
    headers = dict(kw.pop("headers", {}))
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with http.request(method, path, headers=headers, **kw) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def journal(http: aiohttp.ClientSession, **filters: Any) -> dict[str, Any]:
    status, body = await call(http, "GET", "/__emulator/requests", params=filters)
    assert status == 200, body
    return body


# -- what is recorded ----------------------------------------------------------------------


async def test_every_request_is_recorded_in_order_with_what_was_asked_and_answered(
    gw: Gateway, http: aiohttp.ClientSession
) -> None:
    owner, installer = gw.token("owner"), gw.token("installer")
    gw.plug_in(SN)
    assert (await call(http, "GET", "/ivp/pdm/chargers?verbose=1", owner))[0] == 401
    assert (await call(http, "GET", "/ivp/nothing/here"))[0] == 404
    body = {"chargingLevel": 16, "connectorId": 1}
    assert (await call(http, "POST", PDM + "/start_charging", installer, json=body))[0] == 200
    assert (await call(http, "DELETE", PDM + "/status", installer))[0] == 405

    rows = (await journal(http))["requests"]
    assert [(r["method"], r["path"], r["status"]) for r in rows] == [
        ("GET", "/ivp/pdm/chargers", 401),
        ("GET", "/ivp/nothing/here", 404),
        ("POST", PDM + "/start_charging", 200),
        ("DELETE", PDM + "/status", 405),
    ]
    refused, missing, started, wrong_verb = rows
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]
    assert refused["query"] == {"verbose": "1"}
    assert (refused["role"], refused["credentials"]) == ("owner", "bearer")
    assert "401 Authorization Required" in refused["response"]["body"]
    assert refused["request"] == {"body": None, "size": 0, "truncated": False}
    assert (missing["role"], missing["credentials"]) == ("anybody", "none")
    assert missing["response"]["body"] == '{ "error" : "404 - Not Found" }'
    assert started["role"] == "installer"
    assert json.loads(started["request"]["body"]) == body
    assert json.loads(started["response"]["body"]) == {"status": "accepted", "chargingLevel": 16}
    assert started["response"]["content_type"] == "application/json"
    assert wrong_verb["response"]["body"].startswith('{"error"')
    for row in rows:
        assert row["virtual_time"] == "2026-06-01T12:00:00Z"
        assert row["time"].endswith("Z") and row["time"][:2] == "20"
        assert 0 <= row["elapsed_ms"] < 5000


async def test_admin_calls_are_journaled_but_the_journal_routes_are_not(
    gw: Gateway, http: aiohttp.ClientSession
) -> None:
    await call(http, "POST", "/__emulator/tokens", json={"role": "owner"})
    for _ in range(3):
        await journal(http)
    await call(http, "DELETE", "/__emulator/requests/")  # a 404, but still the journal's own
    body = await journal(http)
    assert [r["path"] for r in body["requests"]] == ["/__emulator/tokens"]
    assert (body["total"], body["last_seq"], body["dropped"]) == (1, 1, 0)


async def test_bodies_are_capped_and_flagged(gw: Gateway, http: aiohttp.ClientSession) -> None:
    token = gw.token("installer")
    big = {"chargingLevel": 16, "padding": "x" * 10_000}
    status, _ = await call(http, "POST", PDM + "/start_charging", token, json=big)
    assert status == 400  # padding is not a known field
    entry = gw.requests("POST")[0]
    assert entry.request_truncated and entry.request_size == len(json.dumps(big))
    assert len(entry.request_body.encode()) == BODY_CAP
    assert entry.json() is None  # a truncated body is not parsed
    assert entry.response_json()["error"]["code"] == 400


async def test_large_responses_are_capped_too(certs_dir: Path) -> None:
    many = {"chargers": [{"id": f"c{i}", "max_amps": 32} for i in range(12)]}
    async with Gateway.start(many, certs_dir=certs_dir) as gw:
        http = gw.client(token=gw.token("installer"))
        async with http.get("/ivp/pdm/chargers") as response:
            full = await response.read()
        entry = gw.requests()[0]
    assert len(full) > BODY_CAP
    assert entry.response_truncated and entry.response_size == len(full)
    assert len(entry.response_body.encode()) <= BODY_CAP


async def test_the_journal_is_bounded_oldest_first_out(
    gw: Gateway, http: aiohttp.ClientSession
) -> None:
    gw.emulator.journal = Journal(max_entries=5)
    for _ in range(8):
        await call(http, "GET", "/info")
    body = await journal(http)
    assert [r["seq"] for r in body["requests"]] == [4, 5, 6, 7, 8]
    assert (body["total"], body["dropped"], body["last_seq"]) == (5, 3, 8)


async def test_delete_clears_and_sequence_numbers_keep_counting(
    gw: Gateway, http: aiohttp.ClientSession
) -> None:
    await call(http, "GET", "/info")
    await call(http, "GET", "/info")
    status, body = await call(http, "DELETE", "/__emulator/requests")
    assert (status, body) == (200, {"cleared": 2, "last_seq": 2})
    assert (await journal(http))["requests"] == []
    await call(http, "GET", "/info")
    assert [r["seq"] for r in (await journal(http))["requests"]] == [3]


# -- filters ---------------------------------------------------------------------------------


@pytest.fixture
async def busy(gw: Gateway, http: aiohttp.ClientSession) -> aiohttp.ClientSession:
    """A journal with a mix of requests, at two emulated times."""
    owner, installer = gw.token("owner"), gw.token("installer")
    gw.plug_in(SN)
    await call(http, "GET", "/info")  # 1
    await call(http, "GET", "/ivp/pdm/chargers", owner)  # 2: 401
    await call(http, "GET", "/ivp/pdm/chargers", installer)  # 3
    await call(http, "GET", PDM + "/status", installer)  # 4
    await gw.advance("2h")
    await call(http, "POST", PDM + "/start_charging", installer, json={"chargingLevel": 8})  # 5
    await call(http, "GET", PDM + "/status", installer)  # 6
    await call(http, "GET", "/ivp/pdm/charger/nope/status", installer)  # 7: 404
    return http


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [1, 2, 3, 4, 5, 6, 7]),
        ({"method": "post"}, [5]),
        ({"method": "GET,POST"}, [1, 2, 3, 4, 5, 6, 7]),
        ({"path": "/ivp/pdm/*"}, [2, 3, 4, 5, 6, 7]),
        ({"path": "/ivp/pdm/charger/{sn}/status"}, [4, 6, 7]),
        ({"path": PDM + "/status"}, [4, 6]),
        ({"path": "/ivp/pdm/charger/{sn}"}, []),  # a placeholder is one whole segment
        ({"path": "*/start_charging"}, [5]),
        ({"path": "/inf?"}, [1]),
        ({"status": "401"}, [2]),
        ({"status": "4xx"}, [2, 7]),
        ({"status": "2xx", "path": "/ivp/pdm/*"}, [3, 4, 5, 6]),
        ({"since": "4"}, [5, 6, 7]),
        ({"since": "0"}, [1, 2, 3, 4, 5, 6, 7]),
        ({"since": "2026-06-01T13:00:00Z"}, [5, 6, 7]),
        ({"since": "2026-06-01T12:00:00Z"}, [1, 2, 3, 4, 5, 6, 7]),
        ({"limit": "2"}, [6, 7]),
        ({"limit": "2", "method": "GET", "status": "200"}, [4, 6]),
        ({"role": "owner"}, [2]),
        ({"role": "anybody"}, [1]),
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else None,
)
async def test_filters(busy: aiohttp.ClientSession, gw: Gateway, filters, expected) -> None:  # type: ignore[no-untyped-def]
    body = await journal(busy, **filters)
    assert [r["seq"] for r in body["requests"]] == expected
    assert body["count"] == len(expected) and body["total"] == 7
    # the Python API reads the same journal through the same filters
    assert [e.seq for e in gw.requests(**filters)] == expected


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("method=G3T", "method"),
        ("method=", "method"),
        ("path=ivp/pdm", "path"),
        ("status=abc", "status"),
        ("status=600", "status"),
        ("status=2x", "status"),
        ("since=yesterday", "since"),
        ("since=-3", "since"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("role=king", "role"),
        ("stauts=200", "stauts"),
        ("status=200&status=401", "status"),
    ],
)
async def test_bad_filters_are_a_400_naming_the_parameter(
    http: aiohttp.ClientSession, query: str, parameter: str
) -> None:
    status, body = await call(http, "GET", "/__emulator/requests?" + query)
    assert status == 400, body
    assert body["error"]["field"] == parameter
    assert parameter in body["error"]["message"]


async def test_bad_filters_in_python_raise_model_errors(gw: Gateway) -> None:
    with pytest.raises(ModelError, match="'limit' must be >= 1") as caught:
        gw.requests(limit=0)
    assert caught.value.field == "limit"
    with pytest.raises(ModelError, match="status"):
        gw.assert_called("GET", "/info", status="teapot")


async def test_the_journal_is_an_admin_route(certs_dir: Path) -> None:
    async with Gateway.start(SCENARIO, certs_dir=certs_dir, admin_token="s3cret") as gw:
        http = gw.client()  # closed by the gateway when it stops
        assert (await call(http, "GET", "/__emulator/requests"))[0] == 401
        assert (await call(http, "DELETE", "/__emulator/requests"))[0] == 401
        headers = {"X-Emulator-Admin-Token": "s3cret"}
        status, _ = await call(http, "GET", "/__emulator/requests", headers=headers)
        assert status == 200


def test_path_patterns() -> None:
    assert path_matcher("/ivp/pdm/*").match("/ivp/pdm/charger/1/status")
    assert path_matcher("/ivp/pdm/*").match("/ivp/pdm/")
    assert not path_matcher("/ivp/pdm/*").match("/ivp/peb/x")
    assert path_matcher("/ivp/pdm/charger/{sn}/status").match("/ivp/pdm/charger/ABC/status")
    assert not path_matcher("/ivp/pdm/charger/{sn}/status").match("/ivp/pdm/charger/a/b/status")
    assert path_matcher("/production.json").match("/production.json")
    assert not path_matcher("/production.json").match("/productionXjson")
    assert not path_matcher("/info").match("/info/more")
    assert Query.build(method="get, post").method == "GET,POST"


# -- assertion helpers ------------------------------------------------------------------------


async def test_assert_called_counts_and_returns_the_matches(
    busy: aiohttp.ClientSession, gw: Gateway
) -> None:
    matches = gw.assert_called("GET", "/ivp/pdm/charger/{sn}/status", times=3)
    assert [m.status for m in matches] == [200, 200, 404]
    gw.assert_called("GET", "/ivp/pdm/charger/{sn}/status", times=2, status=200)
    gw.assert_called("POST", PDM + "/start_charging", times=1, json={"chargingLevel": 8})
    gw.assert_called("GET", "/ivp/pdm/chargers", status=401, role="owner")
    gw.assert_called("GET", "/ivp/pdm/*")
    gw.assert_not_called("POST", PDM + "/stop_charging")
    gw.assert_not_called("GET", "/ivp/pdm/chargers", role="installer", status="4xx")


async def test_assert_called_failure_lists_what_was_called(
    busy: aiohttp.ClientSession, gw: Gateway
) -> None:
    with pytest.raises(AssertionError) as caught:
        gw.assert_called("POST", "/ivp/pdm/charger/{sn}/start_charging", times=2)
    message = str(caught.value)
    assert message.startswith(
        "expected POST /ivp/pdm/charger/{sn}/start_charging 2 time(s), but it was called 1 time(s)."
    )
    assert "Requests the gateway received (last 7 of 7, oldest first):" in message
    assert f"#5 2026-06-01T14:00:00Z POST {PDM}/start_charging -> 200 role=installer" in message
    assert "#2 2026-06-01T12:00:00Z GET /ivp/pdm/chargers -> 401 role=owner" in message

    with pytest.raises(AssertionError, match=r'with a body containing \{"chargingLevel": 32\}'):
        gw.assert_called("POST", PDM + "/start_charging", json={"chargingLevel": 32})


async def test_assert_not_called_failure_lists_the_matching_calls(
    busy: aiohttp.ClientSession, gw: Gateway
) -> None:
    with pytest.raises(AssertionError) as caught:
        gw.assert_not_called("GET", "/ivp/pdm/*", status="4xx")
    message = str(caught.value)
    assert message.startswith(
        "expected no GET /ivp/pdm/* answered 4xx, but it was called 2 time(s)."
    )
    assert (
        "/ivp/pdm/chargers -> 401" in message and "/ivp/pdm/charger/nope/status -> 404" in message
    )
    assert "/info" not in message


async def test_assert_called_on_an_empty_journal_says_so(gw: Gateway) -> None:
    with pytest.raises(AssertionError, match="The gateway received no requests"):
        gw.assert_called("GET", "/info")


async def test_fault_rule_answers_are_journaled(certs_dir: Path) -> None:
    scenario = SCENARIO + (
        "faults:\n"
        "  - name: warming-up\n"
        "    method: GET\n"
        "    path: /ivp/pdm/charger/*/status\n"
        "    status: 503\n"
        '    body: {error: "503 - Service Unavailable"}\n'
        "    times: 1\n"
    )
    async with Gateway.start(scenario, certs_dir=certs_dir) as gw:
        http = gw.client(token=gw.token())
        statuses = [(await call(http, "GET", PDM + "/status"))[0] for _ in range(2)]
        assert statuses == [503, 200]
        gw.assert_called("GET", PDM + "/status", times=1, status=503)
        assert "503 - Service Unavailable" in gw.requests(status=503)[0].response_body


def test_the_journal_keeps_no_oversized_response_buffers() -> None:
    """orjson hands back an 8 KB working buffer for a 900-byte body; kept by a full
    journal, that was 80 MB. Measured end to end: JSON answers as the fronts build them,
    recorded, the answers dropped."""
    import tracemalloc

    from aiohttp.streams import EMPTY_PAYLOAD
    from aiohttp.test_utils import make_mocked_request

    from emulator.fronts.gateway.responses import json_response
    from emulator.fronts.journal import Journal
    from emulator.model.roles import Role

    request = make_mocked_request("GET", "/ivp/pdm/chargers", payload=EMPTY_PAYLOAD)
    journal = Journal()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(500):
            answer = json_response({"data": "x" * 900, "n": i})
            journal.record(request, answer, Role.INSTALLER, 0.0, 0.1, credentials="bearer")
            del answer
        per_entry = (tracemalloc.get_traced_memory()[0] - before) / 500
    finally:
        tracemalloc.stop()
    assert journal.entries[-1].response_raw is not None
    assert len(journal.entries[-1].response_raw) > 900
    assert per_entry < 2500, per_entry  # the body and the entry, not orjson's buffer
