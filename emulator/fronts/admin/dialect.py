"""The admin API's refusals: plain JSON errors; a 401 only from the admin gate, and the
cross-site refusals (403, 415) of state-changing routes (docs/security.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ERROR, JsonErrors, json_answer
from ..middleware.admin_gate import ADMIN_HEADER, REFUSAL
from ..middleware.cross_site import JSON, SAFE_METHODS
from ..routing import RouteSpec
from ..surface import DocContext
from .replies import HEADERS


@dataclass(frozen=True)
class AdminErrors(JsonErrors):
    def documented(self, spec: RouteSpec, context: DocContext) -> dict[str, Any]:
        out = super().documented(spec, context)
        if spec.method not in SAFE_METHODS:
            out["403"] = json_answer(
                ERROR, "Sent by a page of another origin (Origin, Sec-Fetch-Site): refused."
            )
            if spec.body_media == JSON:
                out["415"] = json_answer(ERROR, "A body sent as text/plain or a form, not JSON.")
        return dict(sorted(out.items()))


DIALECT = AdminErrors(
    HEADERS,
    unauthorized_message=REFUSAL,
    unauthorized_doc=f"The admin API needs the {ADMIN_HEADER} header.",
)
