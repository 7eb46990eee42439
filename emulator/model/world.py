"""The emulated site: gateway, chargers, cars, sun, clock and auth, in one model.

Nothing here knows about HTTP or any wire format. Fronts change the world through its
typed commands (declared once in :mod:`.commands`; ``execute`` runs one by name), read it
through the snapshots of :mod:`.views`, and listen to :attr:`World.feed`.

The world is event-driven: power is constant between events, so it only has work to do
at events, which it takes from its :class:`~.wakeups.Agenda` in time order when the clock
has moved (``sync``). Reading never changes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from . import commands
from .auth import GatewayAuth
from .balance import Balancer, BreakerGroup
from .charger import Charger, ChargerSpec, Transition
from .clock import Clock
from .commands import CANONICAL, Dialect, VehicleRequest
from .errors import invalid, not_found
from .feed import ChangeFeed, ChangeKind
from .gateway import GatewaySpec
from .ocpp import OcppLog, check_requested
from .roles import Role
from .schedule import ChargeMode, Slot, slot_from_payload
from .solar import SolarProfile
from .tokens import TokenAuthority
from .vehicle import Vehicle
from .views import (
    CURRENT_DP,
    SOC_DP,
    ChargerView,
    GatewayView,
    ScheduleWindow,
    SessionView,
    SiteView,
    VehicleView,
    session_numbers,
    watts,
    wh,
)
from .wakeups import Agenda

if TYPE_CHECKING:  # the energy model loads on first use: start-up stays as it was
    from .energy import ArraySpec, EnergyModel, MeteringSpec, StartCounters
    from .energy_view import EnergyView
    from .loads import HouseLoad

CHARGER_EVENTS = commands.CHARGER_EVENTS
GATEWAY_EVENTS = commands.GATEWAY_EVENTS
LATEST_TIME = 221845392000.0
"""9000-01-01T00:00:00Z: the clock stops short of the calendar's end (year 9999)."""
LIVE_STREAM_S = 900
"""How long ``start_live_stream`` asks for fast updates (15 minutes)."""

DEFAULT_INVERTERS = 10
"""[DESIGN] Microinverters of a site whose scenario does not count them."""
MAX_PENDING_FOLDS = 256
"""Power changes kept before the meters are built; one more builds them (the bound)."""

__all__ = ["CHARGER_EVENTS", "GATEWAY_EVENTS", "BreakerGroup", "Site", "World"]


@dataclass
class Site:
    solar: SolarProfile
    groups: dict[str, BreakerGroup] = field(default_factory=dict)
    tariff_per_kwh: float = 0.25
    currency: str = "USD"
    metering: MeteringSpec | None = None
    """None: metered, production CT and a net-consumption CT, one phase."""
    inverters: int = DEFAULT_INVERTERS
    array: ArraySpec | None = None
    """None: ``inverters`` microinverters generated from the world's seed."""
    house_load: HouseLoad | None = None
    """None: the solar profile's constant ``house_load_kw``."""
    lifetime: StartCounters | None = None
    """None: the meters start at 0."""

    @property
    def metered(self) -> bool:
        """The gateway has CTs (/info's imeter)."""
        return self.metering is None or self.metering.metered


Outcome = dict[str, Any]


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
        self.feed = ChangeFeed()
        self.ocpp = OcppLog()
        self.feed.subscribe(self.ocpp.on_change, (ChangeKind.TRANSITION,))
        self.agenda = Agenda()
        self.started_at = clock.now()
        self.model_t = self.started_at
        self._energy: EnergyModel | None = None
        self._energy_folds: list[tuple[float, float]] = []
        """Chargers' power changes (t, total W) before anything read the meters; replayed
        in order when the model is first needed (at most MAX_PENDING_FOLDS)."""
        self._power = _PowerSum()
        self.balancer = Balancer(self.chargers, self.site.groups, self._green_surplus_w)
        self._actions: dict[str, Callable[[World], None]] = {}
        self._action_seq = 0
        self._solar_pending: float | None = None
        self._sessions = 0
        self._syncing = False
        self.boot_count = 1
        self.seed = 0
        self.aliases: dict[str, str] = {}
        """Scenario ids (``garage``) to serials; every front accepts either."""
        self._ids: dict[str, str] = {}

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
        if group is not None and group not in self.site.groups:
            raise invalid(f"breaker group {group!r} is not defined", "group")
        charger = Charger(
            spec,
            self.model_t,
            tz=self.tz,
            mode=mode,
            slots=slots,
            charging_level=charging_level,
            on_transition=self._on_transition,
            on_power=self._power.changed,
        )
        self.chargers[spec.serial] = charger
        self._power.add(charger.power_w)
        if group is not None:
            self.balancer.join(spec.serial, group)
        return charger

    def at(self, when: float, label: str, action: Callable[[World], None]) -> None:
        """Run ``action`` when the model reaches ``when`` (scenario timeline steps)."""
        self._action_seq += 1
        key = f"{label}#{self._action_seq}"
        self._actions[key] = action
        self.agenda.push(when, "action", key)

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
            while (wakeup := self.agenda.next_due(target)) is not None:
                self.model_t = max(self.model_t, wakeup.at)
                self._wake(wakeup.kind, wakeup.key)
            self.model_t = target
        finally:
            self._syncing = False
        return target

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and bring the model along.

        Raises:
            InvalidRequest: negative, NaN, or past the year 9000.
        """
        if not 0 <= seconds <= LATEST_TIME - self.clock.now():  # also refuses NaN
            raise invalid(
                f"cannot advance the clock by {seconds!r} s: it must be >= 0 and end "
                "before the year 9000",
                "seconds",
            )
        self.clock.advance(seconds)
        return self._clock_moved()

    def set_time(self, when: float) -> float:
        """Jump the clock forward to ``when`` (epoch seconds).

        Raises:
            ClockError: the time is earlier than now.
            InvalidRequest: past the year 9000 or NaN.
        """
        if not when <= LATEST_TIME:  # also refuses NaN
            raise invalid(f"cannot set the clock to {when!r}: the year 9000 is the end", "time")
        self.clock.set(when)
        return self._clock_moved()

    def _clock_moved(self) -> float:
        t = self.sync()
        self.feed.publish(ChangeKind.CLOCK, t, now=t)
        return t

    def _wake(self, kind: str, key: str) -> None:
        t = self.model_t
        if kind == "charger":
            self._rebalance(self.balancer.affected([self.chargers[key]]), t, "timer")
        elif kind == "solar":
            self._solar_pending = None
            self._rebalance(self.balancer.affected(self.balancer.green_pool()), t, "solar")
        elif kind == "energy":
            self.energy.fold(t, self._chargers_w())
            self.agenda.push(self.energy.next_change(t), "energy", "meters")
        else:
            self._actions.pop(key)(self)

    # -- the controller -------------------------------------------------------------------

    def _rebalance(self, chargers: list[Charger], t: float, cause: str) -> None:
        if len(chargers) == 1:
            alone = chargers[0]
            if alone.mode is not ChargeMode.GREEN and not self.balancer.in_group(alone.serial):
                self._settle_alone(alone, t, cause)
                return
        for charger in chargers:
            charger.fold(t)
        demands = {c.serial: c.demand(t) for c in chargers}
        allocation = self.balancer.allocate(chargers, demands, t)
        amps, limited_here = allocation.amps, allocation.limited
        feed, agenda = self.feed, self.agenda
        changed: list[Charger] = []
        for charger in chargers:
            serial = charger.serial
            limited = serial in limited_here
            reason = "limited by the shared breaker" if limited else demands[serial].reason
            charger.limited_by_site = limited
            before = charger.power_w
            charger.settle(t, amps[serial], reason, cause)
            after = charger.power_w
            if after != before:
                changed.append(charger)
                feed.notify(ChangeKind.POWER, t, serial, power_w=watts(after))
            agenda.replace(serial, _at_or_after(charger.next_wakeup(t), t))
        if changed:
            self._fold_energy(t)
            self._share_surplus(chargers, changed, t)
        for charger in chargers:
            if charger.mode is ChargeMode.GREEN and charger.vehicle:
                self._schedule_solar(t)
                break

    def _settle_alone(self, charger: Charger, t: float, cause: str) -> None:
        """``_rebalance`` of one charger that shares nothing (no breaker group, not GREEN):
        the same steps, in the same order, without the balancer (it would offer exactly
        the demand)."""
        charger.fold(t)
        demand = charger.demand(t)
        charger.limited_by_site = False
        before = charger.power_w
        charger.settle(t, demand.amps, demand.reason, cause)
        after = charger.power_w
        serial = charger.serial
        if after != before:
            self.feed.notify(ChangeKind.POWER, t, serial, power_w=watts(after))
        self.agenda.replace(serial, _at_or_after(charger.next_wakeup(t), t))
        if after != before:
            self._fold_energy(t)
            self._share_surplus([charger], [charger], t)

    def _share_surplus(self, done: list[Charger], changed: list[Charger], t: float) -> None:
        """A charger that is not GREEN changed what the meters show left over: the GREEN
        chargers (not just rebalanced) take the new surplus."""
        if not self.balancer.has_green() or all(c.mode is ChargeMode.GREEN for c in changed):
            return
        pool = [c for c in self.balancer.green_pool() if c.vehicle and c not in done]
        if pool:
            self._rebalance(self.balancer.affected(pool), t, "surplus")

    def _schedule_solar(self, t: float) -> None:
        if self.site.solar.is_dark:
            return
        when = self.energy.next_change(t)  # a solar step, a load step or midnight
        if self._solar_pending is None or self._solar_pending > when:
            self._solar_pending = when
            self.agenda.push(when, "solar", "sun")

    @property
    def energy(self) -> EnergyModel:
        """The site's meters. Built on first use (start-up stays as cheap as before the
        meters existed): the chargers' power changes so far are replayed into it, which
        gives the very same counters, since ``fold`` integrates exactly. From then on it
        is folded at every power change and woken at each of its own change points
        (solar step, load step, local midnight) to keep reads O(1)."""
        if self._energy is None:
            from .energy import ArraySpec, EnergyModel, MeteringSpec
            from .loads import ConstantLoad

            site = self.site
            model = EnergyModel(
                site.metering or MeteringSpec(),
                site.array or ArraySpec.generate(site.inverters, self.seed),
                site.solar,
                site.house_load or ConstantLoad(site.solar.house_load_w),
                self.tz,
                self.started_at,
                site.lifetime,
            )
            for t, chargers_w in self._energy_folds:
                model.fold(t, chargers_w)
            self._energy_folds.clear()
            self._energy = model
            self.agenda.push(model.next_change(self.model_t), "energy", "meters")
        return self._energy

    def _fold_energy(self, t: float) -> None:
        """Bank the meters up to ``t`` at the chargers' old power; take the new one."""
        energy = self._energy
        if energy is not None:
            energy.fold(t, self._chargers_w())
        elif len(self._energy_folds) >= MAX_PENDING_FOLDS:
            self.energy.fold(t, self._chargers_w())
        else:
            self._energy_folds.append((t, self._chargers_w()))

    def _chargers_w(self) -> float:
        """The chargers' total power, exactly as ``sum`` over them in site order gives it."""
        total = self._power.total(len(self.chargers))
        if total is None:
            return sum(c.power_w for c in self.chargers.values())
        return total

    def _green_surplus_w(self, t: float) -> float:
        """What GREEN chargers may share: production - house load - the other chargers,
        in the meters' own numbers."""
        others = sum(c.power_w for c in self.chargers.values() if c.mode is not ChargeMode.GREEN)
        return self.energy.green_surplus_w(t, others)

    def _on_transition(self, charger: Charger, transition: Transition) -> None:
        self.feed.notify(
            ChangeKind.TRANSITION,
            transition.at,
            charger.serial,
            before=transition.before._value_,  # .value, without the enum's descriptor
            after=transition.after._value_,
            cause=transition.cause,
            reason=transition.reason,
            fault_code=charger.fault_code,
        )

    # -- reading --------------------------------------------------------------------------

    def charger(self, serial: str) -> Charger:
        """The charger by serial or scenario id.

        Raises:
            NotFound: no such charger (the message lists the known ones).
        """
        charger = self.chargers.get(serial) or self.chargers.get(self.aliases.get(serial, ""))
        if charger is None:
            known = ", ".join(
                f"{sn} ({ids[0]})"
                if (ids := [a for a, s in self.aliases.items() if s == sn])
                else sn
                for sn in self.chargers
            )
            raise not_found(
                f"no charger with serial {serial!r} on this gateway (known: {known or 'none'})"
            )
        return charger

    def name_charger(self, charger_id: str, serial: str) -> None:
        """Let fronts call a charger by its scenario id as well as its serial."""
        self.aliases[charger_id] = serial
        self._ids.setdefault(serial, charger_id)

    def charger_id(self, serial: str) -> str:
        return self._ids.get(serial, serial)

    def charger_view(self, which: str | Charger, *, history: bool = False) -> ChargerView:
        """A snapshot of one charger now (by serial, id or the charger itself); its
        transition history (up to 1,000 moves) only when asked for."""
        charger = which if isinstance(which, Charger) else self.charger(which)
        t = self.model_t
        spec = charger.spec
        pending = charger.pending_wh(t)
        vehicle = charger.vehicle
        soc = charger.soc(t)
        window = charger.calendar.window(t) if charger.mode.follows_schedule else None
        return ChargerView(
            at=t,
            serial=charger.serial,
            id=self.charger_id(charger.serial),
            name=spec.name,
            state=charger.state,
            reason=charger.reason,
            fault_code=charger.fault_code,
            connected=charger.connected,
            mode=charger.mode,
            charging_level=charger.charging_level,
            offered_amps=charger.amps,
            power_w=watts(charger.power_w),
            current_a=round(charger.power_w / (spec.voltage * spec.phases), CURRENT_DP),
            lifetime_wh=wh(charger.lifetime_wh(t)),
            session_wh=wh(charger.session_wh(t)) if charger.session else 0.0,
            soc=None if soc is None else round(soc, SOC_DP),
            limited_by_site=charger.limited_by_site,
            dlb_enabled=self.balancer.in_group(charger.serial),
            user_request=charger.user_request,
            user_stopped=charger.user_stopped,
            live_stream_until=charger.live_stream_until,
            vehicle=None
            if vehicle is None
            else VehicleView(
                name=vehicle.name,
                capacity_kwh=vehicle.capacity_kwh,
                soc=round(vehicle.soc_percent(pending), SOC_DP),
                max_kw=vehicle.max_kw,
                efficiency_mi_per_kwh=vehicle.efficiency_mi_per_kwh,
                paused=vehicle.paused,
            ),
            session=self.session_view(charger),
            spec=spec,
            slots=charger.slots,
            window=None
            if window is None
            else ScheduleWindow(
                window[0], window[1], window[2].schedule_type, window[2].charging_level or 0
            ),
            charge_starts=charger.charge_starts,
            history=tuple(charger.history) if history else (),
        )

    def session_view(self, charger: Charger) -> SessionView | None:
        """The charger's running session now, else its last one (None before the first).
        Alone, it is what a running session's snapshot changes between published changes
        (its energy, miles and cost grow with the clock)."""
        session = charger.session or charger.last_session
        if session is None:
            return None
        running = session is charger.session
        return SessionView.of(
            session,
            charger.session_wh(self.model_t),
            self.site.tariff_per_kwh,
            charger.charging_level if running else None,
        )

    def session_numbers(self, charger: Charger) -> tuple[float, float, float]:
        """The fields of :meth:`session_view` that move with the clock
        (:data:`~.views.CLOCKED_SESSION_FIELDS`), alone: what a poll of a charging charger
        needs afresh, at a fraction of a whole snapshot's cost."""
        session = charger.session or charger.last_session
        if session is None:
            return (0.0, 0.0, 0.0)
        return session_numbers(session, charger.session_wh(self.model_t), self.site.tariff_per_kwh)

    def session_history(self, which: str) -> tuple[SessionView, ...]:
        """Past sessions (oldest first, bounded) and the running one, if any."""
        charger = self.charger(which)
        rate = self.site.tariff_per_kwh
        past = [SessionView.of(s, s.energy_wh, rate, None) for s in charger.past_sessions]
        if charger.session is not None:
            current = self.session_view(charger)
            assert current is not None
            past.append(current)
        return tuple(past)

    def gateway_view(self) -> GatewayView:
        gw = self.gateway
        return GatewayView(
            serial=gw.serial,
            firmware=gw.firmware,
            part_number=gw.part_number,
            time_zone=gw.time_zone,
            ev_min_role=gw.ev_min_role.label,
            boot_count=self.boot_count,
            sessions=len(self.auth.sessions),
        )

    def energy_view(self) -> EnergyView:
        """The meters and inverters now (what the production and meter routes show)."""
        return self.energy.view(self.model_t)

    def view(self, *, history: bool = False) -> SiteView:
        """A snapshot of the whole site now (with each charger's history if asked)."""
        return SiteView(
            at=self.model_t,
            gateway=self.gateway_view(),
            chargers=tuple(self.charger_view(c, history=history) for c in self.chargers.values()),
            clock=self.clock.describe(),
            tariff_per_kwh=self.site.tariff_per_kwh,
            currency=self.site.currency,
        )

    # -- commands -------------------------------------------------------------------------

    def execute(
        self,
        name: str,
        args: Mapping[str, Any],
        charger: str | None = None,
        *,
        dialect: Dialect = CANONICAL,
    ) -> Outcome:
        """Run a registered command by name with untyped arguments named in the caller's
        ``dialect`` (they are translated, checked and typed by the registry first).
        ``charger`` names the target of a charger command.

        Raises:
            InvalidRequest: unknown command or a bad argument (the field is named).
            NotFound: no such charger.
            Conflict: the command does not fit the charger's state.
        """
        if charger is None:
            command = commands.find(name, "gateway")
            return getattr(self, command.name)(**dialect.bind(command, args))  # type: ignore[no-any-return]
        command = commands.find(name, "charger")
        self.charger(charger)  # an unknown charger is named before a bad argument
        bound = dialect.bind(command, args)
        return getattr(self, command.name)(charger, **bound)  # type: ignore[no-any-return]

    def _change(self, charger: Charger, event: str, change: Callable[[float], None]) -> Outcome:
        """Apply a checked change at the model's time, then rebalance what it affects."""
        t = self.model_t
        affected = self.balancer.affected([charger])
        for each in affected:
            each.fold(t)
        change(t)
        self._rebalance(self.balancer.affected(affected), t, event)
        self.feed.publish(ChangeKind.COMMAND, t, charger.serial, event=event)
        return {"serial": charger.serial, "event": event, "state": charger.state.value}

    def _target(self, serial: str) -> Charger:
        charger = self.charger(serial)
        self.sync()
        return charger

    def plug_in(self, serial: str, vehicle: str | VehicleRequest | None = None) -> Outcome:
        """Plug a car in (a preset name, parameters, or the default car)."""
        charger = self._target(serial)
        charger.check_plug_in()
        car = self.make_vehicle(vehicle)

        def change(t: float) -> None:
            self._sessions += 1
            charger.plug_in(t, car, self._sessions)
            self.feed.publish(ChangeKind.SESSION_STARTED, t, charger.serial, vehicle=car.name)

        return self._change(charger, "plug_in", change)

    def unplug(self, serial: str) -> Outcome:
        charger = self._target(serial)
        charger.check_unplug()

        def change(t: float) -> None:
            charger.unplug(t)
            self.feed.publish(ChangeKind.SESSION_ENDED, t, charger.serial)

        return self._change(charger, "unplug", change)

    def start_charging(
        self, serial: str, amps: int | None = None, connector_id: int = 1
    ) -> Outcome:
        charger = self._target(serial)
        _check_connector(connector_id)
        charger.check_start(amps)
        return self._change(charger, "start_charging", lambda t: charger.start(amps))

    def stop_charging(self, serial: str, connector_id: int = 1) -> Outcome:
        charger = self._target(serial)
        _check_connector(connector_id)
        charger.check_stop()
        return self._change(charger, "stop_charging", lambda t: charger.stop())

    def set_current(self, serial: str, amps: int) -> Outcome:
        charger = self._target(serial)
        level = charger.check_level(amps)
        return self._change(charger, "set_current", lambda t: charger.set_current(level))

    def fault(self, serial: str, code: str = "GroundFailure") -> Outcome:
        charger = self._target(serial)
        charger.check_fault()
        return self._change(charger, "fault", lambda t: charger.fault(t, code))

    def clear_fault(self, serial: str) -> Outcome:
        charger = self._target(serial)
        charger.check_clear_fault()
        return self._change(charger, "clear_fault", charger.clear_fault)

    def car_full(self, serial: str) -> Outcome:
        charger = self._target(serial)
        charger.check_car()
        return self._change(charger, "car_full", lambda t: charger.car_pause(True))

    def car_resumes(self, serial: str) -> Outcome:
        charger = self._target(serial)
        charger.check_car()
        return self._change(charger, "car_resumes", lambda t: charger.car_pause(False))

    def disconnect(self, serial: str) -> Outcome:
        charger = self._target(serial)
        return self._change(charger, "disconnect", lambda t: setattr(charger, "connected", False))

    def reconnect(self, serial: str) -> Outcome:
        charger = self._target(serial)
        return self._change(charger, "reconnect", lambda t: setattr(charger, "connected", True))

    def set_mode(
        self, serial: str, mode: ChargeMode, schedule: Sequence[Any] | None = None
    ) -> Outcome:
        charger = self._target(serial)
        spec = charger.spec
        slots = (
            None
            if schedule is None
            else tuple(
                slot_from_payload(s, i, spec.min_amps, spec.max_amps)
                for i, s in enumerate(schedule)
            )
        )
        return self._change(charger, "set_mode", lambda t: charger.set_mode(mode, slots))

    def make_vehicle(self, raw: str | VehicleRequest | Mapping[str, Any] | None) -> Vehicle:
        """A car from a preset name, a request, or the default car.

        Raises:
            InvalidRequest: an unknown preset or a parameter out of range.
        """
        if raw is None:
            return Vehicle.build()
        if isinstance(raw, str):
            preset = self.vehicle_presets.get(raw)
            if preset is None:
                known = ", ".join(self.vehicle_presets) or "none defined"
                raise invalid(f"unknown vehicle {raw!r} (known: {known})", "vehicle")
            raw = {"name": raw, **preset}
        request = raw if isinstance(raw, VehicleRequest) else commands.parse_vehicle(raw)
        if not isinstance(request, VehicleRequest):  # a preset naming another preset
            raise invalid("a vehicle preset must be an object of parameters", "vehicle")
        return Vehicle.build(
            name=request.name,
            capacity_kwh=request.capacity_kwh,
            soc=request.soc,
            max_kw=request.max_kw,
            efficiency_mi_per_kwh=request.efficiency_mi_per_kwh,
        )

    def trigger_message(self, serial: str, message: object) -> dict[str, Any]:
        """Ask a charger for an OCPP message; it is logged and returned.

        Raises:
            InvalidRequest: a message the charger does not send.
        """
        charger = self._target(serial)
        name = check_requested(message)
        return self.ocpp.record(self.charger_view(charger), name)

    def start_live_stream(self, serial: str) -> float:
        """Ask a charger for fast updates; returns when they stop (model time)."""
        charger = self._target(serial)
        charger.live_stream_until = self.model_t + LIVE_STREAM_S
        return LIVE_STREAM_S

    def stop_live_stream(self, serial: str) -> None:
        self._target(serial).live_stream_until = None

    # -- gateway commands -----------------------------------------------------------------

    def _gateway_changed(self, event: str, **data: Any) -> Outcome:
        self.feed.publish(ChangeKind.GATEWAY, self.model_t, event=event, **data)
        return {"event": event, **data}

    def reboot(self) -> Outcome:
        """The gateway restarts: every session is dropped (tokens stay valid)."""
        self.sync()
        self.boot_count += 1
        return self._gateway_changed("reboot", sessions_dropped=self.auth.drop_sessions())

    def revoke_tokens(self) -> Outcome:
        self.sync()
        self.auth.revoke_all()
        return self._gateway_changed("revoke_tokens")

    def set_firmware(self, firmware: str) -> Outcome:
        self.sync()
        self.gateway.firmware = firmware
        return self._gateway_changed("set_firmware", firmware=firmware)

    def set_ev_min_role(self, role: Role) -> Outcome:
        self.sync()
        self.gateway.ev_min_role = role
        return self._gateway_changed("set_ev_min_role", role=role.label)


class _PowerSum:
    """The chargers' total power kept as they change, without a pass over every charger.

    ``sum`` adds floats one by one, rounding as it goes; the result is kept only while it
    is provably the same: every power a whole number of W (amps x volts x phases, or a
    car's limit such as 7.4 kW), so each partial sum is exact. Anything else (a limit of
    0.1234 kW is 123.39999999999999 W) counts as odd, and the caller sums as before."""

    __slots__ = ("_count", "_odd", "_whole")

    LIMIT = 2**53

    def __init__(self) -> None:
        self._whole = 0
        self._odd = 0
        self._count = 0

    def add(self, watts: float) -> None:
        """A charger joined, at ``watts``."""
        self._count += 1
        self._take(watts, 1)

    def changed(self, charger: Charger, old: float, new: float) -> None:
        """A charger's power went from ``old`` to ``new`` (its ``on_power`` hook)."""
        self._take(old, -1)
        self._take(new, 1)

    def _take(self, watts: float, sign: int) -> None:
        if watts.__class__ is float and watts.is_integer() and 0 <= watts <= self.LIMIT:
            self._whole += sign * int(watts)
        else:
            self._odd += sign

    def total(self, chargers: int) -> float | None:
        """The exact sum of ``chargers`` powers, or None when only summing them in order
        can tell (or when a charger came in some other way than ``add``)."""
        if self._odd or not self._count or self._count != chargers or self._whole > self.LIMIT:
            return None
        return float(self._whole)


def _check_connector(connector_id: int) -> None:
    if connector_id < 1:
        raise invalid("Connector Id must be greater than 0", "connectorId")
    if connector_id != 1:
        raise invalid(
            f"connectorId {connector_id} does not exist; an IQ EV Charger has one connector, id 1",
            "connectorId",
        )


def _at_or_after(when: float | None, t: float) -> float | None:
    return None if when is None else max(when, t)
