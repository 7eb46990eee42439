"""Response overrides: a literal body, or one with ``{{ name }}`` placeholders filled from
the model on every request.

The syntax is deliberately tiny and safe: a placeholder is a dotted name from a fixed
table (below); there are no expressions, filters, loops or attribute access, and nothing
is evaluated. A string that is *only* a placeholder (``"{{ charger.power_w }}"``) becomes
the value with its type (a number stays a number); a placeholder inside a longer string is
replaced by its text (``"{{ charger.serial }}-A"``). Dictionary keys are never templated.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from .. import payloads
from ..clock import iso
from ..model.charger import Charger
from ..model.world import World

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_.-]+)*$")

PER_CHARGER_ROUTES = (
    "status",
    "summary",
    "start_charging",
    "stop_charging",
    "trigger_message",
    "schedule",
    "put_schedule",
    "peb_status",
    "peb_summary",
    "power",
    "metrics",
    "sessions",
    "start_live_stream",
    "stop_live_stream",
)
SITE_ROUTES = ("chargers", "connectors", "devices", "ev_chargers")
"""Route names (``RouteSpec.name`` in emulator/http/ev_routes.py) a scenario may override."""


def _soc(c: Charger, t: float) -> float | None:
    soc = c.soc(t)
    return None if soc is None else round(soc, 2)


CHARGER_FIELDS: dict[str, Callable[[World, Charger], Any]] = {
    "serial": lambda w, c: c.serial,
    "id": lambda w, c: next((a for a, s in w.aliases.items() if s == c.serial), c.serial),
    "name": lambda w, c: c.spec.name,
    "state": lambda w, c: c.state.value,
    "power_w": lambda w, c: round(c.power_w, 1),
    "amps": lambda w, c: c.amps,
    "charging_level": lambda w, c: c.charging_level,
    "mode": lambda w, c: c.mode.value,
    "plugged_in": lambda w, c: c.vehicle is not None,
    "charging": lambda w, c: c.state.value == "CHARGING",
    "faulted": lambda w, c: c.state.value == "FAULTED",
    "fault_code": lambda w, c: c.fault_code,
    "connected": lambda w, c: c.connected,
    "lifetime_wh": lambda w, c: round(c.lifetime_wh(w.model_t), 2),
    "session_wh": lambda w, c: round(c.session_wh(w.model_t), 2) if c.session else 0,
    "soc": lambda w, c: _soc(c, w.model_t),
    "min_amps": lambda w, c: c.spec.min_amps,
    "max_amps": lambda w, c: c.spec.max_amps,
    "voltage": lambda w, c: c.spec.voltage,
    "phases": lambda w, c: c.spec.phases,
    "breaker_rating": lambda w, c: c.spec.breaker_rating,
    "firmware": lambda w, c: c.spec.firmware,
    "sku": lambda w, c: c.spec.sku,
    "part_number": lambda w, c: c.spec.part_number,
    "connection": lambda w, c: c.spec.connection,
    "mac": lambda w, c: c.spec.mac,
    "ip": lambda w, c: c.spec.ip,
}
SESSION_FIELDS = (
    "e_c",
    "miles",
    "plg_in_at",
    "plg_out_at",
    "strt_chrg",
    "charge_level",
    "session_cost",
    "auth_status",
)
"""The keys of the status body's ``session_d`` (the current or last session)."""
VEHICLE_FIELDS = ("name", "soc", "capacity_kwh", "max_kw", "efficiency_mi_per_kwh", "paused")
GATEWAY_FIELDS: dict[str, Callable[[World], Any]] = {
    "serial": lambda w: w.gateway.serial,
    "firmware": lambda w: w.gateway.firmware,
    "part_number": lambda w: w.gateway.part_number,
    "time_zone": lambda w: w.gateway.time_zone,
    "boot_count": lambda w: w.boot_count,
}
NOW_FIELDS: dict[str, Callable[[World], Any]] = {
    "ms": lambda w: payloads.ms(w.model_t),
    "s": lambda w: int(w.model_t),
    "iso": lambda w: iso(w.model_t),
}
SITE_FIELDS: dict[str, Callable[[World], Any]] = {
    "power_w": lambda w: round(sum(c.power_w for c in w.chargers.values()), 1),
    "chargers": lambda w: len(w.chargers),
}


def all_names(charger_ids: tuple[str, ...] = ("ID",)) -> list[str]:
    """Every name a template may use (``chargers.ID.*`` once per charger id)."""
    names = [f"charger.{f}" for f in CHARGER_FIELDS]
    names += [f"session.{f}" for f in SESSION_FIELDS]
    names += [f"vehicle.{f}" for f in VEHICLE_FIELDS]
    names += [f"gateway.{f}" for f in GATEWAY_FIELDS]
    names += [f"now.{f}" for f in NOW_FIELDS]
    names += [f"site.{f}" for f in SITE_FIELDS]
    names += [f"chargers.{i}.{f}" for i in charger_ids for f in CHARGER_FIELDS]
    return names


def check_name(name: str, *, per_charger: bool, charger_ids: tuple[str, ...]) -> str | None:
    """Why ``name`` cannot be used here, or None when it can."""
    if not NAME.match(name):
        return f"'{{{{ {name} }}}}' is not a placeholder name (use e.g. {{{{ charger.power_w }}}})"
    head, _, rest = name.partition(".")
    if head in ("charger", "session", "vehicle") and not per_charger:
        return (
            f"'{name}' needs a charger, and this route is site-wide; "
            "use chargers.<id>.<field> (e.g. chargers.garage.power_w)"
        )
    if head == "chargers":
        wanted, _, field = rest.rpartition(".")
        if wanted and field in CHARGER_FIELDS and wanted not in charger_ids:
            known = ", ".join(charger_ids) or "none"
            return f"'{name}': no charger with id or serial {wanted!r} (known: {known})"
    if name in all_names(charger_ids):
        return None
    hint = difflib.get_close_matches(name, all_names(charger_ids), n=1)
    suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
    return f"unknown template name '{name}'{suggestion} (names: see docs/scenarios.md)"


def placeholders(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(path, name) for every placeholder in an override value."""
    if isinstance(value, str):
        for match in PLACEHOLDER.finditer(value):
            yield path, match.group(1)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from placeholders(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from placeholders(item, (*path, index))


def lookup(world: World, charger: Charger | None, name: str) -> Any:
    head, _, rest = name.partition(".")
    if head == "charger" and charger is not None:
        return CHARGER_FIELDS[rest](world, charger)
    if head == "session" and charger is not None:
        return payloads.session_d(charger, world.model_t).get(rest)
    if head == "vehicle" and charger is not None:
        if charger.vehicle is None:
            return None
        return charger.vehicle.describe(charger._pending_wh(world.model_t)).get(rest)
    if head == "gateway":
        return GATEWAY_FIELDS[rest](world)
    if head == "now":
        return NOW_FIELDS[rest](world)
    if head == "site":
        return SITE_FIELDS[rest](world)
    if head == "chargers":
        wanted, _, field = rest.rpartition(".")
        return CHARGER_FIELDS[field](world, world.charger(wanted))
    return None


def _render(value: Any, world: World, charger: Charger | None) -> Any:
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value.strip())
        if whole:
            return lookup(world, charger, whole.group(1))

        def text(match: re.Match[str]) -> str:
            found = lookup(world, charger, match.group(1))
            return found if isinstance(found, str) else json.dumps(found)

        return PLACEHOLDER.sub(text, value)
    if isinstance(value, dict):
        return {key: _render(item, world, charger) for key, item in value.items()}
    if isinstance(value, list):
        return [_render(item, world, charger) for item in value]
    return value


def compile_override(value: Any) -> Any:
    """A literal (returned as is) or a callable(world, serial, body) that renders it."""
    if not any(True for _ in placeholders(value)):
        return copy.deepcopy(value)
    frozen = copy.deepcopy(value)

    def render(world: World, serial: str | None, body: Any) -> Any:
        charger = world.chargers.get(serial) if serial is not None else None
        return _render(frozen, world, charger)

    return render
