"""The car on the cable: a battery that fills at the power the charger gives it."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import invalid


@dataclass
class Vehicle:
    name: str = "EV"
    capacity_kwh: float = 60.0
    stored_wh: float = 30_000.0
    max_kw: float = 7.4
    efficiency_mi_per_kwh: float = 3.5
    paused: bool = False
    """The car itself stopped taking power (its own limit or timer): ``car_full``."""

    @classmethod
    def build(
        cls,
        *,
        name: str = "EV",
        capacity_kwh: float = 60.0,
        soc: float = 50.0,
        max_kw: float = 7.4,
        efficiency_mi_per_kwh: float = 3.5,
    ) -> Vehicle:
        if not 0 < capacity_kwh <= 500:
            raise invalid("capacity_kwh must be > 0 and <= 500", "capacity_kwh")
        if not 0 <= soc <= 100:
            raise invalid("soc is a percentage from 0 to 100", "soc")
        if not 0 < max_kw <= 350:
            raise invalid("max_kw must be > 0 and <= 350", "max_kw")
        if not 0 < efficiency_mi_per_kwh <= 20:
            raise invalid("efficiency_mi_per_kwh must be > 0 and <= 20", "efficiency_mi_per_kwh")
        return cls(
            name=name,
            capacity_kwh=float(capacity_kwh),
            stored_wh=capacity_kwh * 10 * soc,
            max_kw=float(max_kw),
            efficiency_mi_per_kwh=float(efficiency_mi_per_kwh),
        )

    @property
    def capacity_wh(self) -> float:
        return self.capacity_kwh * 1000

    @property
    def full(self) -> bool:
        return self.stored_wh >= self.capacity_wh

    @property
    def accepting(self) -> bool:
        return not self.paused and not self.full

    def soc_percent(self, extra_wh: float = 0.0) -> float:
        return min(100.0, 100 * (self.stored_wh + extra_wh) / self.capacity_wh)

    def describe(self, extra_wh: float = 0.0) -> dict[str, object]:
        return {
            "name": self.name,
            "capacity_kwh": self.capacity_kwh,
            "soc": round(self.soc_percent(extra_wh), 3),
            "max_kw": self.max_kw,
            "efficiency_mi_per_kwh": self.efficiency_mi_per_kwh,
            "paused": self.paused,
        }
