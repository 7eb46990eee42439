"""The model's agenda: when something will change by itself (a car full, a slot edge, the
sun's next step, a scenario step), in time order.

A charger's wake-up is replaced whenever the charger is rebalanced: the old entry stays in
the heap but is *stale* (its epoch is behind). Stale entries are skipped when they come up
and swept out whenever they outnumber the live ones, so the heap stays bounded by the
number of chargers and pending actions however many commands arrive.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Literal

WakeKind = Literal["charger", "solar", "energy", "action"]
COMPACT_MIN = 64


@dataclass(order=True, slots=True)
class Wakeup:
    at: float
    seq: int
    kind: WakeKind = field(compare=False)
    key: str = field(compare=False)
    epoch: int = field(compare=False, default=0)


class Agenda:
    """A heap of wake-ups with per-key epochs (only the newest wake-up of a key counts)."""

    def __init__(self) -> None:
        self._heap: list[Wakeup] = []
        self._seq = 0
        self._epochs: dict[str, int] = {}
        self._stale = 0
        self.processed = 0
        """Wake-ups handed out so far (each one is a model event: benchmarks count them)."""

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, when: float, kind: WakeKind, key: str) -> None:
        """Add a wake-up that stays valid until it runs (scenario actions, the sun)."""
        self._seq += 1
        heapq.heappush(self._heap, Wakeup(when, self._seq, kind, key, -1))

    def replace(self, key: str, when: float | None) -> None:
        """The one pending wake-up of ``key`` is now ``when`` (or none)."""
        epoch = self._epochs.get(key, 0) + 1
        if key in self._epochs:
            self._stale += 1  # the previous one (if any) no longer counts
        self._epochs[key] = epoch
        if when is not None:
            self._seq += 1
            heapq.heappush(self._heap, Wakeup(when, self._seq, "charger", key, epoch))
        if self._stale > COMPACT_MIN and self._stale > len(self._heap) // 2:
            self._compact()

    def next_due(self, until: float) -> Wakeup | None:
        """Pop the earliest live wake-up at or before ``until``."""
        while self._heap and self._heap[0].at <= until:
            wakeup = heapq.heappop(self._heap)
            if wakeup.epoch < 0 or wakeup.epoch == self._epochs.get(wakeup.key):
                self.processed += 1
                return wakeup
            self._stale = max(0, self._stale - 1)
        return None

    def _compact(self) -> None:
        live = [w for w in self._heap if w.epoch < 0 or w.epoch == self._epochs.get(w.key)]
        heapq.heapify(live)
        self._heap = live
        self._stale = 0
