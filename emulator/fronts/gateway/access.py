"""Who is calling the gateway: a Bearer token, else a live ``sessionId`` cookie, else
anybody; and who a route needs: its fixed role, or the firmware's EV policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ...model.auth import Caller
from ...model.roles import Role
from ...model.world import World
from ..context import bearer_token
from ..routing import EV, RouteSpec
from ..surface import DocContext, Security

COOKIE = "sessionId"
SCHEMES: Mapping[str, Any] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An ES256 gateway token (POST /__emulator/tokens mints one).",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": "The session GET /auth/check_jwt hands out.",
    },
}


def identify(request: web.Request, world: World) -> Caller:
    """A Bearer header wins: the cookie is not even parsed."""
    bearer = bearer_token(request)
    return world.auth.identify(bearer, None if bearer else request.cookies.get(COOKIE))


@dataclass(frozen=True)
class TokenAuth:
    schemes: Mapping[str, Any] = field(default_factory=lambda: SCHEMES)

    def identify(self, request: web.Request, world: World) -> Caller:
        return identify(request, world)

    def required(self, spec: RouteSpec, world: World) -> Role:
        if spec.min_role == EV:
            return world.gateway.ev_min_role
        if isinstance(spec.min_role, Role):
            return spec.min_role
        return Role.ANYBODY  # admin routes: the admin gate decides

    def security(self, spec: RouteSpec, context: DocContext) -> Security:
        if spec.handler_auth:
            return [{scheme: []} for scheme in spec.handler_auth]
        if spec.min_role == Role.ANYBODY:
            return [{}]
        return [{"bearer": []}, {"sessionCookie": []}]

    def describe(self, spec: RouteSpec, context: DocContext) -> str:
        if spec.min_role == EV:
            return f"ev ({context.ev_min_role.label} on this gateway)"
        return spec.min_role.label if isinstance(spec.min_role, Role) else str(spec.min_role)


AUTH = TokenAuth()
