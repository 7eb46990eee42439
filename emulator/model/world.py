"""The emulated site: gateway, chargers, cars, sun, clock and auth, in one model.

Nothing here knows about HTTP. Every front (gateway routes, admin API, scenario
timeline, Python API) changes the world through ``apply`` / ``gateway_event`` and
reads it after ``sync``.
"""

from __future__ import annotations

import copy
import heapq
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from ..auth import GatewayAuth
from ..clock import Clock
from ..roles import Role
from ..tokens import TokenAuthority
from . import ocpp
from .charger import Charger, ChargerSpec, Transition
from .errors import invalid, not_found
from .gateway import GatewaySpec
from .params import check_keys, number, text
from .schedule import ChargeMode, Slot, slot_from_payload
from .solar import SolarProfile
from .vehicle import Vehicle

CHARGER_EVENTS = (
    "plug_in",
    "unplug",
    "start_charging",
    "stop_charging",
    "set_current",
    "fault",
    "clear_fault",
    "car_full",
    "car_resumes",
    "disconnect",
    "reconnect",
    "set_mode",
)
GATEWAY_EVENTS = ("reboot", "revoke_tokens", "set_firmware", "set_ev_min_role")
DEFAULT_FAULT = "GroundFailure"
OCPP_LOG_LIMIT = 5000
LATEST_TIME = 221845392000.0
"""9000-01-01T00:00:00Z: the clock stops short of the calendar's end (year 9999)."""
LEVEL_FIELDS = ("chargingLevel", "charging_level", "level", "amps")
START_FIELDS = {*LEVEL_FIELDS, "connectorId", "connector_id"}


@dataclass
class BreakerGroup:
    name: str
    limit_amps: int
    members: list[str] = field(default_factory=list)


@dataclass
class Site:
    solar: SolarProfile
    groups: dict[str, BreakerGroup] = field(default_factory=dict)
    tariff_per_kwh: float = 0.25
    currency: str = "USD"


@dataclass(order=True)
class _Wakeup:
    at: float
    seq: int
    kind: str = field(compare=False)  # "charger", "solar" or "action"
    key: str = field(compare=False)
    epoch: int = field(compare=False, default=0)


class World:
    def __init__(
        self,
        gateway: GatewaySpec,
        clock: Clock,
        authority: TokenAuthority,
        site: Site | None = None,
        vehicles: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.gateway = gateway
        self.clock = clock
        self.tz = ZoneInfo(gateway.time_zone)
        self.site = site or Site(SolarProfile.none(self.tz))
        self.auth = GatewayAuth(authority, lambda: self.gateway.serial, self.now)
        self.chargers: dict[str, Charger] = {}
        self.vehicle_presets: dict[str, Mapping[str, Any]] = dict(vehicles or {})
        self.ocpp_log: deque[dict[str, Any]] = deque(maxlen=OCPP_LOG_LIMIT)
        self.started_at = clock.now()
        self.model_t = self.started_at
        self._heap: list[_Wakeup] = []
        self._seq = 0
        self._epochs: dict[str, int] = {}
        self._group_of: dict[str, BreakerGroup] = {}
        self._actions: dict[str, Callable[[World], None]] = {}
        self._solar_pending: float | None = None
        self._sessions = 0
        self._syncing = False
        self.boot_count = 1
        self.seed = 0
        self.overrides: dict[tuple[str, str | None], Any] = {}
        """Response bodies a scenario substitutes, by (route name, serial or None)."""
        self.aliases: dict[str, str] = {}
        """Scenario ids (``garage``) to serials; every front accepts either."""

    # -- building -------------------------------------------------------------------------

    def add_charger(
        self,
        spec: ChargerSpec,
        *,
        mode: ChargeMode = ChargeMode.MANUAL,
        slots: tuple[Slot, ...] = (),
        charging_level: int | None = None,
        group: str | None = None,
    ) -> Charger:
        if spec.serial in self.chargers:
            raise invalid(f"two chargers share the serial {spec.serial}", "serial")
        charger = Charger(
            spec,
            self.model_t,
            tz=self.tz,
            mode=mode,
            slots=slots,
            charging_level=charging_level,
            on_transition=self._log_transition,
        )
        self.chargers[spec.serial] = charger
        self._epochs[spec.serial] = 0
        if group is not None:
            if group not in self.site.groups:
                raise invalid(f"breaker group {group!r} is not defined", "group")
            self.site.groups[group].members.append(spec.serial)
            self._group_of[spec.serial] = self.site.groups[group]
        return charger

    def at(self, when: float, label: str, action: Callable[[World], None]) -> None:
        """Run ``action`` when the model reaches ``when`` (scenario timeline steps)."""
        key = f"{label}#{self._seq}"
        self._actions[key] = action
        self._push(when, "action", key)

    # -- time -----------------------------------------------------------------------------

    def now(self) -> float:
        return self.model_t if self._syncing else max(self.model_t, self.clock.now())

    def sync(self, until: float | None = None) -> float:
        """Bring the model up to the clock's time (or ``until``), event by event."""
        if self._syncing:
            return self.model_t
        target = max(self.model_t, self.clock.now() if until is None else until)
        self._syncing = True
        try:
            while self._heap and self._heap[0].at <= target:
                wakeup = heapq.heappop(self._heap)
                self.model_t = max(self.model_t, wakeup.at)
                self._wake(wakeup)
            self.model_t = target
        finally:
            self._syncing = False
        return target

    def advance(self, seconds: float) -> float:
        if not 0 <= seconds <= LATEST_TIME - self.clock.now():  # also refuses NaN
            raise invalid(
                f"cannot advance the clock by {seconds!r} s: it must be >= 0 and end "
                "before the year 9000",
                "seconds",
            )
        self.clock.advance(seconds)
        return self.sync()

    def set_time(self, when: float) -> float:
        if not when <= LATEST_TIME:  # also refuses NaN
            raise invalid(f"cannot set the clock to {when!r}: the year 9000 is the end", "time")
        self.clock.set(when)
        return self.sync()

    def _push(self, when: float, kind: str, key: str, epoch: int = 0) -> None:
        self._seq += 1
        heapq.heappush(self._heap, _Wakeup(when, self._seq, kind, key, epoch))

    def _wake(self, wakeup: _Wakeup) -> None:
        t = wakeup.at
        if wakeup.kind == "charger":
            if wakeup.epoch == self._epochs.get(wakeup.key):
                self._rebalance(self._affected([self.chargers[wakeup.key]]), t, "timer")
        elif wakeup.kind == "solar":
            self._solar_pending = None
            self._rebalance(self._affected(self._green_pool()), t, "solar")
        else:
            self._actions.pop(wakeup.key)(self)

    # -- the controller -------------------------------------------------------------------

    def _green_pool(self) -> list[Charger]:
        return [c for c in self.chargers.values() if c.mode is ChargeMode.GREEN]

    def _affected(self, start: Iterable[Charger]) -> list[Charger]:
        """Chargers whose current depends on these: breaker-group mates, the green pool."""
        seen: dict[str, Charger] = {}
        frontier = list(start)
        while frontier:
            charger = frontier.pop()
            if charger.serial in seen:
                continue
            seen[charger.serial] = charger
            group = self._group_of.get(charger.serial)
            if group is not None:
                frontier.extend(self.chargers[s] for s in group.members)
            if charger.mode is ChargeMode.GREEN:
                frontier.extend(self._green_pool())
        if len(seen) == 1:  # the common case: skip the scan over every charger
            return list(seen.values())
        return [c for c in self.chargers.values() if c.serial in seen]  # in site order

    def _rebalance(self, chargers: list[Charger], t: float, cause: str) -> None:
        for charger in chargers:
            charger.fold(t)
        demands = {c.serial: c.demand(t) for c in chargers}
        amps = {sn: d.amps for sn, d in demands.items()}
        limited: set[str] = set()
        green = [c for c in chargers if demands[c.serial].green and amps[c.serial] > 0]
        if green:
            remaining = self.site.solar.surplus_w(t)
            for charger in green:
                per_amp = charger.spec.voltage * charger.spec.phases
                give = min(amps[charger.serial], int(remaining // per_amp))
                give = give if give >= charger.spec.min_amps else 0
                amps[charger.serial] = give
                remaining -= give * per_amp
        for group in {id(g): g for c in chargers if (g := self._group_of.get(c.serial))}.values():
            # A car that takes no power (full, paused) keeps its offer but leaves the
            # breaker's current to the others, as dynamic load balancing does.
            active = sorted(
                (
                    c
                    for c in chargers
                    if c.serial in group.members
                    and amps[c.serial]
                    and c.vehicle
                    and c.vehicle.accepting
                ),
                key=lambda c: amps[c.serial],
            )
            remaining_a = group.limit_amps
            for index, charger in enumerate(active):
                share = remaining_a // (len(active) - index)
                give = min(amps[charger.serial], share)
                if give < amps[charger.serial]:
                    limited.add(charger.serial)
                give = give if give >= charger.spec.min_amps else 0
                amps[charger.serial] = give
                remaining_a -= give
        for charger in chargers:
            demand = demands[charger.serial]
            reason = demand.reason
            if charger.serial in limited:
                reason = "limited by the shared breaker"
            charger.limited_by_site = charger.serial in limited
            charger.settle(t, amps[charger.serial], reason, cause)
            self._reschedule(charger, t)
        if any(c.mode is ChargeMode.GREEN and c.vehicle for c in chargers):
            self._schedule_solar(t)

    def _reschedule(self, charger: Charger, t: float) -> None:
        self._epochs[charger.serial] += 1
        wakeup = charger.next_wakeup(t)
        if wakeup is not None:
            self._push(max(wakeup, t), "charger", charger.serial, self._epochs[charger.serial])

    def _schedule_solar(self, t: float) -> None:
        if self.site.solar.is_dark:
            return
        when = self.site.solar.next_change(t)
        if self._solar_pending is None or self._solar_pending > when:
            self._solar_pending = when
            self._push(when, "solar", "sun")

    def _log_transition(self, charger: Charger, transition: Transition) -> None:
        self.emit(charger, "StatusNotification", transition.at)

    def emit(self, charger: Charger, message: str, t: float) -> dict[str, Any]:
        entry = {
            "time": ocpp.stamp(t),
            "serial": charger.serial,
            "action": message,
            "payload": ocpp.build(message, charger, t),
        }
        self.ocpp_log.append(entry)
        return entry

    # -- reading --------------------------------------------------------------------------

    def charger(self, serial: str) -> Charger:
        charger = self.chargers.get(serial) or self.chargers.get(self.aliases.get(serial, ""))
        if charger is None:
            known = ", ".join(self.chargers) or "none"
            raise not_found(f"no charger with serial {serial!r} on this gateway (known: {known})")
        return charger

    def override(self, route: str, serial: str | None, body: Any) -> Any:
        """A scenario's replacement body for this route and charger, if it has one."""
        for key in ((route, serial), (route, None)):
            if key in self.overrides:
                value = self.overrides[key]
                if callable(value):  # a template: rendered from the model on each request
                    return value(self, serial, body)
                return copy.deepcopy(value)
        return None

    # -- changing -------------------------------------------------------------------------

    def apply(self, serial: str, event: str, params: Mapping[str, Any] | None = None) -> dict:
        """Apply one charger event now. A refused event raises ModelError and changes nothing:
        each ``_check_<event>`` validates everything and returns the change to make."""
        params = dict(params or {})
        if event not in CHARGER_EVENTS:
            raise invalid(f"unknown event {event!r}; one of: {', '.join(CHARGER_EVENTS)}", "event")
        charger = self.charger(serial)
        serial = charger.serial
        self.sync()
        t = self.model_t
        change = getattr(self, f"_check_{event}")(charger, params, t)
        affected = self._affected([charger])
        for each in affected:
            each.fold(t)
        change()
        self._rebalance(self._affected(affected), t, event)
        return {"serial": serial, "event": event, "state": charger.state.value}

    def _check_plug_in(self, c: Charger, p: dict, t: float) -> Callable[[], None]:
        check_keys(p, {"vehicle"}, "plug_in")
        c.check_plug_in()
        vehicle = self.make_vehicle(p.get("vehicle"))

        def change() -> None:
            self._sessions += 1
            c.plug_in(t, vehicle, self._sessions)

        return change

    def _check_unplug(self, c: Charger, p: dict, t: float) -> Callable[[], None]:
        check_keys(p, set(), "unplug")
        c.check_unplug()
        return lambda: c.unplug(t)

    def _check_start_charging(self, c: Charger, p: dict, t: float) -> Callable[[], None]:
        check_keys(p, START_FIELDS, "start_charging")
        level = next((p[n] for n in LEVEL_FIELDS if p.get(n) is not None), None)
        connector = p.get("connectorId", p.get("connector_id", 1))
        if isinstance(connector, bool) or not isinstance(connector, int) or connector < 1:
            raise invalid("Connector Id must be greater than 0", "connectorId")
        if connector != 1:
            raise invalid(
                f"connectorId {connector} does not exist; an IQ EV Charger has one connector, id 1",
                "connectorId",
            )
        c.check_start(level)
        return lambda: c.start(level)

    def _check_stop_charging(self, c: Charger, p: dict, t: float) -> Callable[[], None]:
        check_keys(p, {"connectorId", "connector_id"}, "stop_charging")
        c.check_stop()
        return c.stop

    def _check_set_current(self, c: Charger, p: dict, t: float) -> Callable[[], None]:
        check_keys(p, {"amps", "chargingLevel"}, "set_current")
        amps = p.get("amps", p.get("chargingLevel"))
        if amps is None:
            raise invalid("'amps' is required", "amps")
        level = c.check_level(amps)
        return lambda: c.set_current(level)

    def _check_fault(self, c: Charger, p: dict, t: float) -> Callable[[], None]:
        check_keys(p, {"code"}, "fault")
        code = text(p, "code", DEFAULT_FAULT, max_len=64)
        c.check_fault()
        return lambda: c.fault(t, code)

    def _check_clear_fault(self, c: Charger, p: dict, t: float) -> Callable[[], None]:
        check_keys(p, set(), "clear_fault")
        c.check_clear_fault()
        return lambda: c.clear_fault(t)

    def _check_car_full(self, c: Charger, p: dict, t: float) -> Callable[[], None]:
        check_keys(p, set(), "car_full")
        c.check_car()
        return lambda: c.car_pause(True)

    def _check_car_resumes(self, c: Charger, p: dict, t: float) -> Callable[[], None]:
        check_keys(p, set(), "car_resumes")
        c.check_car()
        return lambda: c.car_pause(False)

    def _check_disconnect(self, c: Charger, p: dict, t: float) -> Callable[[], None]:
        check_keys(p, set(), "disconnect")
        return lambda: setattr(c, "connected", False)

    def _check_reconnect(self, c: Charger, p: dict, t: float) -> Callable[[], None]:
        check_keys(p, set(), "reconnect")
        return lambda: setattr(c, "connected", True)

    def _check_set_mode(self, c: Charger, p: dict, t: float) -> Callable[[], None]:
        check_keys(p, {"mode", "schedule"}, "set_mode")
        mode = ChargeMode.parse(text(p, "mode"))
        slots = None
        if "schedule" in p:
            raw = p["schedule"]
            if not isinstance(raw, list):
                raise invalid("'schedule' must be a list of slots", "schedule")
            slots = tuple(
                slot_from_payload(s, i, c.spec.min_amps, c.spec.max_amps) for i, s in enumerate(raw)
            )
        return lambda: c.set_mode(mode, slots)

    def make_vehicle(self, raw: object) -> Vehicle:
        """A car from a preset name, a dict of parameters, or the default car."""
        if raw is None:
            return Vehicle.build()
        if isinstance(raw, str):
            preset = self.vehicle_presets.get(raw)
            if preset is None:
                known = ", ".join(self.vehicle_presets) or "none defined"
                raise invalid(f"unknown vehicle {raw!r} (known: {known})", "vehicle")
            raw = {"name": raw, **preset}
        if not isinstance(raw, Mapping):
            raise invalid("'vehicle' must be a preset name or an object", "vehicle")
        check_keys(
            raw, {"name", "capacity_kwh", "soc", "max_kw", "efficiency_mi_per_kwh"}, "vehicle"
        )
        return Vehicle.build(
            name=text(raw, "name", "EV", max_len=64),
            capacity_kwh=number(raw, "capacity_kwh", 60.0),
            soc=number(raw, "soc", 50.0),
            max_kw=number(raw, "max_kw", 7.4),
            efficiency_mi_per_kwh=number(raw, "efficiency_mi_per_kwh", 3.5),
        )

    def gateway_event(self, event: str, params: Mapping[str, Any] | None = None) -> dict:
        params = dict(params or {})
        self.sync()
        if event == "reboot":
            check_keys(params, set(), "reboot")
            self.boot_count += 1
            dropped = self.auth.drop_sessions()
            return {"event": event, "sessions_dropped": dropped}
        if event == "revoke_tokens":
            check_keys(params, set(), "revoke_tokens")
            self.auth.revoke_all()
            return {"event": event}
        if event == "set_firmware":
            check_keys(params, {"firmware"}, "set_firmware")
            self.gateway.firmware = text(params, "firmware", max_len=32)
            return {"event": event, "firmware": self.gateway.firmware}
        if event == "set_ev_min_role":
            check_keys(params, {"role"}, "set_ev_min_role")
            try:
                self.gateway.ev_min_role = Role.parse(text(params, "role"))
            except ValueError as exc:
                raise invalid(str(exc), "role") from None
            return {"event": event, "role": self.gateway.ev_min_role.label}
        raise invalid(
            f"unknown gateway event {event!r}; one of: {', '.join(GATEWAY_EVENTS)}", "event"
        )

    def trigger_message(self, serial: str, message: object) -> dict[str, Any]:
        charger = self.charger(serial)
        name = ocpp.check_requested(message)
        self.sync()
        return self.emit(charger, name, self.model_t)
