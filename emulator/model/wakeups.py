"""The model's agenda: when something will change by itself (a car full, a slot edge, the
sun's next step, a scenario step), in time order.

A charger's wake-up is replaced whenever the charger is rebalanced: the old entry stays in
the heap but is *stale* (its epoch is behind). Stale entries are skipped when they come up
and swept out whenever they outnumber the live ones, so the heap stays bounded by the
number of chargers and pending actions however many commands arrive.
"""

from __future__ import annotations

import heapq
from typing import Literal, NamedTuple

WakeKind = Literal["charger", "solar", "energy", "action"]
COMPACT_MIN = 64


class Wakeup(NamedTuple):
    """One wake-up; the heap orders them by (at, seq), and seq is unique."""

    at: float
    seq: int
    kind: WakeKind
    key: str
    epoch: int = 0


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
        epochs = self._epochs
        previous = epochs.get(key)
        if previous is None:
            epoch = 1
        else:
            epoch = previous + 1
            self._stale += 1  # the previous one (if any) no longer counts
        epochs[key] = epoch
        if when is not None:
            self._seq += 1
            heapq.heappush(self._heap, Wakeup(when, self._seq, "charger", key, epoch))
        if self._stale > COMPACT_MIN and self._stale > len(self._heap) // 2:
            self._compact()

    def next_due(self, until: float) -> Wakeup | None:
        """Pop the earliest live wake-up at or before ``until``."""
        heap = self._heap
        while heap and heap[0][0] <= until:
            wakeup = heapq.heappop(heap)
            epoch = wakeup[4]
            if epoch < 0 or epoch == self._epochs.get(wakeup[3]):
                self.processed += 1
                return wakeup
            self._stale = max(0, self._stale - 1)
        return None

    def _compact(self) -> None:
        epochs = self._epochs
        live = [w for w in self._heap if w[4] < 0 or w[4] == epochs.get(w[3])]
        heapq.heapify(live)
        self._heap = live
        self._stale = 0
