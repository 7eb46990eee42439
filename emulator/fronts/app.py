"""The aiohttp application for one listener: the routes of its surfaces, and one entry
middleware that sends each request along its surface's way.

A request's way (built once per route, here; a request only looks its route up): the
surface's middlewares (outermost first), then the guards (the body limit first), then the
handler; once the answer is decided, the surface's observers see it. A request no route
matches (a 404 or 405) goes the same way through the surface that claims its path and
host, with the body limit as its only guard, so it is answered, journaled and logged in
that surface's dialect.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute

from ..runtime import Emulator
from .call import CALL_KEY, Call
from .context import EMULATOR_KEY, SPECS_KEY, SURFACES_KEY
from .dashboard.live import close_streams
from .middleware.body_limit import MAX_BODY, limit_body
from .registry import main_surfaces
from .routing import Handler, RouteSpec
from .surface import Guard, Middleware, Next, Surface, claimant

__all__ = ["MAX_BODY", "make_app", "way"]


@dataclass(frozen=True, slots=True)
class Entry:
    spec: RouteSpec
    surface: Surface
    way: Next


ENTRIES_KEY: web.AppKey[dict[AbstractRoute, Entry]] = web.AppKey("entries", dict)


def way(middlewares: Iterable[Middleware], guards: Sequence[Guard], handler: Handler) -> Next:
    """``handler`` behind ``guards``, wrapped in ``middlewares`` (the first outermost)."""
    checks = tuple(guards)

    async def guarded(call: Call) -> web.StreamResponse:
        for guard in checks:
            refused = guard(call)
            if refused is not None:
                if not isinstance(refused, web.StreamResponse):
                    refused = await refused  # a guard that had to wait
                    if refused is None:
                        continue
                return refused
        return await handler(call.request)

    outer: Next = guarded
    for middleware in reversed(tuple(middlewares)):
        outer = partial(middleware, next=outer)
    return outer


@web.middleware
async def enter(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    app = request.app
    entry = app[ENTRIES_KEY].get(request.match_info.route)
    if entry is not None:
        surface = entry.surface
        call = Call(request, app[EMULATOR_KEY], surface, entry.spec, started)
        run = entry.way
    else:
        surfaces: tuple[Surface, ...] = app[SURFACES_KEY]
        surface = claimant(surfaces, request.path, request.url.host)
        call = Call(request, app[EMULATOR_KEY], surface, None, started)
        run = way(surface.middlewares, (limit_body,), handler)  # the 404 or 405
    request[CALL_KEY] = call
    response = await run(call)
    for observer in surface.observers:
        observer(call, response)
    return response


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
        guarded = way(surface.middlewares, (limit_body, *surface.guards), spec.handler)
        entries[route] = Entry(spec, surface, guarded)
