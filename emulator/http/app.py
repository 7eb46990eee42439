"""The aiohttp application: the route table plus one middleware that applies the gateway's
rules (auth policy, headers, error bodies) around every handler."""

from __future__ import annotations

import hmac
import logging
import time

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute

from ..model.errors import ModelError, Refusal
from ..roles import Role
from ..runtime import Emulator
from . import admin_routes, ev_routes, gateway_routes, journal_routes, openapi, scenario_routes
from .context import EMULATOR_KEY, ROLE_KEY, bearer_token
from .responses import SERVER, error_response, ivp_not_found, unauthorized
from .table import ADMIN, RouteSpec, required_role

log = logging.getLogger("emulator.requests")

ROUTE_TABLE: tuple[RouteSpec, ...] = (
    *gateway_routes.ROUTES,
    *ev_routes.ROUTES,
    *admin_routes.ROUTES,
    *scenario_routes.ROUTES,
    *journal_routes.ROUTES,
    *openapi.ROUTES,
)
SPECS_KEY: web.AppKey[dict[AbstractRoute, RouteSpec]] = web.AppKey("specs", dict)
STATUS_OF = {Refusal.INVALID: 400, Refusal.NOT_FOUND: 404, Refusal.CONFLICT: 409}
ADMIN_HEADER = "X-Emulator-Admin-Token"
MAX_BODY = 1024 * 1024


def preflight(allow: str):  # type: ignore[no-untyped-def]
    """[COMM] OPTIONS on an EV route answers 204 without auth."""

    async def options(request: web.Request) -> web.Response:
        return web.Response(status=204, headers={"Allow": allow, "Server": SERVER})

    return options


def admin_allowed(request: web.Request, emulator: Emulator, spec: RouteSpec) -> bool:
    expected = emulator.settings.admin_token
    if not expected or spec.name in ("health", "ca"):
        return True
    given = request.headers.get(ADMIN_HEADER, "")
    return hmac.compare_digest(given.encode(), expected.encode())


async def dispatch(request: web.Request, handler, emulator: Emulator) -> web.StreamResponse:  # type: ignore[no-untyped-def]
    spec = request.app[SPECS_KEY].get(request.match_info.route)
    if spec is None:  # unmatched path or method: let aiohttp say which, then answer in JSON
        return await handler(request)
    world = emulator.world
    world.sync()
    if spec.min_role == ADMIN and not admin_allowed(request, emulator, spec):
        return error_response(
            401, f"the admin API needs the {ADMIN_HEADER} header (the server's --admin-token)"
        )
    bearer = bearer_token(request)  # a Bearer header wins: the cookie is not even parsed
    caller = world.auth.identify(bearer, None if bearer else request.cookies.get("sessionId"))
    request[ROLE_KEY] = caller.role
    if caller.role < required_role(spec, world.gateway.ev_min_role):
        return unauthorized()
    injected = await emulator.faults.intercept(request, caller.role, world)
    if injected is not None:
        return injected
    try:
        return await handler(request)
    except ModelError as exc:
        return error_response(STATUS_OF[exc.kind], exc.message, exc.field)


@web.middleware
async def gateway_rules(request: web.Request, handler) -> web.StreamResponse:  # type: ignore[no-untyped-def]
    emulator = request.app[EMULATOR_KEY]
    started = time.perf_counter()
    try:
        response = await dispatch(request, handler, emulator)
    except web.HTTPMethodNotAllowed as exc:
        allowed = ", ".join(sorted(exc.allowed_methods))
        response = error_response(
            405,
            f"{request.method} is not allowed on {request.path}; use {allowed}",
            headers={"Allow": allowed},
        )
    except web.HTTPNotFound:
        if request.path.startswith("/ivp/"):
            response = ivp_not_found()
        else:
            response = error_response(404, f"no such path: {request.path}")
    except web.HTTPException as exc:
        response = error_response(exc.status, exc.reason or "request refused")
    except ModelError as exc:
        response = error_response(STATUS_OF[exc.kind], exc.message, exc.field)
    except Exception as exc:  # a bug: say so in JSON rather than aiohttp's text page
        log.exception("unhandled error on %s %s", request.method, request.path)
        response = error_response(500, f"emulator bug ({type(exc).__name__}); please report it")
    role = request.get(ROLE_KEY, Role.ANYBODY)
    elapsed = (time.perf_counter() - started) * 1000
    await emulator.journal.record(request, response, role, emulator.world.model_t, elapsed)
    if emulator.settings.log_requests:
        log.info(
            "%s %s role=%s %s %.1fms",
            request.method,
            request.path,
            role.label,
            response.status,
            elapsed,
        )
    return response


def make_app(emulator: Emulator) -> web.Application:
    app = web.Application(middlewares=[gateway_rules], client_max_size=MAX_BODY)
    app[EMULATOR_KEY] = emulator
    specs: dict[AbstractRoute, RouteSpec] = {}
    ev_paths: dict[str, list[str]] = {}
    for spec in ROUTE_TABLE:
        specs[app.router.add_route(spec.method, spec.path, spec.handler)] = spec
        if spec.is_ev:
            ev_paths.setdefault(spec.path, []).append(spec.method)
    for path, methods in ev_paths.items():
        allow = ", ".join(sorted({*methods, "OPTIONS"}))
        handler = preflight(allow)
        route = app.router.add_route("OPTIONS", path, handler)
        specs[route] = RouteSpec(
            "OPTIONS",
            path,
            handler,
            Role.ANYBODY,
            "options",
            "observed",
            f"Preflight: 204, Allow: {allow}",
        )
    app[SPECS_KEY] = specs
    return app
