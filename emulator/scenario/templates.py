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
import dataclasses
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..fronts.gateway import payloads
from ..fronts.gateway.energy_names import ROUTE_NAMES as ENERGY_ROUTE_NAMES
from ..model.clock import iso
from ..model.views import ChargerView, VehicleView
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
    "cloud_charger_summary",  # the emulated cloud (emulator/fronts/cloud/ev.py)
)
SITE_ROUTES = (
    "chargers",
    "connectors",
    "devices",
    "ev_chargers",
    *ENERGY_ROUTE_NAMES.values(),
    "cloud_status",  # the emulated cloud's site-wide bodies (emulator/fronts/cloud/ev.py)
    "cloud_summary",
)
"""Route names (``RouteSpec.name`` in emulator/fronts/gateway/ev.py and energy.py) a
scenario may override; the energy routes' names come from their route table."""


CHARGER_FIELDS: dict[str, Callable[[ChargerView], Any]] = {
    "serial": lambda v: v.serial,
    "id": lambda v: v.id,
    "name": lambda v: v.name,
    "state": lambda v: v.state.value,
    "power_w": lambda v: v.power_w,
    "amps": lambda v: v.offered_amps,
    "charging_level": lambda v: v.charging_level,
    "mode": lambda v: v.mode.value,
    "plugged_in": lambda v: v.plugged_in,
    "charging": lambda v: v.charging,
    "faulted": lambda v: v.faulted,
    "fault_code": lambda v: v.fault_code,
    "connected": lambda v: v.connected,
    "lifetime_wh": lambda v: v.lifetime_wh,
    "session_wh": lambda v: v.session_wh,
    "soc": lambda v: v.soc,
    "min_amps": lambda v: v.spec.min_amps,
    "max_amps": lambda v: v.spec.max_amps,
    "voltage": lambda v: v.spec.voltage,
    "phases": lambda v: v.spec.phases,
    "breaker_rating": lambda v: v.spec.breaker_rating,
    "firmware": lambda v: v.spec.firmware,
    "sku": lambda v: v.spec.sku,
    "part_number": lambda v: v.spec.part_number,
    "connection": lambda v: v.spec.connection,
    "mac": lambda v: v.spec.mac,
    "ip": lambda v: v.spec.ip,
}
"""``charger.*`` names, read from the charger's snapshot."""
SESSION_FIELDS = tuple(payloads.NO_SESSION)
"""The keys of the status body's ``session_d`` (the current or last session)."""
VEHICLE_FIELDS = tuple(f.name for f in dataclasses.fields(VehicleView))
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
    "power_w": lambda w: w.view().power_w,
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
    import difflib  # only a mistake needs it: not loaded at start-up

    hint = difflib.get_close_matches(name, all_names(charger_ids), n=1)
    suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
    return f"unknown template name '{name}'{suggestion} (names: see docs/scenarios.md)"


def placeholders(
    value: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
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


class _Context:
    """One rendering: the world, the charger the route is about, snapshots taken once."""

    def __init__(self, world: World, serial: str | None) -> None:
        self.world = world
        self.serial = serial
        self._views: dict[str, ChargerView] = {}

    def view(self, which: str) -> ChargerView:
        if which not in self._views:
            self._views[which] = self.world.charger_view(which)
        return self._views[which]

    def lookup(self, name: str) -> Any:
        head, _, rest = name.partition(".")
        world = self.world
        if head in ("charger", "session", "vehicle"):
            if self.serial is None:
                return None
            view = self.view(self.serial)
            if head == "charger":
                return CHARGER_FIELDS[rest](view)
            if head == "session":
                return payloads.session_d(view.session).get(rest)
            return None if view.vehicle is None else getattr(view.vehicle, rest)
        if head == "gateway":
            return GATEWAY_FIELDS[rest](world)
        if head == "now":
            return NOW_FIELDS[rest](world)
        if head == "site":
            return SITE_FIELDS[rest](world)
        if head == "chargers":
            wanted, _, field = rest.rpartition(".")
            return CHARGER_FIELDS[field](self.view(wanted))
        return None

    def render(self, value: Any) -> Any:
        if isinstance(value, str):
            whole = PLACEHOLDER.fullmatch(value.strip())
            if whole:
                return self.lookup(whole.group(1))

            def text(match: re.Match[str]) -> str:
                found = self.lookup(match.group(1))
                return found if isinstance(found, str) else json.dumps(found)

            return PLACEHOLDER.sub(text, value)
        if isinstance(value, dict):
            return {key: self.render(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.render(item) for item in value]
        return value


class Overrides:
    """Response bodies a scenario substitutes, by (route name, charger serial or None).

    Fronts ask :meth:`body` with the body the model built; a literal replaces it, a
    template is rendered from the world's snapshots on every request."""

    def __init__(self) -> None:
        self._bodies: dict[tuple[str, str | None], Any] = {}

    def add(self, route: str, serial: str | None, value: Any) -> None:
        self._bodies[(route, serial)] = compile_override(value)

    @property
    def routes(self) -> set[str]:
        return {route for route, _ in self._bodies}

    def body(self, world: World, route: str, serial: str | None, built: Any) -> Any:
        """The scenario's body for this route and charger, else ``built``."""
        for key in ((route, serial), (route, None)):
            if key in self._bodies:
                value = self._bodies[key]
                if callable(value):
                    return value(world, serial, built)
                return copy.deepcopy(value)
        return built

    @classmethod
    def from_scenario(cls, scenario: Mapping[str, Any], world: World) -> Overrides:
        """Site-wide ``overrides:`` and each charger's own (the world's chargers are in
        the scenario's order)."""
        overrides = cls()
        for route, value in (scenario.get("overrides") or {}).items():
            overrides.add(route, None, value)
        chargers = scenario.get("chargers") or []
        for raw, serial in zip(chargers, world.chargers, strict=True):
            for route, value in (raw.get("overrides") or {}).items():
                overrides.add(route, serial, value)
        return overrides


def compile_override(value: Any) -> Any:
    """A literal (returned as is) or a callable(world, serial, body) that renders it."""
    if not any(True for _ in placeholders(value)):
        return copy.deepcopy(value)
    frozen = copy.deepcopy(value)

    def render(world: World, serial: str | None, body: Any) -> Any:
        known = serial if serial is not None and serial in world.chargers else None
        return _Context(world, known).render(frozen)

    return render
