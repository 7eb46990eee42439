"""The route table entry: one path, its handler, who may call it, and everything the docs
and the OpenAPI document say about it.

A :class:`RouteSpec` is the single source for a route: the auth middleware reads its
minimum role, the admin gate its ``public`` flag, the OpenAPI builder everything else, and
``docs/routes.md`` is checked against the table. Nothing elsewhere is keyed by route name.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from ..model.roles import Role
from .schemas import Schema

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

EV: Literal["ev"] = "ev"
"""Minimum role taken from the gateway's EV policy (``ev_min_role``)."""
ADMIN: Literal["admin"] = "admin"
"""The admin API: open, or gated by the admin token when one is set."""
Access = Role | Literal["ev", "admin"]
Evidence = Literal["observed", "designed", "community", "admin"]
"""Where a route's behaviour comes from: a real gateway capture, our own design, community
notes, or the emulator's own API."""

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


@dataclass(frozen=True, slots=True)
class Param:
    """A path or query parameter, as documented."""

    name: str
    description: str = ""
    where: Literal["path", "query"] = "path"
    schema: Schema | None = None
    """Defaults to a non-empty string."""
    sample: str | None = None
    """A runtime value the document shows as the example (``serial``: a charger's)."""


@dataclass(frozen=True, slots=True)
class RouteSpec:
    method: str
    path: str
    handler: Handler
    min_role: Access
    name: str
    """Unique: the journal, the docs and scenario overrides name routes by it."""
    evidence: Evidence
    summary: str
    body: str | None = None
    """What the request body is, in words (a JSON example may open the text)."""
    surface: str = ""
    """The surface it belongs to; empty: the surface whose prefix claims its path."""
    tags: tuple[str, ...] = ()
    """OpenAPI tags; empty: the surface's name."""
    params: tuple[Param, ...] = ()
    """Documented parameters; a ``{name}`` in the path not listed here is a plain string."""
    request: Schema | None = None
    """The JSON Schema of the request body (``body`` without one: any object)."""
    body_media: str = "application/json"
    body_optional: bool = False
    """An empty body is taken as ``{}``."""
    response: Schema | None = None
    """The JSON Schema of the 200 body; None: any JSON."""
    media: str = "application/json"
    """The 200 body's content type; anything but JSON is documented without a schema; ""
    means the answer carries no Content-Type header (documented without content)."""
    public: bool = False
    """Open even when the surface's gate is shut (the admin API's health check and CA)."""
    handler_auth: tuple[str, ...] = ()
    """Security schemes the handler checks itself (``check_jwt`` reads a Bearer token)."""

    @property
    def is_ev(self) -> bool:
        return self.min_role == EV

    @property
    def path_names(self) -> tuple[str, ...]:
        """The ``{name}`` parameters of the path, in order."""
        return tuple(_PARAM.findall(self.path))

    @property
    def has_body(self) -> bool:
        return self.body is not None or self.body_optional
