"""The admin API's gate: when the server has an admin token, every admin route but the
public ones (health, the CA) needs it in ``X-Emulator-Admin-Token``."""

from __future__ import annotations

import hmac

from aiohttp import web

from ..context import EMULATOR_KEY, SPEC_KEY, SURFACE_KEY
from ..routing import Handler

ADMIN_HEADER = "X-Emulator-Admin-Token"
REFUSAL = f"the admin API needs the {ADMIN_HEADER} header (the server's --admin-token)"


def admin_allowed(request: web.Request, expected: str | None) -> bool:
    if not expected or request[SPEC_KEY].public:
        return True
    given = request.headers.get(ADMIN_HEADER, "")
    return hmac.compare_digest(given.encode(), expected.encode())


async def admin_gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    if admin_allowed(request, request.app[EMULATOR_KEY].settings.admin_token):
        return await handler(request)
    return request[SURFACE_KEY].dialect.refusal(401, REFUSAL)
