"""The aiohttp application for one listener: the routes of its surfaces, and one entry
middleware that sends each request through its surface's own middlewares.

Each route's chain (the surface's middlewares, then its guards, then the handler) is built
once, here; a request only looks its route up. A request no route matches (a 404 or 405)
goes through the middlewares of the surface that claims its path and host, so it is
answered, journaled and logged in that surface's dialect.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute

from ..runtime import Emulator
from .context import (
    EMULATOR_KEY,
    SPEC_KEY,
    SPECS_KEY,
    STARTED_KEY,
    SURFACE_KEY,
    SURFACES_KEY,
)
from .dashboard.live import close_streams
from .middleware.body_limit import MAX_BODY, limit_body
from .registry import main_surfaces
from .routing import Handler, RouteSpec
from .surface import Middleware, Surface, claimant

__all__ = ["MAX_BODY", "chain", "make_app"]


@dataclass(frozen=True, slots=True)
class Entry:
    spec: RouteSpec
    surface: Surface
    chain: Handler


ENTRIES_KEY: web.AppKey[dict[AbstractRoute, Entry]] = web.AppKey("entries", dict)


def chain(middlewares: Iterable[Middleware], handler: Handler) -> Handler:
    """``handler`` wrapped in ``middlewares``, the first outermost."""
    for middleware in reversed(tuple(middlewares)):
        handler = partial(middleware, handler=handler)
    return handler


@web.middleware
async def enter(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[STARTED_KEY] = time.perf_counter()
    entry = request.app[ENTRIES_KEY].get(request.match_info.route)
    if entry is not None:
        request[SPEC_KEY] = entry.spec
        request[SURFACE_KEY] = entry.surface
        return await entry.chain(request)
    surfaces: tuple[Surface, ...] = request.app[SURFACES_KEY]
    surface = claimant(surfaces, request.path, request.url.host)
    request[SURFACE_KEY] = surface
    return await chain((*surface.middlewares, limit_body), handler)(request)


def make_app(emulator: Emulator, surfaces: Sequence[Surface] | None = None) -> web.Application:
    """An application serving ``surfaces`` (default: the gateway and the admin API). A
    surface bound to host names is served only for those hosts."""
    listed = tuple(main_surfaces() if surfaces is None else surfaces)
    if not listed:
        raise ValueError("an application needs at least one surface")
    app = web.Application(middlewares=[enter], client_max_size=MAX_BODY)
    app[EMULATOR_KEY] = emulator
    app[SURFACES_KEY] = listed
    entries: dict[AbstractRoute, Entry] = {}
    for surface in listed:
        if not surface.hosts:
            _add_routes(app.router, surface, entries)
        for host in sorted(surface.hosts):  # a sub-application per host name
            sub = web.Application()
            _add_routes(sub.router, surface, entries)
            app.add_domain(host, sub)
    app[ENTRIES_KEY] = entries
    app.on_shutdown.append(close_streams)  # the dashboard's live streams end first
    app[SPECS_KEY] = {route: entry.spec for route, entry in entries.items()}
    return app


def _add_routes(
    router: web.UrlDispatcher, surface: Surface, entries: dict[AbstractRoute, Entry]
) -> None:
    for spec in surface.served():
        route = router.add_route(spec.method, spec.path, spec.handler)
        # the body limit holds for every route, before its guards and its handler
        guarded = chain((*surface.middlewares, limit_body, *surface.guards), spec.handler)
        entries[route] = Entry(spec, surface, guarded)
