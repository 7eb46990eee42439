"""Turn a (validated) scenario mapping into a running World."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from ..clock import Clock, ClockMode, parse_time
from ..model.charger import ChargerSpec
from ..model.gateway import GatewaySpec
from ..model.identity import IdentityMaker
from ..model.schedule import ChargeMode, slot_from_payload
from ..model.solar import SolarProfile
from ..model.world import BreakerGroup, Site, World
from ..roles import Role
from ..tokens import TokenAuthority

DEFAULT_START = "2026-06-01T12:00:00Z"
"""Where manual and scaled clocks start unless the scenario says otherwise."""


def make_clock(spec: Mapping[str, Any], override: str | None = None) -> Clock:
    mode = ClockMode(override or spec.get("mode", ClockMode.MANUAL))
    start = spec.get("start")
    if start is None and mode is not ClockMode.REALTIME:
        start = DEFAULT_START
    return Clock(
        start=None if start is None else parse_time(str(start)),
        mode=mode,
        rate=spec.get("rate"),
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
) -> World:
    seed = int(scenario.get("seed", 0) if seed is None else seed)
    ids = IdentityMaker(seed)
    gw = dict(scenario.get("gateway") or {})
    gateway = GatewaySpec(
        serial=str(gw.get("serial") or ids.gateway_serial()),
        firmware=str(gw.get("firmware", "D7.6.175")),
        euaid=ids.euaid(),
        build_time_gmt=ids.build_time(),
        time_zone=str(gw.get("time_zone", "UTC")),
        ev_min_role=Role.parse(gw.get("ev_min_role", "installer")),
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
    world = World(
        gateway,
        make_clock(scenario.get("clock") or {}, clock_mode),
        authority,
        site,
        vehicles=scenario.get("vehicles") or {},
    )
    world.seed = seed
    for index, raw in enumerate(scenario.get("chargers") or []):
        add_charger(world, ids, index, raw)
    return world


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


def add_charger(world: World, ids: IdentityMaker, index: int, raw: Mapping[str, Any]) -> None:
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
    slots = tuple(
        slot_from_payload(s, i, spec.min_amps, spec.max_amps)
        for i, s in enumerate(raw.get("schedule") or [])
    )
    charger = world.add_charger(
        spec,
        mode=ChargeMode.parse(raw.get("mode", "MANUAL_CHARGING")),
        slots=slots,
        charging_level=raw.get("charging_level"),
        group=raw.get("breaker"),
    )
    world.aliases[str(raw.get("id") or serial)] = charger.serial
    car = raw.get("plugged_in")
    if car is not None and car is not False:
        world.apply(charger.serial, "plug_in", {"vehicle": None if car is True else car})
    if raw.get("charging"):
        world.apply(charger.serial, "start_charging", {})
