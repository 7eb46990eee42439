"""The charger status body, cached per charger until the model changes it.

Status is what clients poll (every few seconds, per charger), and building it means a
full :class:`~emulator.model.views.ChargerView` snapshot. The body's ``data`` part is kept
as encoded JSON and reused only while it is *provably* what a fresh build would give:
the same world (a reset or scenario swap builds a new one) and the same change-feed
version (every fact the model changes is published, and bumps it), and then, by how the
charger was when the entry was built (:class:`Validity`):

- ``INSTANT``: only at the same model time (a manual or paused clock);
- ``IDLE``: at any later time: no power flows (so no energy accrues) and the mode does
  not follow a schedule (so no schedule window moves with the clock);
- ``STEADY``: at any later time, with ``session_d`` built afresh: power flows into the
  running session at a rate only a published change can alter, and the mode follows no
  schedule, so the session's energy, miles and cost are the only members that move with
  the clock.

``meta.serverTimeStamp`` is written fresh on every answer. A scenario override of the
route is never cached (its template may read anything). The cache holds one entry per
(route, charger) of each live world, and dies with the world.
"""

from __future__ import annotations

import enum
import weakref
from dataclasses import dataclass

from ...model.charger import Charger
from ...model.views import ChargerView
from ...model.world import World
from ..bodies import json_body
from . import payloads
from .payloads import ms

SESSION_MARK = "\x00session_d\x00"
"""Stands in for ``session_d`` in a STEADY entry's encoded data, where the fresh one goes."""
_ENCODED_MARK = json_body(SESSION_MARK)


class Validity(enum.Enum):
    INSTANT = "instant"
    IDLE = "idle"
    STEADY = "steady"


@dataclass(frozen=True, slots=True)
class Cached:
    version: int
    """The change feed's version when built."""
    at: float
    """The model time it was built at."""
    validity: Validity
    head: bytes
    """The encoded ``data`` member of the envelope; STEADY: up to ``session_d``'s value."""
    tail: bytes = b""
    """STEADY: the rest of ``data`` after ``session_d``'s value."""


_CACHES: weakref.WeakKeyDictionary[World, dict[tuple[str, str], Cached]] = (
    weakref.WeakKeyDictionary()
)


def validity(charger: Charger, view: ChargerView) -> Validity:
    """How long a status body built from ``view`` stays exact (see the module's rules)."""
    if view.window is not None or view.mode.follows_schedule:
        return Validity.INSTANT
    # exact power, not the rounded view: any flow at all makes the body time-dependent
    if charger.power_w == 0:
        return Validity.IDLE
    if charger.session is not None and view.session is not None and view.session.active:
        return Validity.STEADY
    return Validity.INSTANT


def lookup(world: World, route: str, sn: str) -> bytes | None:
    """The whole encoded body if a cached one is still exact, else None."""
    bodies = _CACHES.get(world)
    if bodies is None:
        return None
    found = bodies.get((route, sn))
    if found is None or found.version != world.feed.version:
        return None
    t = world.model_t
    kind = found.validity
    if kind is Validity.IDLE:
        return envelope(t, found.head)
    if kind is Validity.STEADY:
        session = json_body(payloads.session_d(world.session_view(world.charger(sn))))
        return envelope(t, found.head + session + found.tail)
    return envelope(t, found.head) if found.at == t else None


def store(world: World, route: str, sn: str, view: ChargerView, kind: Validity) -> bytes:
    """Remember the status data of ``view`` for ``sn`` (as the client named it: serial or
    id) and return the whole body. Called only after ``sn`` resolved to a charger, so
    entries are bounded by the scenario's chargers and their ids."""
    bodies = _CACHES.get(world)
    if bodies is None:
        bodies = _CACHES[world] = {}
    head, tail = json_body(payloads.status_data(view)), b""
    data = head
    if kind is Validity.STEADY:
        marked = json_body(payloads.status_data(view, SESSION_MARK))
        if marked.count(_ENCODED_MARK) == 1:  # (a charger's name could hold it)
            head, _, tail = marked.partition(_ENCODED_MARK)
        else:
            kind = Validity.INSTANT
    bodies[(route, sn)] = Cached(world.feed.version, view.at, kind, head, tail)
    return envelope(view.at, data)


def envelope(t: float, data: bytes) -> bytes:
    """Exactly ``json_body(payloads.envelope(t, data))`` with ``data`` already encoded."""
    return b'{"meta":{"serverTimeStamp":%d},"data":%b,"error":{}}' % (ms(t), data)
