"""One log line per request: ``METHOD PATH role=ROLE STATUS 1.2ms`` on
``emulator.requests`` (a refused one ends ``reason=expired``), unless the server runs
quiet."""

from __future__ import annotations

import logging
import time

from aiohttp import web

from ..call import Call

log = logging.getLogger("emulator.requests")


def log_requests(call: Call, response: web.StreamResponse) -> None:
    if call.emulator.settings.log_requests:
        request = call.request
        denied = call.denied
        log.info(
            "%s %s role=%s %s %.1fms%s",
            request.method,
            request.path,
            call.role.label,
            response.status,
            (time.perf_counter() - call.started) * 1000,
            "" if denied is None else f" reason={denied.reason.value}",
        )
