"""Bounds on connections, so a misbehaving client cannot pin the listener's descriptors.

* :data:`IDLE_TIMEOUT_S`: a connection that has not completed a request's headers this
  long after it opened, or after its last answer, is closed (aiohttp's keep-alive timer,
  armed from the connection's start: it is the header read timeout too). A client that
  trickles a header byte every so often is closed when the timer fires.
* :data:`MAX_CONNECTIONS`: a listener holds at most this many connections; one more is
  closed as soon as its TLS handshake ends, before it can send anything.
* The TLS handshake itself has asyncio's 60 s timeout; a body, :data:`..middleware.
  body_limit.BODY_TIMEOUT_S`.

Documented in docs/limits.md.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

log = logging.getLogger("emulator.server")

IDLE_TIMEOUT_S = 30.0
MAX_CONNECTIONS = 256


def limit_connections(server: web.Server, limit: int) -> None:
    """Make ``server`` close each connection past its ``limit``-th at once."""
    admit = server.connection_made

    def connection_made(handler: RequestHandler, transport: asyncio.Transport) -> None:
        admit(handler, transport)
        if len(server.connections) > limit:
            log.debug("connection refused: %d open (limit %d)", len(server.connections), limit)
            handler.force_close()
            transport.close()

    server.connection_made = connection_made  # type: ignore[method-assign]
