"""The read model: immutable snapshots of the world, computed in one place.

Every reader (gateway and cloud payloads, scenario expectations, response templates, the
``run`` report, the admin state, the dashboard) reads these instead of the live objects,
so a number is computed once and rounded once, by the policy below. The snapshot's field
names are the model's own; each front maps them to its wire names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .clock import iso
from .schedule import ChargeMode, Slot
from .states import ConnectorState

if TYPE_CHECKING:
    from .charger import ChargerSpec, ChargeSession, Transition

ENERGY_DP = 3
"""Wh to the milliwatt-hour."""
POWER_DP = 1
CURRENT_DP = 3
SOC_DP = 2
MONEY_DP = 2
MILES_DP = 2


def wh(value: float) -> float:
    return round(value, ENERGY_DP)


def watts(value: float) -> float:
    return round(value, POWER_DP)


@dataclass(frozen=True, slots=True)
class VehicleView:
    name: str
    capacity_kwh: float
    soc: float
    max_kw: float
    efficiency_mi_per_kwh: float
    paused: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "capacity_kwh": self.capacity_kwh,
            "soc": self.soc,
            "max_kw": self.max_kw,
            "efficiency_mi_per_kwh": self.efficiency_mi_per_kwh,
            "paused": self.paused,
        }


@dataclass(frozen=True, slots=True)
class SessionView:
    """A charge session, from plug-in to unplug (the cloud's ``session_d``)."""

    number: int
    vehicle: str
    plugged_in_at: float
    started_at: float | None
    unplugged_at: float | None
    energy_wh: float
    miles: float
    cost: float
    charge_level: int | None
    """The level of the running session; None once it has ended."""

    @property
    def active(self) -> bool:
        return self.unplugged_at is None

    @classmethod
    def of(
        cls, session: ChargeSession, energy_wh: float, tariff_per_kwh: float, level: int | None
    ) -> SessionView:
        energy, miles, cost = session_numbers(session, energy_wh, tariff_per_kwh)
        return cls(
            number=session.number,
            vehicle=session.vehicle_name,
            plugged_in_at=session.plugged_in_at,
            started_at=session.started_at,
            unplugged_at=session.unplugged_at,
            energy_wh=energy,
            miles=miles,
            cost=cost,
            charge_level=level,
        )


CLOCKED_SESSION_FIELDS = ("energy_wh", "miles", "cost")
"""The :class:`SessionView` fields that grow with the clock while a session charges (and
only they): :func:`session_numbers` gives them, in this order."""


def session_numbers(
    session: ChargeSession, energy_wh: float, tariff_per_kwh: float
) -> tuple[float, float, float]:
    """A session's energy (Wh), miles and cost for ``energy_wh``, rounded by the policy."""
    kwh = energy_wh / 1000
    return (
        round(energy_wh, ENERGY_DP),
        round(kwh * session.efficiency_mi_per_kwh, MILES_DP),
        round(kwh * tariff_per_kwh, MONEY_DP),
    )


@dataclass(frozen=True, slots=True)
class ScheduleWindow:
    """The schedule slot that is running or comes next."""

    start: float
    end: float
    schedule_type: str
    limit: int


@dataclass(frozen=True, slots=True)
class ChargerView:
    at: float
    serial: str
    id: str
    """The scenario id (``garage``), or the serial when the charger has none."""
    name: str
    state: ConnectorState
    reason: str | None
    fault_code: str | None
    connected: bool
    mode: ChargeMode
    charging_level: int
    offered_amps: int
    power_w: float
    current_a: float
    lifetime_wh: float
    session_wh: float
    """Energy of the running session (0 with no car)."""
    soc: float | None
    limited_by_site: bool
    dlb_enabled: bool
    user_request: bool
    user_stopped: bool
    live_stream_until: float | None
    vehicle: VehicleView | None
    session: SessionView | None
    """The running session, or the last one after unplug (None before the first)."""
    spec: ChargerSpec
    slots: tuple[Slot, ...]
    window: ScheduleWindow | None
    charge_starts: int
    history: tuple[Transition, ...]
    """Empty unless the snapshot was taken with ``history=True`` (the admin state)."""

    @property
    def plugged_in(self) -> bool:
        return self.vehicle is not None

    @property
    def charging(self) -> bool:
        return self.state is ConnectorState.CHARGING

    @property
    def faulted(self) -> bool:
        return self.state is ConnectorState.FAULTED

    def as_dict(self) -> dict[str, Any]:
        """Everything the model knows about the charger, by the model's names."""
        spec = self.spec
        return {
            "serial": self.serial,
            "id": self.id,
            "name": self.name,
            "state": self.state.value,
            "reason": self.reason,
            "fault_code": self.fault_code,
            "connected": self.connected,
            "mode": self.mode.value,
            "charging_level": self.charging_level,
            "offered_amps": self.offered_amps,
            "power_w": self.power_w,
            "current_a": self.current_a,
            "lifetime_wh": self.lifetime_wh,
            "session_wh": self.session_wh,
            "soc": self.soc,
            "plugged_in": self.plugged_in,
            "charging": self.charging,
            "limited_by_site": self.limited_by_site,
            "user_request": self.user_request,
            "user_stopped": self.user_stopped,
            "vehicle": self.vehicle.as_dict() if self.vehicle else None,
            "hardware": {
                "min_amps": spec.min_amps,
                "max_amps": spec.max_amps,
                "voltage": spec.voltage,
                "phases": spec.phases,
                "breaker_rating": spec.breaker_rating,
                "sku": spec.sku,
                "firmware": spec.firmware,
                "connection": spec.connection,
            },
            "schedule": [slot.to_payload() for slot in self.slots],
            "charge_starts": self.charge_starts,
            "history": [
                {
                    "at": iso(h.at),
                    "from": h.before.value,
                    "to": h.after.value,
                    "cause": h.cause,
                    "reason": h.reason,
                }
                for h in self.history
            ],
        }


@dataclass(frozen=True, slots=True)
class GatewayView:
    serial: str
    firmware: str
    part_number: str
    time_zone: str
    ev_min_role: str
    boot_count: int
    sessions: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "serial": self.serial,
            "firmware": self.firmware,
            "part_number": self.part_number,
            "ev_min_role": self.ev_min_role,
            "time_zone": self.time_zone,
            "sessions": self.sessions,
            "boot_count": self.boot_count,
        }


@dataclass(frozen=True, slots=True)
class SiteView:
    at: float
    gateway: GatewayView
    chargers: tuple[ChargerView, ...]
    clock: dict[str, Any]
    tariff_per_kwh: float
    currency: str

    @property
    def power_w(self) -> float:
        """What every charger draws together."""
        return watts(sum(c.power_w for c in self.chargers))

    def as_dict(self) -> dict[str, Any]:
        """The admin state (``GET /__emulator/state``)."""
        return {
            "time": self.clock["now"],
            "clock": self.clock,
            "gateway": self.gateway.as_dict(),
            "site": {"power_w": self.power_w, "tariff_per_kwh": self.tariff_per_kwh},
            "chargers": [c.as_dict() for c in self.chargers],
        }
