"""Who calls the admin API: identified as on the gateway (the journal records the role),
never refused for it; the admin token is the gate (:mod:`..middleware.admin_gate`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ...model.auth import Caller
from ...model.roles import Role
from ...model.world import World
from ..gateway.access import identify
from ..middleware.admin_gate import ADMIN_HEADER
from ..routing import RouteSpec
from ..surface import DocContext, Security

SCHEMES: Mapping[str, Any] = {
    "adminToken": {
        "type": "apiKey",
        "in": "header",
        "name": ADMIN_HEADER,
        "description": "Only when the server runs with --admin-token.",
    }
}


@dataclass(frozen=True)
class AdminAuth:
    schemes: Mapping[str, Any] = field(default_factory=lambda: SCHEMES)

    def identify(self, request: web.Request, world: World) -> Caller:
        return identify(request, world)

    def required(self, spec: RouteSpec, world: World) -> Role:
        return Role.ANYBODY

    def security(self, spec: RouteSpec, context: DocContext) -> Security:
        if context.admin_gated and not spec.public:
            return [{"adminToken": []}]
        return [{}]

    def describe(self, spec: RouteSpec, context: DocContext) -> str:
        return "admin"


AUTH = AdminAuth()
