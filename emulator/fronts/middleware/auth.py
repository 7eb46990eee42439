"""Identify the caller by the surface's rules, remember the role for the journal and the
log, and refuse a caller below the route's minimum role in the surface's dialect."""

from __future__ import annotations

from aiohttp import web

from ..context import EMULATOR_KEY, ROLE_KEY, SPEC_KEY, SURFACE_KEY
from ..routing import Handler


async def auth_policy(request: web.Request, handler: Handler) -> web.StreamResponse:
    world = request.app[EMULATOR_KEY].world
    auth = request[SURFACE_KEY].auth
    caller = auth.identify(request, world)
    request[ROLE_KEY] = caller.role
    if caller.role < auth.required(request[SPEC_KEY], world):
        return request[SURFACE_KEY].dialect.unauthorized(request)
    return await handler(request)
