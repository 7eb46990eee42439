"""``GET /__emulator/openapi.json``: the document of what this application serves, built
on each request from its routes and surfaces (routes added later appear)."""

from __future__ import annotations

from aiohttp import web

from ..context import SPECS_KEY, SURFACES_KEY, emulator_of
from ..openapi import build_document
from ..surface import Surface
from .control import admin
from .replies import json_response
from .schemas import OPENAPI


async def openapi_json(request: web.Request) -> web.Response:
    emulator = emulator_of(request)
    surfaces: tuple[Surface, ...] = request.app[SURFACES_KEY]
    world = emulator.world
    specs = sorted(
        {id(s): s for s in request.app[SPECS_KEY].values()}.values(),
        key=lambda s: (s.path, s.method),
    )
    doc = build_document(
        specs,
        surfaces=surfaces,
        ev_min_role=world.gateway.ev_min_role,
        admin_gated=bool(emulator.settings.admin_token),
        overridden=emulator.overrides.routes,
        serials=list(world.chargers),
        server_url=f"{request.scheme}://{request.host}",
    )
    return json_response(doc)


ROUTES = (
    admin(
        "GET",
        "/openapi.json",
        openapi_json,
        "openapi",
        "This API as an OpenAPI 3 document, generated from the route table.",
        response=OPENAPI,
    ),
)
