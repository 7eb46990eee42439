"""How the gateway refuses: JSON errors, except where a real gateway was observed to answer
otherwise (the HTML 401 page, the ``/ivp`` 404 body)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..errors import ERROR, JsonErrors, json_answer
from ..routing import RouteSpec
from ..schemas import Component
from ..surface import DocContext
from .responses import GATEWAY_HEADERS, ivp_not_found, unauthorized

IVP = "/ivp/"
IVP_NOT_FOUND = Component(
    "IvpNotFound",
    {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string", "example": "404 - Not Found"}},
        "description": "[OBS] the gateway's body for an unknown /ivp/ path.",
    },
)


@dataclass(frozen=True)
class GatewayErrors(JsonErrors):
    def not_found(self, request: web.Request) -> web.Response:
        if request.path.startswith(IVP):
            return ivp_not_found()
        return super().not_found(request)

    def unauthorized(self, request: web.Request) -> web.Response:
        return unauthorized()

    def documented(self, spec: RouteSpec, context: DocContext) -> dict[str, Any]:
        out = super().documented(spec, context)
        if spec.path.startswith(IVP):
            out["404"] = json_answer(
                {"anyOf": [ERROR, IVP_NOT_FOUND]},
                "No such charger (or, under /ivp/, no such path).",
            )
        if "401" in out:
            out["401"] = {
                "description": "[OBS] the gateway's 401: an HTML page, no WWW-Authenticate header.",
                "content": {"text/html": {}},
            }
        return out


DIALECT = GatewayErrors(GATEWAY_HEADERS)
