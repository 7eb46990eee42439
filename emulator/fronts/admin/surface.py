"""The admin surface: its routes and rules, ready for :func:`..app.make_app`."""

from __future__ import annotations

from ..middleware.admin_gate import admin_gate
from ..middleware.auth import auth_policy
from ..middleware.errors import map_errors
from ..middleware.journal import record_journal
from ..middleware.request_log import log_requests
from ..middleware.sync import sync_model
from ..surface import Surface
from . import control, openapi, requests, scenario
from .access import AUTH
from .dialect import DIALECT
from .replies import HEADERS, NAME, PREFIX

SURFACE = Surface(
    name=NAME,
    routes=(*control.ROUTES, *scenario.ROUTES, *requests.ROUTES, *openapi.ROUTES),
    auth=AUTH,
    dialect=DIALECT,
    headers=HEADERS,
    middlewares=(map_errors,),
    guards=(sync_model, admin_gate, auth_policy),
    observers=(record_journal, log_requests),
    prefix=PREFIX + "/",
    tags={"admin": "The emulator's own API."},
)
