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
- ``STEADY``: at any later time, with the session's energy, miles and cost written
  afresh: power flows into the running session at a rate only a published change can
  alter, and the mode follows no schedule, so those three are the only members that move
  with the clock.

``meta.serverTimeStamp`` is written fresh on every answer. A scenario override of the
route is never cached (its template may read anything). The cache holds one entry per
(route, charger) of each live world, and dies with the world.
"""

from __future__ import annotations

import dataclasses
import enum
import weakref
from dataclasses import dataclass
from typing import Any

import orjson

from ...model.charger import Charger
from ...model.views import CLOCKED_SESSION_FIELDS, ChargerView
from ...model.world import World
from ..bodies import json_body
from . import payloads
from .payloads import ms

MARKS = (1.0000000000000002e300, 2.0000000000000004e300, 3.0000000000000004e300)
"""Stand-ins for the clocked session numbers (:data:`~emulator.model.views.
CLOCKED_SESSION_FIELDS`, in that order) in a STEADY entry: where their encodings stand in
the encoded data, the fresh numbers go. No real energy, mileage or cost comes near them."""
_ENCODED_MARKS = tuple(json_body(mark) for mark in MARKS)


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
    parts: tuple[bytes, ...]
    """The encoded ``data`` member of the envelope; STEADY: cut where the clocked session
    numbers go (one more part than numbers)."""
    order: tuple[int, ...] = ()
    """STEADY: which clocked number (an index into :data:`MARKS`) goes into each cut."""
    charger: Charger | None = None
    """STEADY: the charger (the world and the feed version hold, so it is still there)."""


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
    if kind is Validity.STEADY:
        assert found.charger is not None
        numbers = orjson.dumps(world.session_numbers(found.charger))[1:-1].split(b",")
        parts = found.parts
        pieces = [_HEAD, b"%d" % ms(t), _MIDDLE, parts[0]]
        for at, index in enumerate(found.order, 1):
            pieces += (numbers[index], parts[at])
        pieces.append(_TAIL)
        return b"".join(pieces)
    if kind is Validity.IDLE or found.at == t:
        return envelope(t, found.parts[0])
    return None


def store(
    world: World, route: str, sn: str, charger: Charger, view: ChargerView, kind: Validity
) -> bytes:
    """Remember the status data of ``view`` (a snapshot of ``charger``) for ``sn`` (as the
    client named it: serial or id) and return the whole body. Called only after ``sn``
    resolved to ``charger``, so entries are bounded by the scenario's chargers and ids."""
    bodies = _CACHES.get(world)
    if bodies is None:
        bodies = _CACHES[world] = {}
    data = json_body(payloads.status_data(view))
    parts: tuple[bytes, ...] = (data,)
    order: tuple[int, ...] = ()
    if kind is Validity.STEADY:
        cut = _cut(view)
        if cut is None:
            kind = Validity.INSTANT
        else:
            parts, order = cut
    steady = charger if kind is Validity.STEADY else None
    bodies[(route, sn)] = Cached(world.feed.version, view.at, kind, parts, order, steady)
    return envelope(view.at, data)


def _cut(view: ChargerView) -> tuple[tuple[bytes, ...], tuple[int, ...]] | None:
    """The status data of ``view`` cut where its clocked session numbers stand, and their
    order; None when a mark is not found exactly once (a front that stopped showing one,
    or, absurdly, a name holding one)."""
    assert view.session is not None
    marks: dict[str, Any] = dict(zip(CLOCKED_SESSION_FIELDS, MARKS, strict=True))
    marked_session = dataclasses.replace(view.session, **marks)
    marked = json_body(payloads.status_data(dataclasses.replace(view, session=marked_session)))
    if any(marked.count(mark) != 1 for mark in _ENCODED_MARKS):
        return None
    order = tuple(sorted(range(len(MARKS)), key=lambda i: marked.index(_ENCODED_MARKS[i])))
    parts = []
    rest = marked
    for index in order:
        head, _, rest = rest.partition(_ENCODED_MARKS[index])
        parts.append(head)
    parts.append(rest)
    return tuple(parts), order


_HEAD, _MIDDLE, _TAIL = b'{"meta":{"serverTimeStamp":', b'},"data":', b',"error":{}}'


def envelope(t: float, data: bytes) -> bytes:
    """Exactly ``json_body(payloads.envelope(t, data))`` with ``data`` already encoded."""
    return b"".join((_HEAD, b"%d" % ms(t), _MIDDLE, data, _TAIL))
