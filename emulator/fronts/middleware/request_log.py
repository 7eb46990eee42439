"""One log line per request: ``METHOD PATH role=ROLE STATUS 1.2ms`` on
``emulator.requests`` (a refused one ends ``reason=expired``), unless the server runs
quiet."""

from __future__ import annotations

import logging
import time

from aiohttp import web

from ...model.roles import Role
from ..context import EMULATOR_KEY, ROLE_KEY, STARTED_KEY
from ..routing import Handler
from .auth import DENIED_KEY

log = logging.getLogger("emulator.requests")


async def log_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if request.app[EMULATOR_KEY].settings.log_requests:
        denied = request.get(DENIED_KEY)
        log.info(
            "%s %s role=%s %s %.1fms%s",
            request.method,
            request.path,
            request.get(ROLE_KEY, Role.ANYBODY).label,
            response.status,
            (time.perf_counter() - request[STARTED_KEY]) * 1000,
            "" if denied is None else f" reason={denied.reason.value}",
        )
    return response
