"""The dashboard's refusals: the admin API's JSON errors, plus the live stream's own two
(406 without ``Accept: text/event-stream``, 429 when too many streams are open)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..admin.dialect import DIALECT as ADMIN_DIALECT
from ..errors import ERROR, JsonErrors, json_answer
from ..routing import RouteSpec
from ..surface import DocContext

STREAM = "text/event-stream"


@dataclass(frozen=True)
class DashboardErrors:
    base: JsonErrors = ADMIN_DIALECT

    def refusal(
        self,
        status: int,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        return self.base.refusal(status, message, field, headers)

    def not_found(self, request: web.Request) -> web.Response:
        return self.base.not_found(request)

    def unauthorized(self, request: web.Request) -> web.Response:
        return self.base.unauthorized(request)

    def documented(self, spec: RouteSpec, context: DocContext) -> dict[str, Any]:
        out = self.base.documented(spec, context)
        if spec.media == STREAM:
            out["406"] = json_answer(ERROR, f"The request did not accept {STREAM}.")
            out["429"] = json_answer(ERROR, "Too many live streams are open.")
        return out


DIALECT = DashboardErrors()
