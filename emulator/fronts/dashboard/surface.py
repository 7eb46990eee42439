"""The dashboard surface: the page at ``/``, its files, and the admin-gated live stream.

The page itself is public (it holds no data and asks for the admin token when the server
has one); everything it shows comes from the admin API and ``/__emulator/live``, which the
admin gate guards like any admin route.
"""

from __future__ import annotations

from ...model.roles import Role
from ..admin.access import AUTH
from ..middleware.admin_gate import admin_gate
from ..middleware.errors import map_errors
from ..routing import ADMIN, Param, RouteSpec
from ..surface import Surface
from . import files, live
from .dialect import DIALECT
from .replies import ASSETS, HEADERS, LIVE, NAME

ROUTES = (
    RouteSpec(
        "GET",
        "/",
        files.index,
        Role.ANYBODY,
        "dashboard",
        "admin",
        "The live dashboard (HTML; asks for the admin token when the server has one).",
        surface=NAME,
        tags=("dashboard",),
        media="text/html",
        public=True,
    ),
    RouteSpec(
        "GET",
        ASSETS + "/{name}",
        files.asset,
        Role.ANYBODY,
        "dashboard_asset",
        "admin",
        "The dashboard's scripts and styles.",
        surface=NAME,
        tags=("dashboard",),
        params=(Param("name", "a file name such as app.js"),),
        media="text/javascript",
        public=True,
    ),
    RouteSpec(
        "GET",
        LIVE,
        live.live,
        ADMIN,
        "live",
        "admin",
        "Server-Sent Events: 'state' snapshots pushed by the change feed, 'journal' lines.",
        surface=NAME,
        tags=("dashboard",),
        media="text/event-stream",
    ),
)

SURFACE = Surface(
    name=NAME,
    routes=ROUTES,
    auth=AUTH,
    dialect=DIALECT,
    headers=HEADERS,
    middlewares=(map_errors,),
    guards=(admin_gate,),
    prefix=ASSETS + "/",
    tags={"dashboard": "The browser dashboard and its live stream."},
)
