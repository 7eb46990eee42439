"""Identify the caller by the surface's rules, remember the role (and, for a refusal, the
reason) for the journal and the log, and refuse a caller below the route's minimum role in
the surface's dialect."""

from __future__ import annotations

from aiohttp import web

from ...model.auth import Denied
from ..context import EMULATOR_KEY, ROLE_KEY, SPEC_KEY, SURFACE_KEY
from ..routing import Handler

CREDENTIALS_KEY: web.RequestKey[str] = web.RequestKey("credentials", str)
"""What the client sent, as the auth rules judged it: ``bearer``, ``cookie`` or ``none``."""
DENIED_KEY: web.RequestKey[Denied | None] = web.RequestKey("denied")
"""Why the request was refused with a 401 (the client sees only the dialect's page); None
when it was let through (set either way: reading a missing key costs an exception)."""


async def auth_policy(request: web.Request, handler: Handler) -> web.StreamResponse:
    world = request.app[EMULATOR_KEY].world
    surface = request[SURFACE_KEY]
    auth = surface.auth
    caller = auth.identify(request, world)
    request[ROLE_KEY] = caller.role
    request[CREDENTIALS_KEY] = caller.via
    required = auth.required(request[SPEC_KEY], world)
    if caller.role < required:
        request[DENIED_KEY] = caller.refusal(required)
        return surface.dialect.unauthorized(request)
    request[DENIED_KEY] = None
    return await handler(request)
