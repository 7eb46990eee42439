"""A surface: one front with its own rules, served on a listener beside others.

The emulator speaks to several kinds of client: gateway clients, tests driving the admin
API, and (to come) cloud clients and a browser dashboard. Each is a :class:`Surface` with
its route table, the way it identifies a caller (:class:`Auth`), the way it words a refusal
(:class:`Dialect`), its default headers and its middlewares. :func:`.app.make_app` serves
any set of them on one listener: a request goes through the middlewares of the surface that
owns its route, or, when no route matches, of the surface that claims its path and host.
A new surface is one more subpackage that builds one of these; nothing here changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from ..model.roles import Role
from .routing import RouteSpec

if TYPE_CHECKING:
    from ..model.auth import Caller
    from ..model.world import World
    from .call import Call


Next = Callable[["Call"], Awaitable[web.StreamResponse]]
"""The rest of a request's way: the inner middlewares, the guards and the handler."""


class Middleware(Protocol):
    """Wraps the rest of the request's way (one job each, see :mod:`.middleware`): for a
    job that must run around it, such as turning exceptions into answers."""

    def __call__(self, call: Call, next: Next) -> Awaitable[web.StreamResponse]: ...


GuardResult = web.StreamResponse | Awaitable[web.StreamResponse | None] | None


class Guard(Protocol):
    """Runs before a matched route's handler: a refusal ends the request there, None lets
    it through. A guard that must wait (for a body, a scripted delay) returns an awaitable
    of either, so the usual case costs a plain call."""

    def __call__(self, call: Call) -> GuardResult: ...


class Observer(Protocol):
    """Sees every answer the surface gives, once it is decided (the journal, the log)."""

    def __call__(self, call: Call, response: web.StreamResponse) -> None: ...


Security = list[dict[str, list[str]]]


@dataclass(frozen=True)
class DocContext:
    """What the OpenAPI document shows of the running emulator."""

    ev_min_role: Role = Role.INSTALLER
    admin_gated: bool = False
    overridden: frozenset[str] = frozenset()
    """Routes whose body a scenario replaces (documented as any JSON)."""
    samples: Mapping[str, str] = field(default_factory=dict)
    """Example values by :attr:`.routing.Param.sample` name (``serial``)."""


class Dialect(Protocol):
    """How a surface words what it refuses."""

    def refusal(
        self,
        status: int,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        """Any refusal: a bad request, a missing thing, a conflict, a bug."""
        ...

    def not_found(self, request: web.Request) -> web.Response:
        """No route has this path."""
        ...

    def unauthorized(self, request: web.Request) -> web.Response:
        """The caller's credentials do not reach the route's minimum role."""
        ...

    def documented(self, spec: RouteSpec, context: DocContext) -> dict[str, Any]:
        """The route's refusals as OpenAPI responses, by status."""
        ...


class Auth(Protocol):
    """Who the caller is, and who a route needs."""

    @property
    def schemes(self) -> Mapping[str, Any]:
        """The OpenAPI security schemes this surface uses, by name."""
        ...

    def identify(self, request: web.Request, world: World) -> Caller: ...

    def required(self, spec: RouteSpec, world: World) -> Role: ...

    def security(self, spec: RouteSpec, context: DocContext) -> Security:
        """The route's OpenAPI ``security`` list."""
        ...

    def describe(self, spec: RouteSpec, context: DocContext) -> str:
        """The route's minimum role in words (``x-min-role``)."""
        ...


@dataclass(frozen=True)
class Surface:
    name: str
    routes: tuple[RouteSpec, ...]
    auth: Auth
    dialect: Dialect
    headers: Mapping[str, str]
    """Sent with every answer the surface's own helpers build."""
    middlewares: tuple[Middleware, ...]
    """Around every request the surface answers, matched or not; outermost first."""
    guards: tuple[Guard, ...] = ()
    """Inside those, before a matched route's handler only, in order (the body limit
    comes first, for every request)."""
    observers: tuple[Observer, ...] = ()
    """After every answer the surface gives, matched or not, in order."""
    prefix: str = "/"
    """Unmatched requests under this path prefix are answered in this surface's dialect."""
    hosts: frozenset[str] = frozenset()
    """Host names this surface answers on a shared listener; empty: any host."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """OpenAPI tag descriptions, by tag."""
    derive: Callable[[tuple[RouteSpec, ...]], tuple[RouteSpec, ...]] | None = None
    """Routes the surface adds from its table when served (the gateway's preflights)."""

    def served(self) -> tuple[RouteSpec, ...]:
        """The table plus what the surface derives from it."""
        extra = self.derive(self.routes) if self.derive else ()
        return (*self.routes, *extra)

    def with_routes(self, routes: Iterable[RouteSpec]) -> Surface:
        return dataclasses.replace(self, routes=tuple(routes))

    def claims(self, path: str, host: str | None) -> bool:
        """Whether an unmatched request for ``path`` on ``host`` (a host name without its
        port, as ``request.url.host`` gives it) is this surface's to answer."""
        if self.hosts and (host or "").lower() not in self.hosts:
            return False
        return path.startswith(self.prefix) or path == self.prefix.rstrip("/")


def claimant(surfaces: Iterable[Surface], path: str, host: str | None) -> Surface:
    """The surface answering a request no route matched: a host-bound one before the
    others, then the longest prefix; the first surface when none claims it."""
    listed = list(surfaces)
    claiming = [s for s in listed if s.claims(path, host)]
    if not claiming:
        return listed[0]
    return max(claiming, key=lambda s: (bool(s.hosts), len(s.prefix)))


def surface_of(spec: RouteSpec, surfaces: Iterable[Surface]) -> Surface:
    """The surface a route belongs to: the one it names, else the one claiming its path."""
    listed = list(surfaces)
    for surface in listed:
        if surface.name == spec.surface:
            return surface
    if spec.surface:
        names = ", ".join(s.name for s in listed)
        raise LookupError(f"{spec.method} {spec.path}: no surface {spec.surface!r} in {names}")
    return claimant([s for s in listed if not s.hosts] or listed, spec.path, None)
