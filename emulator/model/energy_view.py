"""What the energy model shows at one instant: frozen, rounded once, wire-agnostic.

The model integrates in integers (mW × ms = µJ); this module turns those integers and the
instantaneous powers into the numbers a meter would display. Everything that is not
energy or power (voltage, current, power factor, apparent and reactive figures) is
*made up* deterministically from power, with the constants below, because a real CT
measures them and the emulator has no grid to measure: see docs/energy.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

FlowKind = Literal["production", "consumption", "net"]

UJ_PER_MWH = 3_600_000
"""µJ in one mWh: the model's unit (mW × ms) against the view's (Wh to 3 decimals)."""
DECIMALS = 3
"""The one rounding policy: every float in a view is rounded to 3 decimals, as the
gateway's meter readings print them."""

PV_POWER_FACTOR = 0.98
"""[DESIGN] Inverter output, slightly lagging; also the factor of exported energy."""
LOAD_POWER_FACTOR = 0.95
"""[DESIGN] A house's mixed load, leading as the captured total-consumption CTs read."""
PHASE_OFFSET_V = (0.0, 0.6, -0.4)
"""[DESIGN] Per-phase deviation from nominal, so phases are told apart."""
VOLTS_PER_NET_W = 0.0005
"""[DESIGN] 0.5 V less per kW imported on a phase, 0.5 V more per kW exported."""


def rounded(value: float) -> float:
    """The one rounding policy (and no negative zero)."""
    return round(value, DECIMALS) + 0.0


def wh(microjoules: int) -> float:
    """Exact integer rounding of µJ to mWh (half up), then to Wh: no float drift."""
    return ((2 * microjoules + UJ_PER_MWH) // (2 * UJ_PER_MWH)) / 1000


@dataclass(frozen=True)
class Electrics:
    """Instantaneous figures of one phase (or a sum of phases), unrounded."""

    w: float
    va: float
    var: float
    volts: float
    amps: float


def phase_volts(nominal: float, phase: int, net_w: float) -> float:
    return nominal + PHASE_OFFSET_V[phase] - VOLTS_PER_NET_W * net_w


def electrics(kind: FlowKind, w: float, volts: float) -> Electrics:
    """S from P and a fixed power factor, Q from S, I from S and V. Reactive power is
    positive when lagging (production, export) and negative when leading (load)."""
    if w == 0:
        return Electrics(0.0, 0.0, 0.0, volts, 0.0)
    lagging = kind == "production" or w < 0
    factor = PV_POWER_FACTOR if lagging else LOAD_POWER_FACTOR
    va = abs(w) / factor
    var = va * math.sqrt(1 - factor * factor) * (1 if lagging else -1)
    return Electrics(w, va, var, volts, va / volts if volts > 0 else 0.0)


def combine(parts: Sequence[Electrics]) -> Electrics:
    """A meter's total: powers and currents add up; so do the voltages of several phases
    (as captured: a split-phase CT reports ~247 V, a three-phase one ~712 V)."""
    volts = sum(p.volts for p in parts) if len(parts) > 1 else parts[0].volts
    return Electrics(
        sum(p.w for p in parts),
        sum(p.va for p in parts),
        sum(p.var for p in parts),
        volts,
        sum(p.amps for p in parts),
    )


@dataclass(frozen=True)
class Energy:
    """A meter's energy in µJ: lifetime, since local midnight, over the last seven days;
    delivered (from the grid, or produced) and received (sent to the grid)."""

    delivered: int = 0
    received: int = 0
    delivered_today: int = 0
    received_today: int = 0
    delivered_week: int = 0
    received_week: int = 0

    def __add__(self, other: Energy) -> Energy:
        return Energy(
            self.delivered + other.delivered,
            self.received + other.received,
            self.delivered_today + other.delivered_today,
            self.received_today + other.received_today,
            self.delivered_week + other.delivered_week,
            self.received_week + other.received_week,
        )


@dataclass(frozen=True)
class Flow:
    """One meter, or one phase of it, at one instant. Signs: ``w`` > 0 is production for
    the production meter, consumption for the consumption meter, import for net."""

    w: float
    va: float
    var: float
    power_factor: float
    voltage: float
    current: float
    delivered_wh: float
    received_wh: float
    lifetime_wh: float
    today_wh: float
    last_seven_days_wh: float
    vah_lifetime: float
    vah_today: float
    varh_lead_lifetime: float
    varh_lag_lifetime: float
    varh_lead_today: float
    varh_lag_today: float


def make_flow(kind: FlowKind, now: Electrics, energy: Energy) -> Flow:
    """Round once. Apparent and reactive energy follow from active energy and the same
    fixed power factors as the instantaneous figures."""
    in_factor = PV_POWER_FACTOR if kind == "production" else LOAD_POWER_FACTOR
    tan_in = math.sqrt(1 - in_factor**2) / in_factor
    tan_out = math.sqrt(1 - PV_POWER_FACTOR**2) / PV_POWER_FACTOR
    d, r = wh(energy.delivered), wh(energy.received)
    d_today, r_today = wh(energy.delivered_today), wh(energy.received_today)
    lead_in = kind != "production"
    return Flow(
        w=rounded(now.w),
        va=rounded(now.va),
        var=rounded(now.var),
        power_factor=rounded(now.w / now.va) if now.va else 0.0,
        voltage=rounded(now.volts),
        current=rounded(now.amps),
        delivered_wh=d,
        received_wh=r,
        lifetime_wh=wh(energy.delivered - energy.received),
        today_wh=wh(energy.delivered_today - energy.received_today),
        last_seven_days_wh=wh(energy.delivered_week - energy.received_week),
        vah_lifetime=rounded(d / in_factor + r / PV_POWER_FACTOR),
        vah_today=rounded(d_today / in_factor + r_today / PV_POWER_FACTOR),
        varh_lead_lifetime=rounded(d * tan_in if lead_in else 0.0),
        varh_lag_lifetime=rounded((0.0 if lead_in else d * tan_in) + r * tan_out),
        varh_lead_today=rounded(d_today * tan_in if lead_in else 0.0),
        varh_lag_today=rounded((0.0 if lead_in else d_today * tan_in) + r_today * tan_out),
    )


@dataclass(frozen=True)
class Meter:
    """A CT's reading: the total and one Flow per configured phase."""

    total: Flow
    phases: tuple[Flow, ...]


@dataclass(frozen=True)
class InverterView:
    serial: str
    phase: int
    w: float
    lifetime_wh: float
    last_report_at: int
    last_report_w: int
    max_report_w: int


@dataclass(frozen=True)
class EnergyView:
    """Every number the energy routes need at one instant. ``production`` is always the
    model's truth (a standard gateway shows it through its inverters); ``consumption``
    and ``net`` are None when no consumption CT measures them."""

    at: float
    reading_time: int
    metered: bool
    production_ct: bool
    consumption_ct: Literal["net", "total"] | None
    phases: int
    phase_mode: str
    frequency_hz: float
    production: Meter
    consumption: Meter | None
    net: Meter | None
    inverters: tuple[InverterView, ...]
    house_load_w: float
    chargers_w: float

    @property
    def inverters_reading_time(self) -> int:
        """The newest inverter report, as the gateway dates its inverter totals."""
        return max((i.last_report_at for i in self.inverters), default=0)

    @property
    def inverters_w(self) -> int:
        """Sum of the last reports, as the captured inverter totals add up."""
        return sum(i.last_report_w for i in self.inverters)

    @property
    def inverters_lifetime_wh(self) -> float:
        return rounded(sum(i.lifetime_wh for i in self.inverters))
