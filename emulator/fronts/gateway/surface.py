"""The gateway surface: its routes and rules, ready for :func:`..app.make_app`."""

from __future__ import annotations

from ..middleware.auth import auth_policy
from ..middleware.errors import map_errors
from ..middleware.faults import inject_faults
from ..middleware.journal import record_journal
from ..middleware.request_log import log_requests
from ..middleware.sync import sync_model
from ..surface import Surface
from . import basics, energy, ev
from .access import AUTH
from .dialect import DIALECT
from .preflight import preflights
from .responses import GATEWAY_HEADERS, NAME

SURFACE = Surface(
    name=NAME,
    routes=(*basics.ROUTES, *ev.ROUTES, *energy.ROUTES),
    auth=AUTH,
    dialect=DIALECT,
    headers=GATEWAY_HEADERS,
    middlewares=(map_errors,),
    guards=(sync_model, auth_policy, inject_faults),
    observers=(record_journal, log_requests),
    prefix="/",
    tags={
        "gateway": "Routes observed on a real gateway.",
        "ev": "Local EV routes (designed bodies).",
        "energy": "Production, meters, inverters and tariff (captured shapes, model values).",
    },
    derive=preflights,
)
