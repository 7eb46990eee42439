"""The plain JSON error dialect: every refusal is ``{"error": {"code", "message",
"field"?}}``. The admin API speaks it as is; other surfaces extend it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..model.roles import Role
from .bodies import error_body, json_response
from .routing import RouteSpec
from .schemas import Component, Schema, obj
from .surface import DocContext

ERROR = Component(
    "Error",
    obj(
        ["error"],
        error=obj(
            ["code", "message"],
            code={"type": "integer"},
            message={"type": "string"},
            field={"type": "string"},
        ),
    ),
)
MAX_BODY_TEXT = "1 MiB"


def json_answer(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def may_refuse_caller(spec: RouteSpec) -> bool:
    """Whether the route can answer 401: it needs a role, or its handler checks a token."""
    if spec.method == "OPTIONS" or spec.public:
        return False
    return spec.min_role != Role.ANYBODY or bool(spec.handler_auth)


@dataclass(frozen=True)
class JsonErrors:
    headers: Mapping[str, str]
    unauthorized_message: str = "this route needs other credentials"
    unauthorized_doc: str = "The caller's credentials do not reach the route's minimum role."

    def refusal(
        self,
        status: int,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        all_headers = {**self.headers, **headers} if headers else self.headers
        return json_response(error_body(status, message, field), status, all_headers)

    def not_found(self, request: web.Request) -> web.Response:
        return self.refusal(404, f"no such path: {request.path}")

    def unauthorized(self, request: web.Request) -> web.Response:
        return self.refusal(401, self.unauthorized_message)

    def documented(self, spec: RouteSpec, context: DocContext) -> dict[str, Any]:
        out = {"400": json_answer(ERROR, self.described(400))}
        if may_refuse_caller(spec):
            out["401"] = json_answer(ERROR, self.unauthorized_doc)
        out["404"] = json_answer(ERROR, self.described(404))
        out["405"] = {
            **json_answer(ERROR, self.described(405)),
            "headers": {"Allow": {"schema": {"type": "string"}}},
        }
        out["409"] = json_answer(ERROR, self.described(409))
        if spec.has_body:
            out["413"] = json_answer(ERROR, self.described(413))
        return out

    @staticmethod
    def described(status: int) -> str:
        return {
            400: "The request is malformed or a field is invalid ('field' names it).",
            404: "No such charger or path.",
            405: "Wrong method for this path; the Allow header lists the right ones.",
            409: "Right request, wrong moment (e.g. no car plugged in).",
            413: f"The body is larger than the server accepts ({MAX_BODY_TEXT}).",
        }[status]
