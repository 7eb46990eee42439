"""Admin routes for scenarios (stub)."""

from __future__ import annotations

from .table import RouteSpec

ROUTES: tuple[RouteSpec, ...] = ()
