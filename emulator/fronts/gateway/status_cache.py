"""The charger status body, cached per charger until the model changes it.

Status is what clients poll (every few seconds, per charger), and building it means a
full :class:`~emulator.model.views.ChargerView` snapshot. The body's ``data`` part is kept
as encoded JSON and reused only while it is *provably* what a fresh build would give:

- same world (a reset or scenario swap builds a new one) and same change-feed version
  (every fact the model changes is published, and bumps it); and either
- the same model time (a manual or paused clock: nothing can differ), or
- an *idle* charger: no power flowing (so no session energy accrues) and a mode that
  does not follow a schedule (so no schedule window moves with the clock). Then only
  ``meta.serverTimeStamp`` depends on the time, and it is written fresh on every answer.

A scenario override of the route is never cached (its template may read anything). The
cache holds one entry per (route, charger) of each live world, and dies with the world.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from ...model.world import World
from ..bodies import json_body
from .payloads import ms


@dataclass(frozen=True, slots=True)
class Cached:
    version: int
    """The change feed's version when built."""
    at: float
    """The model time it was built at."""
    idle: bool
    """Valid at any later time while the version holds (see the module's rules)."""
    data: bytes
    """The encoded ``data`` member of the envelope."""


_CACHES: weakref.WeakKeyDictionary[World, dict[tuple[str, str], Cached]] = (
    weakref.WeakKeyDictionary()
)


def lookup(world: World, route: str, sn: str) -> bytes | None:
    """The whole encoded body if a cached one is still exact, else None."""
    bodies = _CACHES.get(world)
    if bodies is None:
        return None
    found = bodies.get((route, sn))
    if found is None or found.version != world.feed.version:
        return None
    t = world.model_t
    if not found.idle and found.at != t:
        return None
    return envelope(t, found.data)


def store(world: World, route: str, sn: str, data: bytes, *, idle: bool) -> None:
    """Remember ``data`` for ``sn`` (as the client named it: serial or id) at this instant.
    Called only after ``sn`` resolved to a charger, so entries are bounded by the
    scenario's chargers and their ids."""
    bodies = _CACHES.get(world)
    if bodies is None:
        bodies = _CACHES[world] = {}
    bodies[(route, sn)] = Cached(world.feed.version, world.model_t, idle, data)


def envelope(t: float, data: bytes) -> bytes:
    """Exactly ``json_body(payloads.envelope(t, data))`` with ``data`` already encoded."""
    return b'{"meta":{"serverTimeStamp":%d},"data":%b,"error":{}}' % (ms(t), data)


def encode(data: object) -> bytes:
    return json_body(data)
