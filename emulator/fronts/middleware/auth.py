"""Identify the caller by the surface's rules, remember the role (and, for a refusal, the
reason) for the journal and the log, and refuse a caller below the route's minimum role in
the surface's dialect."""

from __future__ import annotations

from aiohttp import web

from ..call import Call


def auth_policy(call: Call) -> web.StreamResponse | None:
    world = call.emulator.world
    surface = call.surface
    auth = surface.auth
    caller = auth.identify(call.request, world)
    call.role = caller.role
    call.credentials = caller.via
    assert call.spec is not None  # guards run for matched routes only
    required = auth.required(call.spec, world)
    if caller.role < required:
        call.denied = caller.refusal(required)
        return surface.dialect.unauthorized(call.request)
    return None
