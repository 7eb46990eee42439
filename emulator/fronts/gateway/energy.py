"""The gateway's energy routes (production, meters, inverters, tariff, /home): thin
handlers that read the world's :class:`EnergyView`, let a scenario override the body by
route name, and answer with the headers and layout captured per route (see
``energy_payloads.ROUTES`` and docs/energy.md)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import hdrs, web
from multidict import CIMultiDict

from ...model.roles import Role
from ...model.world import World
from ..context import emulator_of, world_of
from ..routing import Param, RouteSpec
from ..schemas import enum
from .energy_names import ROUTE_NAMES
from .responses import NAME, SERVER, ivp_not_found

if TYPE_CHECKING:
    from types import ModuleType

    from ...model.energy_view import EnergyView


def _ep() -> ModuleType:
    """The body builders, loaded on the first energy request (start-up stays as fast as
    before the energy routes existed)."""
    from . import energy_payloads

    return energy_payloads


SECURITY_HEADERS = (
    ("Strict-Transport-Security", "max-age=63072000; includeSubdomains"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
)
Build = Callable[[World, "EnergyView", web.Request], Any]


class _Untyped(web.Response):
    """A response with no Content-Type at all, as the gateway sends on /ivp/* [OBS]:
    aiohttp adds ``application/octet-stream`` to any non-empty body, so drop it again
    once the headers are prepared (before they are written)."""

    async def _prepare_headers(self) -> None:
        await super()._prepare_headers()
        self.headers.popall(hdrs.CONTENT_TYPE, None)


def shaped(request: web.Request, path: str, name: str, body: Any) -> web.Response:
    """The scenario's body for ``name`` (else ``body``), laid out and headed as the real
    gateway answers ``path``: no Content-Type where it sent none, chunked where it was.
    A plain Response, so the journal keeps the body like any other answer's."""
    emulator = emulator_of(request)
    ep = _ep()
    shape = ep.ROUTES[path]
    payload = ep.encode(emulator.overrides.body(emulator.world, name, None, body), shape.style)
    headers = [("Server", SERVER), *shape.extra_headers(), ("Connection", "keep-alive")]
    response = (web.Response if shape.content_type else _Untyped)(
        body=payload, headers=CIMultiDict([*headers, *SECURITY_HEADERS])
    )
    if shape.chunked:
        response.enable_chunked_encoding()
    return response


def _energy_route(path: str, name: str, build: Build) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        world = world_of(request)
        return shaped(request, path, name, build(world, world.energy_view(), request))

    handler.__name__ = name
    return handler


def _details(request: web.Request) -> bool:
    """``?details=1`` adds per-phase lines; any other value (or none) does not."""
    return request.query.get("details", "") == "1"


def _tariff(world: World, view: EnergyView, request: web.Request) -> Any:
    site = world.site
    return _ep().admin_lib_tariff(site.currency, site.tariff_per_kwh, int(world.started_at))


def gateway_mac(serial: str) -> str:
    """[DESIGN] Enphase's OUI (00:1D:C0) and three bytes from the serial: same serial,
    same MAC."""
    digest = hashlib.sha256(f"mac:{serial}".encode()).digest()
    return ":".join(f"{b:02X}" for b in (0x00, 0x1D, 0xC0, *digest[:3]))


def gateway_ip(serial: str) -> str:
    """[DESIGN] A private address from the serial (192.168.1.2-254)."""
    digest = hashlib.sha256(f"ip:{serial}".encode()).digest()
    return f"192.168.1.{2 + digest[0] % 253}"


def home_body(world: World, view: EnergyView, request: web.Request) -> Any:
    gw = world.gateway
    ep = _ep()
    identity = ep.HomeIdentity(
        gw.time_zone, gateway_mac(gw.serial), gateway_ip(gw.serial), gw.build_time_gmt
    )
    return ep.home(view, identity)


async def device_data(request: web.Request) -> web.Response:
    """Not on 7.6.175 (captured on 8.2.4345 and later only): the /ivp/ 404."""
    return ivp_not_found()


def _route(path: str, build: Build, summary: str, **more: Any) -> RouteSpec:
    """Owners and installers read it (7.6.175); the body's shape was captured."""
    name = ROUTE_NAMES[path]
    return RouteSpec(
        "GET",
        path,
        _energy_route(path, name, build),
        Role.OWNER,
        name,
        "observed",
        summary,
        surface=NAME,
        tags=("energy",),
        **more,
    )


HOME = _route("/home", home_body, "Time zone, network interfaces, device counts.")
ROUTES = (
    _route(
        "/production.json",
        lambda w, v, r: _ep().production_json(v, details=_details(r)),
        "Production (inverters, production CT) and consumption (total, net).",
        params=(
            Param(
                "details", "1: per-phase `lines` in every eim segment", "query", enum(["1"]), "1"
            ),
        ),
    ),
    _route(
        "/production",
        lambda w, v, r: _ep().production(v),
        "Same body as /production.json, never with lines (JSON on 7.x).",
    ),
    _route(
        "/api/v1/production",
        lambda w, v, r: _ep().api_v1_production(v),
        "Production today, last seven days, lifetime, now (whole Wh and W).",
    ),
    _route(
        "/api/v1/production/inverters",
        lambda w, v, r: _ep().api_v1_production_inverters(v),
        "Each microinverter's last report.",
    ),
    _route(
        "/ivp/meters",
        lambda w, v, r: _ep().ivp_meters(v),
        "The CTs: eid, state, type, phases ([] on a standard gateway); JSON, no Content-Type.",
        media="",
    ),
    _route(
        "/ivp/meters/readings",
        lambda w, v, r: _ep().ivp_meters_readings(v),
        "Each CT's readings, per channel (phase); JSON sent with no Content-Type.",
        media="",
    ),
    _route(
        "/ivp/ensemble/inventory",
        lambda w, v, r: _ep().ensemble_inventory(),
        "No battery or Enpower: [] (JSON sent with no Content-Type).",
        media="",
    ),
    _route("/admin/lib/tariff", _tariff, "The flat tariff; no battery settings."),
    RouteSpec(
        "GET",
        "/ivp/pdm/device_data",
        device_data,
        Role.OWNER,
        "device_data",
        "designed",
        "404 on 7.6.175 (only 8.2.4345+ has it): pyenphase then reads the inverters.",
        surface=NAME,
        tags=("energy",),
    ),
)
"""Every one but device_data is overridable site-wide in a scenario's ``overrides:``."""
