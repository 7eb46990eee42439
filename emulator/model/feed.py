"""The change feed: what changed in the world, published to whoever listens.

The model publishes one :class:`Change` per fact (a connector transition, a session
starting or ending, a power change, a command, a gateway event, a scenario step, the
clock moving). Subscribers are plain callables run synchronously, in subscription order,
right after the change; they must be quick and must not change the world. The OCPP log
is one subscriber; the dashboard's live stream and the status body cache are others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
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
    reader can tell cheaply whether anything it cached may be stale."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self.version = 0
        self._charger_versions: dict[str, int] = {}

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber(change)`` for every later change; returns the unsubscribe."""
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def charger_version(self, serial: str) -> int:
        return self._charger_versions.get(serial, 0)

    def publish(
        self, kind: ChangeKind, at: float, serial: str | None = None, **data: Any
    ) -> Change:
        self.version += 1
        if serial is not None:
            self._charger_versions[serial] = self.version
        change = Change(self.version, at, kind, serial, data)
        for subscriber in tuple(self._subscribers):
            try:
                subscriber(change)
            except Exception:  # a listener's bug must not undo or block the model
                log.exception("change feed subscriber %r failed on %s", subscriber, kind)
        return change
