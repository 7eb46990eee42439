"""The main listener's surfaces, and their routes as one table.

``ROUTE_TABLE`` is what the docs test, the policy tests and the fuzzers walk; the app reads
it when built (:func:`main_surfaces`), so a route added to it is served and documented.
Nothing here imports the application.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import openapi
from .admin.surface import SURFACE as ADMIN_SURFACE
from .cloud.admin import ROUTES as CLOUD_ADMIN_ROUTES
from .dashboard.surface import SURFACE as DASHBOARD_SURFACE
from .gateway.surface import SURFACE as GATEWAY_SURFACE
from .routing import RouteSpec
from .surface import Surface, surface_of

SURFACES: tuple[Surface, ...] = (GATEWAY_SURFACE, ADMIN_SURFACE, DASHBOARD_SURFACE)
ROUTE_TABLE: tuple[RouteSpec, ...] = tuple(spec for s in SURFACES for spec in s.routes)
ROUTE_TABLE += CLOUD_ADMIN_ROUTES  # the admin API's view of the emulated cloud


def main_surfaces() -> tuple[Surface, ...]:
    """:data:`SURFACES`, each with its routes taken from :data:`ROUTE_TABLE` as it is now."""
    owned: dict[str, list[RouteSpec]] = {s.name: [] for s in SURFACES}
    for spec in ROUTE_TABLE:
        owned[surface_of(spec, SURFACES).name].append(spec)
    return tuple(s.with_routes(owned[s.name]) for s in SURFACES)


def build_document(specs: Iterable[RouteSpec] | None = None, **options: Any) -> dict[str, Any]:
    """The main listener's OpenAPI document without a server (e.g. to publish it from CI):
    every route it serves, preflights included, unless ``specs`` says which; ``options`` as
    :func:`.openapi.build_document` takes them."""
    if specs is None:
        specs = [spec for surface in main_surfaces() for spec in surface.served()]
    return openapi.build_document(specs, surfaces=SURFACES, **options)
