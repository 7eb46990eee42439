"""Every failure becomes an answer in the surface's dialect: aiohttp's 404/405/413, the
model's refusals (400/404/409), and bugs (a 500 that says so, logged with its trace)."""

from __future__ import annotations

import logging

from aiohttp import web

from ...model.errors import ModelError, Refusal
from ..call import Call
from ..surface import Next
from .body_limit import client_gone

log = logging.getLogger("emulator.requests")

STATUS_OF = {Refusal.INVALID: 400, Refusal.NOT_FOUND: 404, Refusal.CONFLICT: 409}


async def map_errors(call: Call, next: Next) -> web.StreamResponse:
    request = call.request
    dialect = call.surface.dialect
    try:
        return await next(call)
    except web.HTTPMethodNotAllowed as exc:
        allowed = ", ".join(sorted(exc.allowed_methods))
        return dialect.refusal(
            405,
            f"{request.method} is not allowed on {request.path}; use {allowed}",
            headers={"Allow": allowed},
        )
    except web.HTTPNotFound:
        return dialect.not_found(request)
    except web.HTTPException as exc:
        return dialect.refusal(exc.status, exc.reason or "request refused")
    except ModelError as exc:
        return dialect.refusal(STATUS_OF[exc.kind], exc.message, exc.field)
    except ConnectionResetError as exc:  # the client left while a handler read from it
        return client_gone(request, exc)
    except Exception as exc:  # a bug: say so in the dialect rather than aiohttp's text page
        log.exception("unhandled error on %s %s", request.method, request.path)
        return dialect.refusal(500, f"emulator bug ({type(exc).__name__}); please report it")
