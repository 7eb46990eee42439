"""Every request's body is held to :data:`MAX_BODY` before any handler runs, whether the
handler reads its body or not: a Content-Length above it is refused unread, a streamed
(chunked) body is read up to it, within :data:`BODY_TIMEOUT_S`. The refusal is a 413
naming the limit, in the surface's dialect. A client that goes away in the middle of its
body gets no answer; the journal and the log record :data:`CLIENT_GONE` (the client's
doing, never a 500)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from ..call import Call
from ..surface import GuardResult

log = logging.getLogger("emulator.requests")

MAX_BODY = 1024 * 1024
"""The largest request body any route accepts (1 MiB), documented in docs/limits.md."""
TOO_LARGE = f"the request body is larger than the server accepts: at most {MAX_BODY} bytes (1 MiB)"
BODY_TIMEOUT_S = 30.0
"""A body must arrive within this many seconds of the headers; slower: 408."""
CLIENT_GONE = 499
"""nginx's "client closed request": what the journal records for a body cut short."""


def limit_body(call: Call) -> GuardResult:
    request = call.request
    length = request.content_length
    if length is not None and length > MAX_BODY:
        refusal = call.surface.dialect.refusal(413, TOO_LARGE, headers={"Connection": "close"})
        return unread(request, refusal)
    if request.body_exists:
        return _read_body(call)
    return None


async def _read_body(call: Call) -> web.StreamResponse | None:
    request = call.request
    dialect = call.surface.dialect
    try:
        async with asyncio.timeout(BODY_TIMEOUT_S):
            # kept for the journal; cached, so the handler's read() gets these bytes
            call.body = await request.read()
    except TimeoutError:
        message = f"the request body did not arrive within {BODY_TIMEOUT_S:g} s"
        return unread(request, dialect.refusal(408, message, headers={"Connection": "close"}))
    except web.HTTPRequestEntityTooLarge:
        return unread(request, dialect.refusal(413, TOO_LARGE, headers={"Connection": "close"}))
    except OSError as exc:  # ConnectionResetError and kin: the client went away
        return client_gone(request, exc)
    except HttpProcessingError as exc:  # a broken chunked encoding, a short body
        return dialect.refusal(400, f"the request body is malformed: {exc.message}")
    return None


def unread(request: web.Request, refusal: web.Response) -> web.Response:
    """Refuse without the rest of the body: whoever reads it later (the journal) gets an
    error at once instead of waiting for bytes the client may never send; the connection
    closes after the answer."""
    # a TimeoutError: aiohttp's lingering read of an unread body stops on it quietly
    request.content.set_exception(TimeoutError("the body was refused unread"))
    return refusal


def client_gone(request: web.Request, exc: BaseException) -> web.Response:
    """No one to answer: a quiet log line, and :data:`CLIENT_GONE` for the journal."""
    log.debug("client left during %s %s: %r", request.method, request.path, exc)
    return web.Response(status=CLIENT_GONE)
