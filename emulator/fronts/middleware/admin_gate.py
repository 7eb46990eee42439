"""The admin API's gate: when the server has an admin token, every admin route but the
public ones (health, the CA) needs it in ``X-Emulator-Admin-Token``; and, token or not,
a state-changing request a browser page on another site sent is refused
(:mod:`.cross_site`)."""

from __future__ import annotations

import hmac

from aiohttp import web

from ..context import EMULATOR_KEY, SPEC_KEY, SURFACE_KEY
from ..routing import Handler
from .cross_site import cross_site_refusal

ADMIN_HEADER = "X-Emulator-Admin-Token"
REFUSAL = f"the admin API needs the {ADMIN_HEADER} header (the server's --admin-token)"


def admin_allowed(request: web.Request, expected: str | None) -> bool:
    if not expected or request[SPEC_KEY].public:
        return True
    given = request.headers.get(ADMIN_HEADER, "")
    # aiohttp hands undecodable header bytes over as surrogates: compare the raw bytes
    return hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
    )


async def admin_gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    dialect = request[SURFACE_KEY].dialect
    refused = cross_site_refusal(request)
    if refused is not None:
        return dialect.refusal(*refused)
    if admin_allowed(request, request.app[EMULATOR_KEY].settings.admin_token):
        return await handler(request)
    return dialect.refusal(401, REFUSAL)
