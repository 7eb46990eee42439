"""Issue 7: the OpenAPI document at /__emulator/openapi.json, generated from the route table."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis

from emulator.fronts import registry as app_module
from emulator.fronts.registry import build_document
from emulator.fronts.routing import ADMIN, EV, RouteSpec
from emulator.model.roles import Role

from .conftest import Api

DOC = "/__emulator/openapi.json"
SERIAL = "202200000001"
SCENARIO = f"""
seed: 5
chargers:
  - {{id: garage, serial: "{SERIAL}"}}
"""


def params_of(path: str) -> set[str]:
    return set(re.findall(r"\{([^}:]+)", path))


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


async def fetch(api: Api, **headers: str) -> dict[str, Any]:
    status, body, response = await api.call("GET", DOC, headers=headers or None)
    assert status == 200, body
    assert response.content_type == "application/json"
    return body


async def test_document_is_valid_openapi_3(api: Api) -> None:
    doc = await fetch(api)
    assert doc["openapi"].startswith("3.0")
    schemathesis.openapi.from_dict(doc).validate()  # the OpenAPI 3.0 meta-schema
    assert doc["servers"][0]["url"] == f"https://localhost:{api.server.port}"


async def test_every_route_in_the_table_is_documented(api: Api) -> None:
    doc = await fetch(api)
    for spec in app_module.ROUTE_TABLE:
        assert spec.path in doc["paths"], spec.path
        op = doc["paths"][spec.path].get(spec.method.lower())
        assert op is not None, f"{spec.method} {spec.path} is not documented"
        assert op["summary"] == spec.summary
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == params_of(spec.path), spec.path
        assert all(p["required"] for p in op.get("parameters", []) if p["in"] == "path")
        assert ("requestBody" in op) >= (spec.body is not None), spec.path
        for status in ("200", "400", "404", "405", "409"):
            if status == "200" and spec.method == "OPTIONS":
                continue
            assert status in op["responses"], (spec.path, spec.method, status)
    ev_paths = {s.path for s in app_module.ROUTE_TABLE if s.min_role == EV}
    for path in ev_paths:
        assert "204" in doc["paths"][path]["options"]["responses"]


async def test_errors_are_json_and_the_401_is_the_gateways_html(api: Api) -> None:
    doc = await fetch(api)
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(error["properties"]["error"]["properties"]) == {"code", "message", "field"}
    assert error["properties"]["error"]["required"] == ["code", "message"]
    status_op = doc["paths"]["/ivp/pdm/charger/{sn}/status"]["get"]
    assert list(status_op["responses"]["401"]["content"]) == ["text/html"]
    for code in ("400", "405", "409"):
        assert list(status_op["responses"][code]["content"]) == ["application/json"]
    info_op = doc["paths"]["/info"]["get"]
    assert "401" not in info_op["responses"]  # open to anybody: never 401
    assert list(info_op["responses"]["200"]["content"]) == ["text/xml"]
    start = doc["paths"]["/ivp/pdm/charger/{sn}/start_charging"]["post"]
    assert "413" in start["responses"]
    body = start["requestBody"]["content"]["application/json"]
    assert body["schema"]["properties"]["chargingLevel"]["type"] == "integer"
    assert body["example"] == {"chargingLevel": 32, "connectorId": 1}


async def test_security_schemes_match_the_policy(make_api) -> None:  # type: ignore[no-untyped-def]
    api = await make_api(SCENARIO)
    doc = await fetch(api)
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    for spec in app_module.ROUTE_TABLE:
        op = doc["paths"][spec.path][spec.method.lower()]
        if spec.min_role == EV:
            assert {"bearer": []} in op["security"], spec.path
            assert "installer" in op["x-min-role"]
        elif spec.min_role == ADMIN:
            assert op["security"] == [{}], spec.path  # no admin token on this server
    gated = await make_api(SCENARIO, admin_token="s3cret")
    status, _ = await gated.get(DOC)
    assert status == 401  # the document is part of the admin API
    doc = await fetch(gated, **{"X-Emulator-Admin-Token": "s3cret"})
    tokens_op = doc["paths"]["/__emulator/tokens"]["post"]
    assert tokens_op["security"] == [{"adminToken": []}]
    assert list(tokens_op["responses"]["401"]["content"]) == ["application/json"]
    health = doc["paths"]["/__emulator/health"]["get"]
    assert health["security"] == [{}] and "401" not in health["responses"]


async def test_the_document_follows_the_gateways_state(api: Api) -> None:
    """Read at request time: the EV policy and scenario overrides show up without a restart."""
    await api.post("/__emulator/gateway/events", {"event": "set_ev_min_role", "role": "owner"})
    api.emulator.overrides.add("status", None, {"captured": True})
    doc = await fetch(api)
    op = doc["paths"]["/ivp/pdm/charger/{sn}/status"]["get"]
    assert "owner" in op["x-min-role"]
    assert "$ref" not in str(op["responses"]["200"])  # overridden: any JSON
    assert resolve(doc, op["responses"]["404"]["content"]["application/json"]["schema"])


async def test_a_route_added_to_the_table_appears(
    certs_dir, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from .conftest import open_api

    async def handler(request: Any) -> Any:
        raise NotImplementedError

    extra = RouteSpec(
        "PATCH",
        "/__emulator/widgets/{widget_id}",
        handler,
        ADMIN,
        "widget_patch",
        "admin",
        "A route someone added later.",
        '{"colour": "red"}',
    )
    monkeypatch.setattr(app_module, "ROUTE_TABLE", (*app_module.ROUTE_TABLE, extra))
    server, session, api = await open_api(certs_dir)
    try:
        doc = await fetch(api)
    finally:
        await session.close()
        await server.stop()
    op = doc["paths"]["/__emulator/widgets/{widget_id}"]["patch"]
    assert op["operationId"] == "widget_patch"
    assert op["parameters"][0]["name"] == "widget_id"
    media = op["requestBody"]["content"]["application/json"]
    assert media["schema"] == {"type": "object"} and media["example"] == {"colour": "red"}
    assert {"200", "400", "404", "405", "409", "413", "401"} <= set(op["responses"])


def test_build_document_is_pure() -> None:
    """Usable without a server, e.g. to publish the document from CI."""
    doc = build_document(app_module.ROUTE_TABLE, ev_min_role=Role.INSTALLER)
    schemathesis.openapi.from_dict(doc).validate()
    ops = [op for item in doc["paths"].values() for op in item.values()]
    ids = [op["operationId"] for op in ops]
    assert len(ids) == len(set(ids)) == len(app_module.ROUTE_TABLE)
