"""Issue 7: the auth policy of every route, generated from the route table.

Each RouteSpec in ``ROUTE_TABLE`` gets its own test case, so a route cannot ship
without its policy being exercised: EV routes answer 401 to nobody and to owners
(firmware 7.6.175) and data to installers; routes open to anybody never answer 401;
the admin API is open without an admin token and answers a JSON 401 to a wrong one
when a token is set (except health and the CA certificate).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from emulator.fronts.app import make_app
from emulator.fronts.context import SPECS_KEY
from emulator.fronts.gateway.responses import UNAUTHORIZED_PAGE
from emulator.fronts.middleware.admin_gate import ADMIN_HEADER
from emulator.fronts.registry import ROUTE_TABLE
from emulator.fronts.routing import ADMIN, EV, RouteSpec
from emulator.model.roles import Role

from .conftest import Api

SERIAL = "202200000001"
SCENARIO = f"""
seed: 5
clock: {{start: "2026-06-01T12:00:00Z"}}
chargers:
  - {{id: garage, serial: "{SERIAL}", plugged_in: {{capacity_kwh: 60, soc: 20}}}}
"""
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"}
UNGATED_ADMIN = {"health", "ca"}
"""Admin routes a container health check and a first-time client reach without the secret."""
HANDLER_CHECKS_TOKEN = {"check_jwt": {"none": 401, "owner": 200, "installer": 200}}
"""Routes open to anybody whose *handler* validates a token (and so may answer 401)."""


def route_id(spec: RouteSpec) -> str:
    return f"{spec.method} {spec.path}"


def concrete(path: str) -> str:
    """The route's path with its parameters filled in: the charger serial, else 'x'."""
    return re.sub(r"\{([^}:]+)(?::[^}]*)?\}", lambda m: SERIAL if m[1] == "sn" else "x", path)


def policy(spec: RouteSpec) -> str:
    """'ev', 'admin' or 'role' (a fixed minimum Role); anything else is a bug in the table."""
    if isinstance(spec.min_role, Role):
        return "role"
    if spec.min_role in (EV, ADMIN):
        return str(spec.min_role)
    raise AssertionError(
        f"{route_id(spec)} ({spec.name}) has no known min_role: {spec.min_role!r}; "
        "use a Role, 'ev' or 'admin'"
    )


# -- the table itself ------------------------------------------------------------------------


def test_every_route_declares_a_known_policy() -> None:
    assert ROUTE_TABLE, "the route table is empty"
    for spec in ROUTE_TABLE:
        policy(spec)  # raises with the route's name
        assert spec.method in METHODS, route_id(spec)
        assert spec.path.startswith("/"), route_id(spec)
        assert spec.name and spec.summary, f"{route_id(spec)} needs a name and a summary"
        if spec.min_role == ADMIN:
            assert spec.path.startswith("/__emulator/"), f"admin route outside /__emulator/: {spec}"
        if spec.path.startswith("/__emulator/"):
            assert spec.min_role == ADMIN, f"{route_id(spec)} is under /__emulator/ but not admin"


def test_a_route_with_an_unknown_policy_is_caught() -> None:
    def handler(request: Any) -> Any:
        raise NotImplementedError

    for bad in ("root", None, "EV", 7):
        spec = RouteSpec("GET", "/x", handler, bad, "x", "designed", "x")  # type: ignore[arg-type]
        with pytest.raises(AssertionError, match="no known min_role"):
            policy(spec)


def test_route_table_has_no_duplicates() -> None:
    keys = [(s.method, s.path) for s in ROUTE_TABLE]
    assert len(keys) == len(set(keys)), "two RouteSpecs for the same method and path"
    names = [s.name for s in ROUTE_TABLE]
    assert len(names) == len(set(names)), (
        "RouteSpec names must be unique (journal, docs, overrides)"
    )


async def test_every_served_route_comes_from_the_table(api: Api) -> None:
    """Nothing is registered behind the policy's back: each aiohttp route has its RouteSpec."""
    app = make_app(api.emulator)
    specs = app[SPECS_KEY]
    for route in app.router.routes():
        assert route in specs, f"{route.method} {route.resource} is served without a RouteSpec"
    served = {(s.method, s.path) for s in specs.values()}
    assert {(s.method, s.path) for s in ROUTE_TABLE} <= served


# -- the matrix ------------------------------------------------------------------------------


async def ask(api: Api, spec: RouteSpec, token: str | None, **headers: str) -> tuple[int, Any]:
    status, body, response = await api.call(
        spec.method, concrete(spec.path), token=token, headers=headers or None
    )
    if status == 401:
        # every 401 is either the gateway's page or (admin API) JSON, never aiohttp's text
        if spec.min_role == ADMIN:
            assert response.content_type == "application/json", route_id(spec)
            assert body["error"]["code"] == 401
        else:
            assert body == UNAUTHORIZED_PAGE, route_id(spec)
            assert "WWW-Authenticate" not in response.headers
    assert status < 500, f"{route_id(spec)} answered {status}: {body!r}"
    return status, body


async def tokens(api: Api) -> dict[str, str | None]:
    return {"none": None, "owner": await api.token("owner"), "installer": await api.token()}


@pytest.mark.parametrize("spec", [s for s in ROUTE_TABLE if s.min_role != ADMIN], ids=route_id)
async def test_gateway_route_policy(make_api, spec: RouteSpec) -> None:  # type: ignore[no-untyped-def]
    api = await make_api(SCENARIO)
    callers = await tokens(api)
    roles = {"none": Role.ANYBODY, "owner": Role.OWNER, "installer": Role.INSTALLER}
    kind = policy(spec)
    for who, token in callers.items():
        status, body = await ask(api, spec, token)
        if spec.name in HANDLER_CHECKS_TOKEN:
            assert status == HANDLER_CHECKS_TOKEN[spec.name][who], (who, status, body)
        elif kind == "ev":  # firmware 7.6.175: installer and above
            assert (status == 401) == (who != "installer"), (who, status, body)
        else:
            assert (status == 401) == (roles[who] < spec.min_role), (who, status, body)
    if kind == "ev":  # the EV policy follows the gateway's setting, not a constant
        await api.post("/__emulator/gateway/events", {"event": "set_ev_min_role", "role": "owner"})
        status, body = await ask(api, spec, callers["owner"])
        assert status != 401, body
        status, body = await ask(api, spec, None)
        assert status == 401, body


@pytest.mark.parametrize("spec", [s for s in ROUTE_TABLE if s.min_role == ADMIN], ids=route_id)
async def test_admin_route_policy(make_api, spec: RouteSpec) -> None:  # type: ignore[no-untyped-def]
    open_api = await make_api(SCENARIO)
    for token in (await tokens(open_api)).values():
        status, body = await ask(open_api, spec, token)
        assert status != 401, f"open admin API answered 401: {body!r}"

    gated = await make_api(SCENARIO, admin_token="s3cret")
    for headers in (
        {},
        {ADMIN_HEADER: "wrong"},
        {ADMIN_HEADER: ""},
        {ADMIN_HEADER: "S3CRET"},
        {ADMIN_HEADER: "s3cret2"},
    ):
        status, body = await ask(gated, spec, None, **headers)
        if spec.name in UNGATED_ADMIN:
            assert status != 401, body
        else:
            assert status == 401, (headers, status, body)
    status, body = await ask(gated, spec, None, **{ADMIN_HEADER: "s3cret"})
    assert status != 401, body


def ev_paths() -> list[str]:
    return sorted({s.path for s in ROUTE_TABLE if s.min_role == EV})


@pytest.mark.parametrize("path", ev_paths())
async def test_ev_preflight_answers_204_without_auth(api: Api, path: str) -> None:
    status, _, response = await api.call("OPTIONS", concrete(path))
    assert status == 204
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {s.method for s in ROUTE_TABLE if s.path == path} | {"OPTIONS"} == allowed


async def test_unknown_paths_are_404_not_401(api: Api) -> None:
    for path in ("/ivp/pdm/nothing", "/ivp/ocpp/x", "/nothing", "/__emulator/nothing"):
        for token in (None, await api.token("owner")):
            status, _ = await api.get(path, token=token)
            assert status == 404, path
