"""What a site's energy side is made of: which CTs, which microinverters, what the meters
already show, and the integer units the energy model integrates in (mW, ms, µJ)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import invalid

ConsumptionCt = Literal["net", "total"]
REPORT_PERIOD_S = 300
"""[DESIGN] Each microinverter reports every 5 minutes, at its own offset in the cycle."""
SEVEN_DAYS = 7
"""[DESIGN] "last seven days" is today plus the six local days before it: the captured
values share today's fractional Wh, so the window includes today."""
UJ_PER_WH = 3_600_000_000


def mw(watts: float) -> int:
    """A power as whole mW: the model's one quantisation of power."""
    return round(watts * 1000)


def ms(t: float) -> int:
    """A time as whole ms since the epoch: the model's one quantisation of time."""
    return round(t * 1000)


def apportion(total: int, weights: Sequence[int]) -> tuple[int, ...]:
    """Split an integer exactly (largest remainder, ties to the lower index): the parts
    always add up to ``total``, so inverters add up to the array, phases to the meter."""
    scale = sum(weights)
    base = [total * w // scale for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % scale), i))
    for i in order[: total - sum(base)]:
        base[i] += 1
    return tuple(base)


@dataclass(frozen=True)
class MeteringSpec:
    """Which CTs the gateway has. ``metered=False`` is a "standard" gateway: no CTs at
    all, /info says imeter false, production is known only from the inverters."""

    metered: bool = True
    production_ct: bool = True
    consumption_ct: ConsumptionCt | None = "net"
    phases: int = 1
    nominal_voltage: float | None = None
    frequency_hz: float | None = None
    load_split: tuple[int, ...] | None = None
    """Relative share of the house load on each phase (default: equal)."""

    def __post_init__(self) -> None:
        if self.phases not in (1, 2, 3):
            raise invalid("phases must be 1, 2 (split phase) or 3", "phases")
        if self.consumption_ct not in (None, "net", "total"):
            raise invalid("consumption_ct must be 'net', 'total' or none", "consumption_ct")
        if not 100 <= self.volts <= 260:
            raise invalid("nominal_voltage (per phase) must be between 100 and 260 V", "voltage")
        if self.hz not in (50.0, 60.0):
            raise invalid("frequency_hz must be 50 or 60", "frequency_hz")
        split = self.split
        if len(split) != self.phases or min(split) < 0 or sum(split) <= 0:
            raise invalid(f"load_split needs {self.phases} shares >= 0, not all 0", "load_split")

    @property
    def volts(self) -> float:
        """Per phase: a split-phase (US) leg is 120 V, anything else 230 V by default."""
        if self.nominal_voltage is not None:
            return float(self.nominal_voltage)
        return 120.0 if self.phases == 2 else 230.0

    @property
    def hz(self) -> float:
        if self.frequency_hz is not None:
            return float(self.frequency_hz)
        return 60.0 if self.phases == 2 else 50.0

    @property
    def split(self) -> tuple[int, ...]:
        return self.load_split or (1,) * self.phases

    @property
    def phase_mode(self) -> str:
        """As captured: split-phase sites say "split"; single-phase European sites on
        7.6.175 say "three" with phaseCount 1."""
        return "split" if self.phases == 2 else "three"

    @property
    def has_production_ct(self) -> bool:
        return self.metered and self.production_ct

    @property
    def consumption(self) -> ConsumptionCt | None:
        return self.consumption_ct if self.metered else None


@dataclass(frozen=True)
class ArraySpec:
    """The microinverters: serials, relative shares of the array, report offsets."""

    serials: tuple[str, ...]
    weights: tuple[int, ...]
    report_offsets: tuple[int, ...]

    def __post_init__(self) -> None:
        n = len(self.serials)
        if not 1 <= n <= 1000:
            raise invalid("an array has 1 to 1000 microinverters", "inverters")
        if len(set(self.serials)) != n:
            raise invalid("two microinverters share a serial", "inverters")
        if len(self.weights) != n or len(self.report_offsets) != n or min(self.weights) <= 0:
            raise invalid("one weight > 0 and one report offset per microinverter", "inverters")

    @classmethod
    def generate(cls, count: int, seed: int) -> ArraySpec:
        """Same seed, same array: 12-digit serials, shares within ±4 % (orientation,
        shade), offsets spread over the report cycle."""
        if not 1 <= count <= 1000:
            raise invalid("an array has 1 to 1000 microinverters", "inverters")
        rng = random.Random(f"microinverters:{seed}")
        serials: list[str] = []
        while len(serials) < count:
            serial = "4823" + f"{rng.randrange(10**8):08d}"
            if serial not in serials:
                serials.append(serial)
        weights = tuple(rng.randrange(960, 1041) for _ in range(count))
        offsets = tuple(rng.randrange(REPORT_PERIOD_S) for _ in range(count))
        return cls(tuple(serials), weights, offsets)


@dataclass(frozen=True)
class StartCounters:
    """Lifetime energy already on the meters when the emulation starts (Wh).
    Import follows: import = consumption - production + export."""

    production_wh: float = 0.0
    consumption_wh: float = 0.0
    export_wh: float = 0.0

    def __post_init__(self) -> None:
        values = (self.production_wh, self.consumption_wh, self.export_wh)
        if min(values) < 0:
            raise invalid("starting energy counters cannot be negative", "lifetime")
        if self.consumption_wh - self.production_wh + self.export_wh < 0:
            raise invalid(
                "starting counters imply a negative import: need consumption - production "
                "+ export >= 0",
                "lifetime",
            )
