"""Turn a (validated) scenario mapping into a running World.

``load_scenario`` checks a file first and reports every problem with its line; this
module assumes a checked mapping but still names the part of the scenario the model
refused (``BuildError.path``) if it is handed one that was not checked.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from ..model.charger import ChargerSpec
from ..model.clock import Clock, ClockMode, parse_time
from ..model.errors import ModelError, invalid
from ..model.gateway import GatewaySpec
from ..model.identity import IdentityMaker
from ..model.roles import Role
from ..model.schedule import ChargeMode, slot_from_payload
from ..model.solar import SolarProfile
from ..model.tokens import TokenAuthority
from ..model.world import BreakerGroup, Site, World
from .errors import BuildError

DEFAULT_START = "2026-06-01T12:00:00Z"
"""Where the headless ``run`` and the validator's dry run start a scenario that does not
pin ``clock.start``: their output must not depend on when they ran."""
DEFAULT_FAULT_CODE = "GroundFailure"


def wall_minute() -> float:
    """Now, rounded down to the minute: where a served manual or scaled clock starts
    unless the scenario pins ``clock.start``, so a token minted at once does not look
    expired (or issued in the future) to a client that compares it with wall time."""
    return float(int(time.time()) // 60 * 60)


def make_clock(
    spec: Mapping[str, Any], override: str | None = None, default_start: float | None = None
) -> Clock:
    mode = ClockMode(override or spec.get("mode", ClockMode.MANUAL))
    start: Any = spec.get("start")
    if start is None and mode is not ClockMode.REALTIME:
        start = wall_minute() if default_start is None else default_start
    rate = spec.get("rate")
    if mode is ClockMode.SCALED and rate is None:
        rate = 60.0  # --clock scaled over a scenario that names no rate: a minute a second
    return Clock(
        start=start if start is None or isinstance(start, float) else parse_time(str(start)),
        mode=mode,
        rate=rate if mode is ClockMode.SCALED else None,
    )


def make_solar(spec: Mapping[str, Any] | None, tz: ZoneInfo) -> SolarProfile:
    if not spec:
        return SolarProfile.none(tz)
    house = float(spec.get("house_load_kw", 0.0))
    if "hourly_kw" in spec:
        return SolarProfile.from_hourly(list(spec["hourly_kw"]), house, tz)
    return SolarProfile.from_sun(
        float(spec.get("peak_kw", 0.0)),
        str(spec.get("sunrise", "06:00")),
        str(spec.get("sunset", "20:00")),
        house,
        tz,
    )


def build_world(
    scenario: Mapping[str, Any],
    authority: TokenAuthority,
    *,
    seed: int | None = None,
    clock_mode: str | None = None,
    default_start: float | None = None,
) -> World:
    """``default_start``: where the clock starts if the scenario does not say (default:
    the wall time's minute, see :func:`wall_minute`)."""
    seed = int(scenario.get("seed", 0) if seed is None else seed)
    ids = IdentityMaker(seed)
    gw = dict(scenario.get("gateway") or {})
    try:
        ev_min_role = Role.parse(gw.get("ev_min_role", "installer"))
    except ValueError as exc:
        raise BuildError(("gateway", "ev_min_role"), invalid(str(exc))) from None
    gateway = GatewaySpec(
        serial=str(gw.get("serial") or ids.gateway_serial()),
        firmware=str(gw.get("firmware", "D7.6.175")),
        euaid=ids.euaid(),
        build_time_gmt=ids.build_time(),
        time_zone=str(gw.get("time_zone", "UTC")),
        ev_min_role=ev_min_role,
        extra_names=tuple(gw.get("extra_names", ())),
    )
    if "part_number" in gw:
        gateway.part_number = str(gw["part_number"])
    tz = ZoneInfo(gateway.time_zone)
    site_spec = dict(scenario.get("site") or {})
    site = Site(
        solar=make_solar(scenario.get("solar"), tz),
        groups={
            b["name"]: BreakerGroup(b["name"], int(b["limit_amps"]))
            for b in site_spec.get("breakers", [])
        },
        tariff_per_kwh=float(site_spec.get("tariff_per_kwh", 0.25)),
    )
    if "currency" in site_spec:
        site.currency = str(site_spec["currency"])
    if ENERGY_KEYS & site_spec.keys():
        _site_energy(site, site_spec, tz)
    world = World(
        gateway,
        make_clock(scenario.get("clock") or {}, clock_mode, default_start),
        authority,
        site,
        vehicles=scenario.get("vehicles") or {},
    )
    world.seed = seed
    for index, raw in enumerate(scenario.get("chargers") or []):
        try:
            add_charger(world, ids, index, raw)
        except BuildError as exc:
            raise BuildError(("chargers", index, *exc.path), exc) from None
        except ModelError as exc:
            path: tuple[str | int, ...] = ("chargers", index)
            if exc.field and exc.field in raw:
                path = (*path, exc.field)
            raise BuildError(path, exc) from None
    steps = scenario.get("timeline") or []
    if steps:  # none: timeline_log(world) is empty all the same
        # imported here, not at the top: serve's default scenario has no timeline, and the
        # module cost its start-up ~5 ms
        from .timeline import schedule_timeline

        schedule_timeline(world, steps)
    return world


ENERGY_KEYS = frozenset({"metering", "inverters", "house_load", "lifetime"})
"""``site`` keys of the energy side; without them the defaults apply (and the energy
modules are not even loaded at start-up)."""


def _site_energy(site: Site, spec: Mapping[str, Any], tz: ZoneInfo) -> None:
    from .site_energy import site_energy

    try:
        energy = site_energy(spec, tz)
    except ModelError as exc:
        raise BuildError(("site", _energy_key(exc.field)), exc) from None
    site.metering, site.inverters = energy.metering, energy.inverters
    site.lifetime, site.house_load = energy.lifetime, energy.house_load


def _energy_key(field: str | None) -> str:
    """The ``site`` key a refused energy value came from."""
    if field in ("house_load", "csv", "steps", "hourly"):
        return "house_load"
    if field in ("inverters", "lifetime"):
        return field
    return "metering"


HARDWARE_KEYS = (
    "sku",
    "part_number",
    "firmware",
    "min_amps",
    "max_amps",
    "breaker_rating",
    "voltage",
    "phases",
    "connection",
    "lifetime_wh",
)
NA_VOLTAGES = (120, 208, 240, 277)
SKU_VARIANTS = ("0100", "0105", "0110")


def designed_sku(serial: str, max_amps: int, voltage: int, phases: int) -> str:
    """A model SKU consistent with the hardware, in the published IQ-EVSE-<region>-<phases>
    <amps>-<variant>-1300 pattern; the variant comes from the (seeded) serial. [DESIGN]"""
    region = "NA" if voltage in NA_VOLTAGES else "EU"
    digest = int(hashlib.sha256(serial.encode()).hexdigest(), 16)
    variant = SKU_VARIANTS[digest % len(SKU_VARIANTS)]
    return f"IQ-EVSE-{region}-{phases}{max_amps:03d}-{variant}-1300"


def add_charger(world: World, ids: IdentityMaker, index: int, raw: Mapping[str, Any]) -> None:
    raw = {**(raw.get("hardware") or {}), **{k: v for k, v in raw.items() if k != "hardware"}}
    serial = str(raw.get("serial") or ids.charger_serial())
    firmware = ids.charger_firmware()
    hardware = {k: raw[k] for k in HARDWARE_KEYS if k in raw}
    hardware.setdefault("firmware", firmware)
    hardware["system_version"] = hardware["firmware"]
    spec = ChargerSpec(
        serial=serial,
        name=str(raw.get("name") or ids.charger_name(index)),
        mac=ids.mac(),
        ip=ids.ip(),
        **hardware,
    )
    if "sku" not in hardware:
        sku = designed_sku(serial, spec.max_amps, spec.voltage, spec.phases)
        spec = dataclasses.replace(spec, sku=sku)
    slots = []
    for i, s in enumerate(raw.get("schedule") or []):
        try:
            slots.append(slot_from_payload(s, i, spec.min_amps, spec.max_amps))
        except ModelError as exc:
            raise BuildError(("schedule", i), exc) from None
    charger = world.add_charger(
        spec,
        mode=ChargeMode.parse(raw.get("mode", "MANUAL_CHARGING")),
        slots=tuple(slots),
        charging_level=raw.get("charging_level"),
        group=raw.get("breaker"),
    )
    world.name_charger(str(raw.get("id") or serial), charger.serial)
    car = raw.get("plugged_in")
    if car is not None and car is not False:
        vehicle = None if car is True else car
        _initial(world, charger.serial, "plugged_in", "plug_in", {"vehicle": vehicle})
    if raw.get("charging"):
        _initial(world, charger.serial, "charging", "start_charging", {})
    fault = raw.get("fault")
    if fault:
        code = DEFAULT_FAULT_CODE if fault is True else str(fault)
        _initial(world, charger.serial, "fault", "fault", {"code": code})
    if raw.get("connected") is False:
        _initial(world, charger.serial, "connected", "disconnect", {})


def _initial(world: World, serial: str, key: str, event: str, params: dict[str, Any]) -> None:
    try:
        world.execute(event, params, serial)
    except ModelError as exc:
        raise BuildError((key,), exc) from None
