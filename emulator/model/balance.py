"""Site limits on charging current: shared breakers (dynamic load balancing) and the
solar surplus that GREEN chargers follow.

The balancer decides how many amps each charger is offered; it never changes a charger
itself (the world folds, asks, then settles each charger with the answer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from .charger import Charger, Demand, modes_set
from .schedule import ChargeMode


@dataclass
class BreakerGroup:
    name: str
    limit_amps: int
    members: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Allocation:
    amps: dict[str, int]
    limited: frozenset[str]
    """Chargers the shared breaker held below their demand (``dlbActive``)."""


_NONE: frozenset[str] = frozenset()


class Balancer:
    def __init__(
        self,
        chargers: Mapping[str, Charger],
        groups: Mapping[str, BreakerGroup],
        surplus_w: Callable[[float], float],
    ) -> None:
        self._chargers = chargers
        self.groups = groups
        self._surplus_w = surplus_w
        self._group_of: dict[str, BreakerGroup] = {}
        self._green: list[Charger] = []
        self._green_key = (-1, -1)
        """The green pool, kept while no charger's mode was set and none was added."""

    def join(self, serial: str, group: str) -> None:
        self.groups[group].members.append(serial)
        self._group_of[serial] = self.groups[group]

    def in_group(self, serial: str) -> bool:
        return serial in self._group_of

    def _green_chargers(self) -> list[Charger]:
        key = (modes_set(), len(self._chargers))
        if key != self._green_key:
            self._green = [c for c in self._chargers.values() if c.mode is ChargeMode.GREEN]
            self._green_key = key
        return self._green

    def green_pool(self) -> list[Charger]:
        """The GREEN chargers in site order (a fresh list each call)."""
        return list(self._green_chargers())

    def has_green(self) -> bool:
        return bool(self._green_chargers())

    def affected(self, start: Iterable[Charger]) -> list[Charger]:
        """Chargers whose current depends on these: breaker-group mates, the green pool."""
        if isinstance(start, list) and len(start) == 1:  # the common case: one on its own
            alone = start[0]
            if alone.mode is not ChargeMode.GREEN and alone.serial not in self._group_of:
                return [alone]
        seen: dict[str, Charger] = {}
        frontier = list(start)
        groups: set[int] = set()
        pooled = False  # each group's members and the green pool are added once
        while frontier:
            charger = frontier.pop()
            if charger.serial in seen:
                continue
            seen[charger.serial] = charger
            group = self._group_of.get(charger.serial)
            if group is not None and id(group) not in groups:
                groups.add(id(group))
                frontier.extend(self._chargers[s] for s in group.members)
            if not pooled and charger.mode is ChargeMode.GREEN:
                pooled = True
                frontier.extend(self._green_chargers())
        if len(seen) == 1:  # the common case: skip the scan over every charger
            return list(seen.values())
        return [c for c in self._chargers.values() if c.serial in seen]  # in site order

    def allocate(
        self, chargers: list[Charger], demands: Mapping[str, Demand], t: float
    ) -> Allocation:
        if len(chargers) == 1:  # the common case: one charger on its own, not GREEN
            alone = chargers[0].serial
            demand = demands[alone]
            if not (demand.green and demand.amps > 0) and alone not in self._group_of:
                return Allocation({alone: demand.amps}, _NONE)
        amps = {sn: d.amps for sn, d in demands.items()}
        limited: set[str] = set()
        green = [c for c in chargers if demands[c.serial].green and amps[c.serial] > 0]
        if green:
            remaining = self._surplus_w(t)
            for charger in green:
                per_amp = charger.spec.voltage * charger.spec.phases
                give = min(amps[charger.serial], int(remaining // per_amp))
                give = give if give >= charger.spec.min_amps else 0
                amps[charger.serial] = give
                remaining -= give * per_amp
        groups = {id(g): g for c in chargers if (g := self._group_of.get(c.serial))}
        for group in groups.values():
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
        return Allocation(amps, frozenset(limited))
