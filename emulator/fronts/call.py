"""One request on its way through a surface: what dispatch knows (the emulator, the
surface, the matched route, when it arrived) and what the guards learn (the caller's role,
the credentials, why a 401 was given, the body), for the handler's neighbours to share.

One plain slotted object per request, read by attribute: the middlewares, guards and
observers of :mod:`.middleware` pass it along instead of storing each fact in the
request's own mapping. Handlers keep aiohttp's ``request`` (``request[CALL_KEY]`` holds
the call when they need it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from ..model.roles import Role

if TYPE_CHECKING:
    from ..model.auth import Denied
    from ..runtime import Emulator
    from .routing import RouteSpec
    from .surface import Surface


class Call:
    __slots__ = (
        "body",
        "credentials",
        "denied",
        "emulator",
        "request",
        "role",
        "spec",
        "started",
        "surface",
    )

    def __init__(
        self,
        request: web.Request,
        emulator: Emulator,
        surface: Surface,
        spec: RouteSpec | None,
        started: float,
    ) -> None:
        self.request = request
        self.emulator = emulator
        self.surface = surface
        self.spec = spec
        """The matched route; None when no route matched (a 404 or 405 on its way)."""
        self.started = started
        """``time.perf_counter()`` when the request reached the application."""
        self.role = Role.ANYBODY
        """The role the caller was recognised with (set by the auth guard)."""
        self.credentials: str | None = None
        """What the client sent, as the auth rules judged it: ``bearer``, ``cookie`` or
        ``none``; None when no auth guard ran (the journal then reads the headers)."""
        self.denied: Denied | None = None
        """Why the request was refused with a 401 (the client sees only the dialect's
        page)."""
        self.body: bytes | None = None
        """The request body, once the body limit has read it (None: none, or refused)."""


CALL_KEY: web.RequestKey[Call] = web.RequestKey("call", Call)
"""The request's :class:`Call`, for handlers that need the surface or the route."""
