"""The energy routes' names (``RouteSpec.name``), by path: the journal's and a scenario's
``overrides:`` keys. Plain constants, so the scenario layer can list them without loading
the energy model at start-up."""

from __future__ import annotations

ROUTE_NAMES: dict[str, str] = {
    "/production.json": "production_json",
    "/production": "production",
    "/api/v1/production": "api_v1_production",
    "/api/v1/production/inverters": "api_v1_production_inverters",
    "/ivp/meters": "meters",
    "/ivp/meters/readings": "meters_readings",
    "/ivp/ensemble/inventory": "ensemble_inventory",
    "/admin/lib/tariff": "tariff",
    "/home": "home",
}
