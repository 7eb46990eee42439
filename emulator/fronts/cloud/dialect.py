"""How the cloud refuses: the EV services' envelope under ``/service/``, a
``{"message"}`` object elsewhere (login, app-api, Entrez), always JSON."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..context import EMULATOR_KEY
from ..errors import JsonErrors, json_answer
from ..routing import RouteSpec
from ..surface import DocContext
from .payloads import CloudError, service_error
from .replies import HEADERS, json_reply

SERVICE = "/service/"
ANSWERING: ContextVar[tuple[str, float]] = ContextVar("cloud_answering", default=("", 0.0))
"""(path, model time) of the request this task answers, set by the cloud's guard, so that
a refusal built without the request (a fault rule's) still takes the family's shape."""
MESSAGE = {"type": "object", "properties": {"message": {"type": "string"}}}
ENVELOPE = {
    "type": "object",
    "required": ["meta", "data", "error"],
    "properties": {
        "meta": {"type": "object"},
        "data": {"nullable": True, "description": "Always null on an error."},
        "error": {
            "type": "object",
            "properties": {
                "displayMessage": {"type": "string"},
                "code": {"type": "string"},
                "errorMessageCode": {"type": "string", "nullable": True},
            },
        },
    },
}


def refuse(
    path: str, status: int, message: str, t: float, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A refusal in the family's shape: the envelope for EV services, else a message."""
    if path.startswith(SERVICE):
        body: dict[str, Any] = service_error(CloudError(status, None, message), t)
    else:
        body = {"message": message}
    response = json_reply(body, status)
    if headers:
        response.headers.update(headers)
    return response


@dataclass(frozen=True)
class CloudErrors(JsonErrors):
    """Refusals in the family's shape: the request's path picks it (``refusal`` has no
    request: it reads the path the guard noted in :data:`ANSWERING`)."""

    def refusal(
        self,
        status: int,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        path, t = ANSWERING.get()
        return refuse(path, status, message, t, headers)

    def not_found(self, request: web.Request) -> web.Response:
        t = request.app[EMULATOR_KEY].world.model_t
        return refuse(request.path, 404, f"no such path: {request.path}", t)

    def unauthorized(self, request: web.Request) -> web.Response:
        t = request.app[EMULATOR_KEY].world.model_t
        message = "Not Authorized" if request.path.startswith(SERVICE) else "Not logged in"
        return refuse(request.path, 401, message, t)

    def documented(self, spec: RouteSpec, context: DocContext) -> dict[str, Any]:
        shape = ENVELOPE if spec.path.startswith(SERVICE) else MESSAGE
        out = {
            "400": json_answer(shape, "The request is malformed."),
            "404": json_answer(shape, "No such site, charger or path."),
        }
        if spec.min_role:
            out["401"] = json_answer(shape, "No live login session (cookie, e-auth-token, Bearer).")
            out["403"] = json_answer(shape, "The account has no access to this site.")
        return out


DIALECT = CloudErrors(HEADERS)
