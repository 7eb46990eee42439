"""The cloud surface: Enlighten and Entrez paths together, on their own listener
(``serve --cloud-port``) and, bound to their host names, on the gateway's port."""

from __future__ import annotations

import dataclasses

from ..middleware.auth import auth_policy
from ..middleware.errors import map_errors
from ..middleware.faults import inject_faults
from ..middleware.journal import record_journal
from ..middleware.request_log import log_requests
from ..middleware.sync import sync_model
from ..surface import Surface
from . import ev, history, login, scheduler
from .access import AUTH
from .dialect import DIALECT
from .guards import cloud_errors
from .replies import HEADERS, HOSTS, NAME

SURFACE = Surface(
    name=NAME,
    routes=(*login.ROUTES, *ev.ROUTES, *scheduler.ROUTES, *history.ROUTES),
    auth=AUTH,
    dialect=DIALECT,
    headers=HEADERS,
    # the cloud's own refusals inside the generic mapping, around every request
    middlewares=(map_errors, cloud_errors),
    guards=(sync_model, auth_policy, inject_faults),
    observers=(record_journal, log_requests),
    prefix="/",
    tags={
        "cloud-login": "Enlighten login, MFA and Entrez tokens (docs/cloud.md).",
        "cloud-sites": "Enlighten sites and devices.",
        "cloud-ev": "The Enlighten EV controller service.",
        "cloud-scheduler": "The Enlighten EV scheduler service.",
        "cloud-history": "The Enlighten charge-session history service.",
    },
)
"""Served alone on the cloud listener: it answers every path."""

HOSTED = dataclasses.replace(SURFACE, hosts=HOSTS)
"""The same surface on the gateway's listener, for requests naming a cloud host."""
