"""The energy routes over real HTTPS: policy, captured headers, one world with the chargers,
scenario overrides by route name, and /info's imeter."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator.fronts.gateway import energy, energy_payloads

from .conftest import Api

METERED = """
seed: 5
clock: {start: "2026-06-01T10:00:00Z"}
site:
  house_load: {watts: 650}
  inverters: 8
solar: {peak_kw: 4, sunrise: "06:00", sunset: "20:00"}
chargers: [{id: garage, max_amps: 32, voltage: 230, phases: 1}]
"""
STANDARD = """
seed: 5
clock: {start: "2026-06-01T10:00:00Z"}
site: {metering: {type: standard}, inverters: 8}
solar: {peak_kw: 4}
"""
PATHS = [*energy_payloads.ROUTES]


async def raw(api: Api, path: str, token: str | None = None) -> tuple[int, bytes, Any]:
    status, body, response = await api.call("GET", path, token=token)
    return status, body if isinstance(body, bytes) else json.dumps(body).encode(), response


@pytest.mark.parametrize("path", PATHS)
async def test_owner_and_installer_read_it_anybody_gets_the_401_page(
    make_api: Any, path: str
) -> None:
    api = await make_api(METERED)
    for role in ("owner", "installer"):
        status, _, _ = await raw(api, path, await api.token(role))
        assert status == 200, (role, path)
    status, body, _ = await raw(api, path)
    assert status == 401 and body.startswith(b"<html>"), path
    assert "Authorization Required" in body.decode()


@pytest.mark.parametrize("path", PATHS)
async def test_headers_and_layout_are_the_captured_ones(make_api: Any, path: str) -> None:
    api = await make_api(METERED)
    token = await api.token("owner")
    async with api.session.get(api.base + path, headers={"Authorization": f"Bearer {token}"}) as r:
        body = await r.read()
        headers = r.headers
    shape = energy_payloads.ROUTES[path]
    assert headers.get("Content-Type") == shape.content_type, path
    assert ("Transfer-Encoding" in headers) is shape.chunked, path
    assert ("Content-Length" in headers) is not shape.chunked, path
    assert (headers.get("Pragma") == "no-cache") is shape.no_cache, path
    assert headers["Server"] == "openresty/1.17.8.1"
    assert headers["X-Frame-Options"] == "DENY"
    assert body == energy_payloads.encode(json.loads(body), shape.style), path


async def test_device_data_is_the_ivp_404_on_7_6_175(make_api: Any) -> None:
    api = await make_api(METERED)
    token = await api.token("owner")
    url = api.base + "/ivp/pdm/device_data"
    async with api.session.get(url, headers={"Authorization": f"Bearer {token}"}) as response:
        assert (response.status, await response.read()) == (404, b'{ "error" : "404 - Not Found" }')


async def test_a_car_at_32_a_raises_consumption_and_net_by_exactly_7360_w(make_api: Any) -> None:
    api = await make_api(METERED)
    token = await api.token("owner")
    _, before = await api.get("/production.json", token=token)
    await api.event(api.serial, "plug_in")
    await api.post(
        f"/ivp/pdm/charger/{api.serial}/start_charging",
        {"chargingLevel": 32},
        token=await api.token("installer"),
    )
    _, after = await api.get("/production.json", token=token)
    total = [before["consumption"][0]["wNow"], after["consumption"][0]["wNow"]]
    net = [before["consumption"][1]["wNow"], after["consumption"][1]["wNow"]]
    assert total[1] - total[0] == pytest.approx(7360, abs=1e-6)
    assert net[1] - net[0] == pytest.approx(7360, abs=1e-6)
    production = after["production"][1]["wNow"]
    assert production > 0
    assert net[1] == pytest.approx(total[1] - production, abs=1e-3)
    assert total[1] == pytest.approx(650 + 7360, abs=1e-3)


async def test_a_standard_gateway_has_no_ct(make_api: Any) -> None:
    api = await make_api(STANDARD)
    token = await api.token("owner")
    status, info = await api.get("/info")
    assert status == 200 and b"<imeter>false</imeter>" in info
    _, meters, _ = await api.call("GET", "/ivp/meters", token=token)
    assert meters == b"[]"
    _, body = await api.get("/production.json", token=token)
    assert [p["type"] for p in body["production"]] == ["inverters"]
    assert "consumption" not in body
    _, inverters = await api.get("/api/v1/production/inverters", token=token)
    assert len(inverters) == 8


async def test_a_metered_gateway_says_imeter_true(make_api: Any) -> None:
    api = await make_api(METERED)
    _, info = await api.get("/info")
    assert b"<imeter>true</imeter>" in info


async def test_a_scenario_overrides_an_energy_route_by_name(make_api: Any) -> None:
    api = await make_api(
        METERED + 'overrides:\n  api_v1_production: {wattsNow: "{{ gateway.serial }}"}\n'
        "  meters: []\n"
    )
    token = await api.token("owner")
    _, body = await api.get("/api/v1/production", token=token)
    assert body == {"wattsNow": api.emulator.world.gateway.serial}
    _, meters, _ = await api.call("GET", "/ivp/meters", token=token)
    assert meters == b"[]"


async def test_details_adds_one_line_per_phase(make_api: Any) -> None:
    api = await make_api(METERED.replace("inverters: 8", "inverters: 8\n  metering: {phases: 3}"))
    token = await api.token("owner")
    _, plain = await api.get("/production.json", token=token)
    _, detailed = await api.get("/production.json?details=1", token=token)
    assert "lines" not in plain["production"][1]
    assert len(detailed["production"][1]["lines"]) == 3
    assert len(detailed["consumption"][1]["lines"]) == 3


def test_every_energy_route_is_in_the_gateway_table_and_overridable() -> None:
    from emulator.fronts.registry import ROUTE_TABLE
    from emulator.scenario import templates

    served = {s.path: s for s in ROUTE_TABLE}
    for path, name in energy_payloads.ROUTE_NAMES.items():
        assert served[path].name == name
        assert name in templates.SITE_ROUTES
    assert set(energy_payloads.ROUTE_NAMES) == set(energy_payloads.ROUTES)
    assert energy.HOME in ROUTE_TABLE


async def test_energy_routes_share_the_journal_and_the_fault_rules(make_api: Any) -> None:
    api = await make_api(
        METERED + "faults:\n  - {name: meters-busy, method: GET, path: /ivp/meters/*,"
        " status: 503, times: 1}\n"
    )
    token = await api.token("owner")
    status, _, _ = await api.call("GET", "/ivp/meters/readings", token=token)
    assert status == 503
    status, _, _ = await api.call("GET", "/ivp/meters/readings", token=token)
    assert status == 200
    status, listing = await api.get("/__emulator/requests?path=/ivp/meters/readings")
    assert status == 200
    assert [(e["status"], e["role"]) for e in listing["requests"]] == [
        (503, "owner"),
        (200, "owner"),
    ]
    kept = listing["requests"][-1]["response"]["body"]  # the journal keeps the bytes sent
    assert kept.startswith('[\n    {\n        "eid": 704643328,')
