"""One IQ EV Charger: hardware, connector state machine and the energy it delivers.

Power is constant between events, so energy is kept as a *segment*: the totals at
the segment's start plus ``power × elapsed``. Reading never changes the model, and
folding happens only at events, so results do not depend on how often anyone asks
or how the clock was advanced.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .errors import conflict, invalid
from .schedule import Calendar, ChargeMode, Slot
from .states import ACTIVE_STATES, ConnectorState, check_transition
from .vehicle import Vehicle

S = ConnectorState
FULL_EPSILON_WH = 1e-6


@dataclass(frozen=True)
class ChargerSpec:
    serial: str
    name: str
    sku: str = "IQ-EVSE-EU-3032-0105-1300"
    part_number: str = "865-02030 09"
    firmware: str = "25.37.1.13"
    system_version: str = "25.37.1.13"
    processor_board_version: str = "2.0.713.0"
    min_amps: int = 6
    max_amps: int = 32
    breaker_rating: int = 40
    voltage: int = 230
    phases: int = 1
    connection: str = "wifi"
    mac: str = "00:1d:c0:00:00:01"
    ip: str = "192.168.1.50"
    lifetime_wh: float = 0.0

    def check(self) -> None:
        if not 1 <= self.min_amps <= self.max_amps:
            raise invalid(
                f"min_amps ({self.min_amps}) must be >= 1 and <= max_amps ({self.max_amps})",
                "min_amps",
            )
        if self.max_amps > 80:
            raise invalid(f"max_amps {self.max_amps} is above any IQ EV Charger (80 A)", "max_amps")
        if self.breaker_rating < self.max_amps:
            raise invalid(
                f"breaker_rating ({self.breaker_rating} A) must be >= max_amps ({self.max_amps} A)",
                "breaker_rating",
            )
        if self.phases not in (1, 3):
            raise invalid("phases must be 1 or 3", "phases")
        if not 100 <= self.voltage <= 480:
            raise invalid("voltage must be between 100 and 480 V", "voltage")
        if self.connection not in ("wifi", "ethernet"):
            raise invalid("connection must be 'wifi' or 'ethernet'", "connection")
        if self.lifetime_wh < 0:
            raise invalid("lifetime_wh cannot be negative", "lifetime_wh")

    def power_for(self, amps: int) -> float:
        return float(amps * self.voltage * self.phases)


@dataclass
class ChargeSession:
    """From plug-in to unplug, as the cloud's ``session_d`` reports it."""

    number: int
    plugged_in_at: float
    vehicle_name: str
    started_at: float | None = None
    unplugged_at: float | None = None
    energy_wh: float = 0.0
    efficiency_mi_per_kwh: float = 3.5


@dataclass(frozen=True)
class Transition:
    at: float
    before: ConnectorState
    after: ConnectorState
    cause: str
    reason: str | None = None


@dataclass(frozen=True)
class Demand:
    """What a charger would draw right now before site limits, and why not if zero."""

    amps: int
    reason: str | None = None
    green: bool = False


NO_DEMAND = Demand(0)
STOPPED = Demand(0, "session stopped; send start_charging to charge again")
OUTSIDE_SCHEDULE = Demand(0, "outside the charging schedule")
_DEMANDS: dict[int, Demand] = {}
"""Demands are values: one instance per level (a charger asks at every event)."""


def _demand(amps: int) -> Demand:
    demand = _DEMANDS.get(amps)
    if demand is None:
        demand = Demand(amps)
        if len(_DEMANDS) < 256:
            _DEMANDS[amps] = demand
    return demand


_GREEN_DEMANDS: dict[int, Demand] = {}


def _green_demand(amps: int) -> Demand:
    demand = _GREEN_DEMANDS.get(amps)
    if demand is None:
        demand = Demand(amps, "not enough solar surplus", green=True)
        if len(_GREEN_DEMANDS) < 256:
            _GREEN_DEMANDS[amps] = demand
    return demand


PowerHook = Callable[["Charger", float, float], None]
"""Told (charger, old W, new W) whenever a charger's power changes."""
_modes_set = 0


def modes_set() -> int:
    """How many times any charger's mode was set (caches of who is GREEN compare it)."""
    return _modes_set


class Charger:
    def __init__(
        self,
        spec: ChargerSpec,
        t: float,
        *,
        tz: ZoneInfo,
        mode: ChargeMode = ChargeMode.MANUAL,
        slots: tuple[Slot, ...] = (),
        charging_level: int | None = None,
        history_limit: int = 1000,
        on_transition: Callable[[Charger, Transition], None] | None = None,
        on_power: PowerHook | None = None,
    ) -> None:
        spec.check()
        self._on_power = on_power
        self._power_w = 0.0
        self.spec = spec
        self.serial = spec.serial
        self.state = S.AVAILABLE
        self.vehicle: Vehicle | None = None
        self.fault_code: str | None = None
        self.connected = True
        self.mode = mode
        self.calendar = Calendar(tuple(slots), tz)
        self.charging_level = self.check_level(charging_level or spec.max_amps)
        self.user_request = False
        self.user_stopped = False
        self.amps = 0
        self.reason: str | None = None
        self.limited_by_site = False
        self.session: ChargeSession | None = None
        self.last_session: ChargeSession | None = None
        self.past_sessions: deque[ChargeSession] = deque(maxlen=100)
        self.live_stream_until: float | None = None
        self.history: deque[Transition] = deque(maxlen=history_limit)
        self.charge_starts = 0
        self._t = t
        self._lifetime_wh = spec.lifetime_wh
        self._on_transition = on_transition

    # -- reading (never changes the model) -------------------------------------------------

    @property
    def power_w(self) -> float:
        return self._power_w

    @power_w.setter
    def power_w(self, watts: float) -> None:
        old, self._power_w = self._power_w, watts
        if self._on_power is not None and watts != old:
            self._on_power(self, old, watts)

    @property
    def mode(self) -> ChargeMode:
        return self._mode

    @mode.setter
    def mode(self, mode: ChargeMode) -> None:
        global _modes_set
        self._mode = mode
        _modes_set += 1

    @property
    def slots(self) -> tuple[Slot, ...]:
        return self.calendar.slots

    def pending_wh(self, t: float) -> float:
        return self._power_w * max(0.0, t - self._t) / 3600

    def lifetime_wh(self, t: float) -> float:
        return self._lifetime_wh + self.pending_wh(t)

    def session_wh(self, t: float) -> float:
        session = self.session or self.last_session
        if session is None:
            return 0.0
        return session.energy_wh + (self.pending_wh(t) if session is self.session else 0.0)

    def soc(self, t: float) -> float | None:
        return None if self.vehicle is None else self.vehicle.soc_percent(self.pending_wh(t))

    def full_at(self) -> float | None:
        power = self._power_w
        if power <= 0 or self.vehicle is None:
            return None
        remaining = max(0.0, self.vehicle.capacity_wh - self.vehicle.stored_wh)
        return self._t + remaining / power * 3600

    @property
    def auto(self) -> bool:
        """The charge mode, not the user, decides when to charge."""
        return self.mode is not ChargeMode.MANUAL and not self.user_request

    def demand(self, t: float) -> Demand:
        if self.state is S.FAULTED or self.vehicle is None:
            return NO_DEMAND
        if self.user_stopped:
            return STOPPED
        mode = self._mode
        if self.user_request or mode is ChargeMode.MANUAL:
            return _demand(self.charging_level) if self.user_request else NO_DEMAND
        if mode.follows_schedule:
            slot, _ = self.calendar.at(t)
            if slot is None:
                return OUTSIDE_SCHEDULE
            return _demand(slot.charging_level or self.charging_level)
        return _green_demand(self.charging_level)

    def next_wakeup(self, t: float) -> float | None:
        """The next time this charger changes by itself (car full, slot edge)."""
        full = self.full_at()
        if (
            self.vehicle is not None
            and self.state is not S.FAULTED
            and self.auto
            and not self.user_stopped
            and self._mode.follows_schedule
        ):
            edge = self.calendar.at(t)[1]
            if edge is not None:
                return edge if full is None else min(full, edge)
        return full

    # -- changing ------------------------------------------------------------------------

    def fold(self, t: float) -> None:
        """Bank the energy delivered since the segment started; start a new segment at t."""
        delivered = self._power_w * max(0.0, t - self._t) / 3600  # pending_wh(t)
        self._lifetime_wh += delivered
        if self.session is not None:
            self.session.energy_wh += delivered
        if self.vehicle is not None:
            vehicle = self.vehicle
            vehicle.stored_wh = min(vehicle.capacity_wh, vehicle.stored_wh + delivered)
            if self._power_w > 0 and vehicle.capacity_wh - vehicle.stored_wh < FULL_EPSILON_WH:
                vehicle.stored_wh = vehicle.capacity_wh
        self._t = t

    def settle(self, t: float, amps: int, reason: str | None, cause: str) -> None:
        """Move to the state the offered current implies. Call after ``fold(t)``."""
        power = 0.0
        if self.state is S.FAULTED:
            target, reason = S.FAULTED, self.fault_code
        elif self.vehicle is None:
            target, reason = S.AVAILABLE, None
        elif amps >= self.spec.min_amps:
            if not self.vehicle.accepting:
                target = S.SUSPENDED_EV
                reason = "car paused charging" if self.vehicle.paused else "battery full"
            else:
                target, reason = S.CHARGING, None
                power = min(self.spec.power_for(amps), self.vehicle.max_kw * 1000)
        elif self.user_stopped:
            target = S.FINISHING
        elif self.user_request or self.auto:
            target = S.SUSPENDED_EVSE
        else:
            target, reason = S.PREPARING, None
        self.amps = amps if target in (S.CHARGING, S.SUSPENDED_EV) else 0
        self.power_w = power
        self.reason = reason
        self._move(t, target, cause, reason)

    def _move(self, t: float, target: ConnectorState, cause: str, reason: str | None) -> None:
        if target is self.state:
            return
        check_transition(self.state, target)
        transition = Transition(t, self.state, target, cause, reason)
        self.state = target
        self.history.append(transition)
        if target is S.CHARGING:
            self.charge_starts += 1
            if self.session is not None and self.session.started_at is None:
                self.session.started_at = t
        if self._on_transition is not None:
            self._on_transition(self, transition)

    # -- events (the world folds before and settles after each) ---------------------------

    def check_level(self, level: object) -> int:
        if not isinstance(level, int) or isinstance(level, bool):
            raise invalid(
                f"chargingLevel must be a whole number of amps, got {level!r}", "chargingLevel"
            )
        if not self.spec.min_amps <= level <= self.spec.max_amps:
            raise invalid(
                f"Charging level should be in the range [{self.spec.min_amps}-"
                f"{self.spec.max_amps}]",
                "chargingLevel",
            )
        return level

    def check_plug_in(self) -> None:
        if self.vehicle is not None:
            raise conflict(
                f"a car ({self.vehicle.name}) is already plugged into "
                f"{self.serial}; send 'unplug' first"
            )

    def plug_in(self, t: float, vehicle: Vehicle, session_number: int) -> None:
        self.check_plug_in()
        self.vehicle = vehicle
        self.user_request = self.user_stopped = False
        self.session = ChargeSession(
            session_number, t, vehicle.name, efficiency_mi_per_kwh=vehicle.efficiency_mi_per_kwh
        )
        if self.state is S.AVAILABLE:
            self._move(t, S.PREPARING, "plug_in", None)

    def check_unplug(self) -> None:
        if self.vehicle is None or self.session is None:
            raise conflict(f"no car is plugged into {self.serial}; nothing to unplug")

    def unplug(self, t: float) -> None:
        self.check_unplug()
        assert self.session is not None
        self.session.unplugged_at = t
        self.past_sessions.append(self.session)
        self.last_session, self.session = self.session, None
        self.vehicle = None
        self.user_request = self.user_stopped = False

    def check_start(self, level: object) -> None:
        if self.vehicle is None:
            raise conflict(
                f"not plugged: no car is plugged into {self.serial}; "
                "plug one in (event plug_in) before starting a session"
            )
        if self.state is S.FAULTED:
            raise conflict(
                f"charger {self.serial} is faulted ({self.fault_code}); "
                "clear the fault before starting"
            )
        wanted = self.charging_level if level is None else self.check_level(level)
        if self.user_request and self.state is S.CHARGING and wanted == self.charging_level:
            raise invalid(f"Charger is already in charging state at {wanted} A")

    def start(self, level: int | None) -> None:
        self.check_start(level)
        if level is not None:
            self.charging_level = level
        self.user_request, self.user_stopped = True, False

    def check_stop(self) -> None:
        if self.state not in ACTIVE_STATES:
            raise conflict(
                f"charger {self.serial} is not charging (state {self.state}); nothing to stop"
            )

    def stop(self) -> None:
        self.check_stop()
        self.user_request, self.user_stopped = False, True

    def set_current(self, amps: object) -> None:
        self.charging_level = self.check_level(amps)

    def set_mode(self, mode: ChargeMode, slots: tuple[Slot, ...] | None) -> None:
        self.mode = mode
        if slots is not None:
            self.calendar = Calendar(slots, self.calendar.tz)

    def check_fault(self) -> None:
        if self.state is S.FAULTED:
            raise conflict(
                f"charger {self.serial} is already faulted ({self.fault_code}); "
                "send clear_fault first"
            )

    def fault(self, t: float, code: str) -> None:
        self.check_fault()
        self.fault_code = code
        # The power drops to 0 W in the settle that follows (``World._change``), where the
        # world compares power before and after and tells the meters: zeroing it here hid
        # the drop from them.
        # A fault ends the session's request *and* its stop: charging again needs a new
        # start, and a stop before the fault must not outlive it (after clear_fault the
        # connector is PREPARING, from which FINISHING is no legal move).
        self.user_request = self.user_stopped = False
        self._move(t, S.FAULTED, "fault", code)

    def check_clear_fault(self) -> None:
        if self.state is not S.FAULTED:
            raise conflict(f"charger {self.serial} is not faulted (state {self.state})")

    def clear_fault(self, t: float) -> None:
        self.check_clear_fault()
        self.fault_code = None
        self._move(t, S.AVAILABLE if self.vehicle is None else S.PREPARING, "clear_fault", None)

    def check_car(self) -> None:
        if self.vehicle is None:
            raise conflict(f"no car is plugged into {self.serial}; plug one in first")

    def car_pause(self, paused: bool) -> None:
        self.check_car()
        assert self.vehicle is not None
        self.vehicle.paused = paused
