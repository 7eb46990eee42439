"""Admin routes for the request journal (stub)."""

from __future__ import annotations

from .table import RouteSpec

ROUTES: tuple[RouteSpec, ...] = ()
