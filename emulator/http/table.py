"""The route table: every path, its handler and the minimum role, in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from ..roles import Role

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
EV: Literal["ev"] = "ev"
"""Minimum role taken from the gateway's EV policy (``ev_min_role``)."""
ADMIN: Literal["admin"] = "admin"
"""The admin API: open, or gated by the admin token when one is set."""

Shape = Literal["observed", "designed", "admin"]


@dataclass(frozen=True)
class RouteSpec:
    method: str
    path: str
    handler: Handler
    min_role: Role | Literal["ev", "admin"]
    name: str
    shape: Shape
    summary: str
    body: str | None = None
    """What the request body is, for docs and the OpenAPI document."""

    @property
    def is_ev(self) -> bool:
        return self.min_role == EV


def required_role(spec: RouteSpec, ev_min_role: Role) -> Role:
    if spec.min_role == EV:
        return ev_min_role
    if spec.min_role == ADMIN:
        return Role.ANYBODY
    return spec.min_role  # type: ignore[return-value]
