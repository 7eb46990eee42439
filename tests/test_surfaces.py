"""Surfaces: a front with its own rules is one more Surface, served on its own listener or,
by host name, beside the gateway. A toy cloud-like surface (JSON errors everywhere, an API
key as its auth) stands in for the Enlighten cloud to come."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from emulator.fronts.app import make_app
from emulator.fronts.bodies import json_response
from emulator.fronts.context import world_of
from emulator.fronts.errors import JsonErrors
from emulator.fronts.middleware.auth import auth_policy
from emulator.fronts.middleware.errors import map_errors
from emulator.fronts.middleware.journal import record_journal
from emulator.fronts.middleware.request_log import log_requests
from emulator.fronts.middleware.sync import sync_model
from emulator.fronts.openapi import build_document
from emulator.fronts.registry import main_surfaces
from emulator.fronts.routing import RouteSpec
from emulator.fronts.server import start_server
from emulator.fronts.surface import DocContext, Security, Surface
from emulator.model.auth import ANONYMOUS, Caller
from emulator.model.roles import Role
from emulator.model.world import World
from emulator.runtime import Emulator, Settings

HEADERS = {"Server": "toy-cloud"}
KEY = "k-123"


async def thing(request: web.Request) -> web.Response:
    return json_response({"gateway": world_of(request).gateway.serial}, 200, HEADERS)


@dataclass(frozen=True)
class ApiKeyAuth:
    schemes: Mapping[str, Any] = field(
        default_factory=lambda: {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}
    )

    def identify(self, request: web.Request, world: World) -> Caller:
        return Caller(Role.OWNER, via="key") if request.headers.get("X-Key") == KEY else ANONYMOUS

    def required(self, spec: RouteSpec, world: World) -> Role:
        return spec.min_role if isinstance(spec.min_role, Role) else Role.ANYBODY

    def security(self, spec: RouteSpec, context: DocContext) -> Security:
        return [{"key": []}]

    def describe(self, spec: RouteSpec, context: DocContext) -> str:
        return "owner"


def toy(hosts: frozenset[str] = frozenset()) -> Surface:
    route = RouteSpec(
        "GET", "/api/v1/thing", thing, Role.OWNER, "toy_thing", "designed", "A thing.",
        surface="toy",
    )  # fmt: skip
    return Surface(
        name="toy",
        routes=(route,),
        auth=ApiKeyAuth(),
        dialect=JsonErrors(HEADERS, unauthorized_message="send X-Key"),
        headers=HEADERS,
        middlewares=(map_errors,),
        guards=(sync_model, auth_policy),
        observers=(record_journal, log_requests),
        hosts=hosts,
        tags={"toy": "A surface made in a test."},
    )


@pytest.fixture
def emulator(certs_dir: Path) -> Emulator:
    return Emulator(Settings(certs_dir=certs_dir, port=0, clock="manual", log_requests=False))


async def test_a_surface_on_its_own_listener_speaks_its_own_dialect(emulator: Emulator) -> None:
    serial = emulator.world.gateway.serial
    main = await start_server(emulator, host="127.0.0.1", port=0)
    second = await start_server(emulator, host="127.0.0.1", port=0, surfaces=(toy(),))
    ssl = emulator.certs.client_context()
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ssl)) as http:
            base = f"https://localhost:{second.port}"
            async with http.get(base + "/api/v1/thing", headers={"X-Key": KEY}) as answer:
                assert (answer.status, await answer.json()) == (200, {"gateway": serial})
                assert answer.headers["Server"] == "toy-cloud"
            async with http.get(base + "/api/v1/thing") as answer:
                assert answer.status == 401 and answer.content_type == "application/json"
                assert (await answer.json())["error"]["message"] == "send X-Key"
            for path in ("/info", "/ivp/pdm/nothing", "/__emulator/state"):
                async with http.get(base + path) as answer:  # not the gateway's routes
                    assert answer.status == 404 and answer.content_type == "application/json"
                    assert answer.headers["Server"] == "toy-cloud"
            async with http.post(base + "/api/v1/thing") as answer:
                assert answer.status == 405 and answer.headers["Allow"] == "GET"
            async with http.get(f"https://localhost:{main.port}/info") as answer:
                assert answer.status == 200  # the main listener is unchanged
    finally:
        await second.stop()
        await main.stop()
    journaled = [(e.path, e.status, e.role) for e in emulator.journal.entries]
    assert ("/api/v1/thing", 200, "owner") in journaled  # one journal for every listener
    assert ("/api/v1/thing", 401, "anybody") in journaled


@pytest.fixture
async def shared(emulator: Emulator) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = make_app(emulator, (*main_surfaces(), toy(frozenset({"cloud.test"}))))
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_a_host_bound_surface_shares_the_main_listener(
    shared: TestClient[web.Request, web.Application],
) -> None:
    on_cloud = {"Host": "cloud.test", "X-Key": KEY}
    async with shared.get("/api/v1/thing", headers=on_cloud) as answer:
        assert answer.status == 200 and "gateway" in await answer.json()
    async with shared.get("/api/v1/thing") as answer:  # another host: the gateway's 404
        assert answer.status == 404 and answer.headers["Server"].startswith("openresty")
    async with shared.get("/nothing", headers=on_cloud) as answer:
        assert answer.status == 404 and answer.headers["Server"] == "toy-cloud"
    async with shared.get("/info") as answer:
        assert answer.status == 200 and answer.content_type == "text/xml"


def test_a_surface_documents_itself() -> None:
    surface = toy()
    doc = build_document(surface.routes, surfaces=(surface,))
    schemathesis.openapi.from_dict(doc).validate()
    op = doc["paths"]["/api/v1/thing"]["get"]
    assert op["security"] == [{"key": []}] and op["tags"] == ["toy"]
    assert list(op["responses"]["401"]["content"]) == ["application/json"]
    assert doc["components"]["securitySchemes"] == {"key": surface.auth.schemes["key"]}
