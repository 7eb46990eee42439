"""One log line per request: ``METHOD PATH role=ROLE STATUS 1.2ms`` on
``emulator.requests``, unless the server runs quiet."""

from __future__ import annotations

import logging
import time

from aiohttp import web

from ...model.roles import Role
from ..context import EMULATOR_KEY, ROLE_KEY, STARTED_KEY
from ..routing import Handler

log = logging.getLogger("emulator.requests")


async def log_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if request.app[EMULATOR_KEY].settings.log_requests:
        log.info(
            "%s %s role=%s %s %.1fms",
            request.method,
            request.path,
            request.get(ROLE_KEY, Role.ANYBODY).label,
            response.status,
            (time.perf_counter() - request[STARTED_KEY]) * 1000,
        )
    return response
