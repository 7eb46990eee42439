"""The admin API's gate: when the server has an admin token, every admin route but the
public ones (health, the CA) needs it in ``X-Emulator-Admin-Token``; and, token or not,
a state-changing request a browser page on another site sent is refused
(:mod:`.cross_site`)."""

from __future__ import annotations

import hmac

from aiohttp import web

from ..call import Call
from ..routing import RouteSpec
from .cross_site import cross_site_refusal

ADMIN_HEADER = "X-Emulator-Admin-Token"
REFUSAL = f"the admin API needs the {ADMIN_HEADER} header (the server's --admin-token)"


def admin_allowed(request: web.Request, spec: RouteSpec | None, expected: str | None) -> bool:
    if not expected or (spec is not None and spec.public):
        return True
    given = request.headers.get(ADMIN_HEADER, "")
    # aiohttp hands undecodable header bytes over as surrogates: compare the raw bytes
    return hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
    )


def admin_gate(call: Call) -> web.StreamResponse | None:
    request = call.request
    dialect = call.surface.dialect
    refused = cross_site_refusal(request, call.spec)
    if refused is not None:
        return dialect.refusal(*refused)
    if admin_allowed(request, call.spec, call.emulator.settings.admin_token):
        return None
    return dialect.refusal(401, REFUSAL)
