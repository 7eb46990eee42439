"""The change feed: what changed in the world, published to whoever listens.

The model publishes one :class:`Change` per fact (a connector transition, a session
starting or ending, a power change, a command, a gateway event, a scenario step, the
clock moving). Subscribers are plain callables run synchronously, in subscription order,
right after the change; they must be quick and must not change the world. The OCPP log
is one subscriber; the dashboard's live stream and the status body cache are others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

log = logging.getLogger("emulator.feed")


class ChangeKind(StrEnum):
    TRANSITION = "transition"
    SESSION_STARTED = "session_started"
    SESSION_ENDED = "session_ended"
    POWER = "power"
    COMMAND = "command"
    GATEWAY = "gateway"
    STEP = "step"
    CLOCK = "clock"


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    at: float
    """Model time (epoch seconds) at which it happened."""
    kind: ChangeKind
    serial: str | None = None
    """The charger it concerns, if any."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """Small JSON-ready details (``{"from": "PREPARING", "to": "CHARGING"}``...)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind.value,
            "serial": self.serial,
            **self.data,
        }


Subscriber = Callable[[Change], None]


class ChangeFeed:
    """Publish/subscribe for changes; ``version`` and ``charger_version`` count them so a
    reader can tell cheaply whether anything it cached may be stale.

    Every change bumps the versions, listened to or not; a :class:`Change` is built only
    when some subscriber takes its kind (a subscriber may name the kinds it wants), so the
    model's hot paths (``notify``) cost a counter when nobody listens."""

    def __init__(self) -> None:
        self._subscriptions: list[tuple[Subscriber, frozenset[ChangeKind] | None]] = []
        self._by_kind: dict[ChangeKind, tuple[Subscriber, ...]] = {kind: () for kind in ChangeKind}
        self.version = 0
        self._charger_versions: dict[str, int] = {}

    def subscribe(
        self, subscriber: Subscriber, kinds: Iterable[ChangeKind] | None = None
    ) -> Callable[[], None]:
        """Call ``subscriber(change)`` for every later change (of ``kinds`` only, if
        given); returns the unsubscribe."""
        entry = (subscriber, None if kinds is None else frozenset(kinds))
        self._subscriptions.append(entry)
        self._index()

        def unsubscribe() -> None:
            for i, each in enumerate(self._subscriptions):
                if each is entry:
                    del self._subscriptions[i]
                    self._index()
                    return

        return unsubscribe

    def _index(self) -> None:
        """Who takes each kind, in subscription order (fresh tuples: a delivery under way
        keeps the subscribers it started with)."""
        self._by_kind = {
            kind: tuple(s for s, kinds in self._subscriptions if kinds is None or kind in kinds)
            for kind in ChangeKind
        }

    def listening(self, kind: ChangeKind) -> bool:
        """Some subscriber takes changes of ``kind``."""
        return bool(self._by_kind[kind])

    def charger_version(self, serial: str) -> int:
        return self._charger_versions.get(serial, 0)

    def publish(
        self, kind: ChangeKind, at: float, serial: str | None = None, **data: Any
    ) -> Change:
        self.version += 1
        if serial is not None:
            self._charger_versions[serial] = self.version
        change = Change(self.version, at, kind, serial, data)
        self._deliver(change, self._by_kind[kind])
        return change

    def notify(self, kind: ChangeKind, at: float, serial: str | None = None, **data: Any) -> None:
        """``publish`` without the returned change: none is built when nobody takes it."""
        self.version += 1
        if serial is not None:
            self._charger_versions[serial] = self.version
        subscribers = self._by_kind[kind]
        if subscribers:
            self._deliver(Change(self.version, at, kind, serial, data), subscribers)

    @staticmethod
    def _deliver(change: Change, subscribers: tuple[Subscriber, ...]) -> None:
        for subscriber in subscribers:
            try:
                subscriber(change)
            except Exception:  # a listener's bug must not undo or block the model
                log.exception("change feed subscriber %r failed on %s", subscriber, change.kind)
