"""The dashboard's live stream: Server-Sent Events pushed by the model's change feed.

Each browser gets one :class:`Stream`. The feed and the journal only mark it dirty (they
run inside the model and must stay quick); the writer sends at most one snapshot per
event-loop tick, built when it is sent, so a burst of changes or a slow browser costs one
snapshot, never a queue. Journal lines wait in a short deque (older ones are dropped and
counted). A reset or scenario load re-subscribes to the new world; shutdown ends every
stream (:func:`close_streams`, an ``on_shutdown`` hook of the app).
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections import deque
from typing import Any

from aiohttp import web

from ...model.feed import Change, ChangeKind
from ...model.world import World
from ...runtime import Emulator
from ..call import CALL_KEY
from ..context import EMULATOR_KEY, emulator_of
from ..journal import JournalEntry

MAX_STREAMS = 8
"""Open streams per emulator; the next browser gets a 429 that says so."""
JOURNAL_BACKLOG = 100
"""Journal lines kept for a browser that reads slowly; older ones are dropped and counted."""
POWER_BACKLOG = 500
"""Charger power changes kept between two snapshots (the chart draws a clock jump's
charge from them); older ones are dropped."""
"""Journal lines kept for a browser that reads slowly; older ones are dropped and counted."""
HEARTBEAT_S = 15.0
"""A comment line this often on a quiet stream (proxies and dead browsers notice)."""
TICK_S = 2.0
"""How often a running clock's snapshot is refreshed when nothing else changes."""
WRITE_TIMEOUT_S = 10.0
"""A browser that takes longer to accept one event is dropped."""

_OPEN: weakref.WeakSet[Stream] = weakref.WeakSet()


def journal_line(entry: JournalEntry) -> dict[str, Any]:
    """What the dashboard's tail shows of an entry (no bodies), with the 401's reason."""
    return {
        "seq": entry.seq,
        "virtual_time": entry.virtual_time,
        "method": entry.method,
        "target": entry.target,
        "status": entry.status,
        "role": entry.role,
        "credentials": entry.credentials,
        "elapsed_ms": round(entry.elapsed_ms, 2),
        "reason": getattr(entry, "reason", None),
        "reason_detail": getattr(entry, "reason_detail", None) or None,
    }


class Stream:
    """One browser's pending events: a dirty flag for the snapshot, a bounded journal."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.wake = asyncio.Event()
        self.closed = False
        self.state_dirty = True
        self.kinds: set[str] = {"hello"}
        self.journal: deque[dict[str, Any]] = deque(maxlen=JOURNAL_BACKLOG)
        self.dropped = 0
        self.power: deque[dict[str, Any]] = deque(maxlen=POWER_BACKLOG)
        self.wake.set()  # the first snapshot goes out at once
        self._unfeed = emulator.world.feed.subscribe(self._on_change)
        self._unworld = emulator.on_world(self._on_world)
        self._unjournal = emulator.journal.subscribe(self._on_entry)
        _OPEN.add(self)

    def _on_change(self, change: Change) -> None:
        if change.kind is ChangeKind.POWER:
            self.power.append({"t": change.at, "serial": change.serial, **change.data})
        self.state_dirty = True
        self.kinds.add(change.kind.value)
        self.wake.set()

    def _on_world(self, world: World) -> None:
        self._unfeed()
        self.power.clear()
        self._unfeed = world.feed.subscribe(self._on_change)
        self.state_dirty = True
        self.kinds.add("world")
        self.wake.set()

    def _on_entry(self, entry: JournalEntry) -> None:
        if len(self.journal) == JOURNAL_BACKLOG:
            self.dropped += 1
        self.journal.append(journal_line(entry))
        self.wake.set()

    def take(self) -> list[tuple[str, Any]]:
        """The events to send now, oldest first; clears what they carry."""
        events: list[tuple[str, Any]] = []
        if self.journal:
            lines, self.journal = list(self.journal), deque(maxlen=JOURNAL_BACKLOG)
            events.append(("journal", {"entries": lines, "dropped": self.dropped}))
        if self.state_dirty:
            state = self.emulator.control.state()  # may sync the model (and re-dirty)
            kinds, self.kinds = sorted(self.kinds), set()
            power, self.power = list(self.power), deque(maxlen=POWER_BACKLOG)
            self.state_dirty = False
            vehicles = self.emulator.world.vehicle_presets
            events.append(
                ("state", {"state": state, "kinds": kinds, "power": power, "vehicles": vehicles})
            )
        return events

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for undo in (self._unfeed, self._unworld, self._unjournal):
            undo()
        _OPEN.discard(self)
        self.wake.set()


def encode(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def live(request: web.Request) -> web.StreamResponse:
    """``GET /__emulator/live``: state and journal events until the browser leaves."""
    dialect = request[CALL_KEY].surface.dialect
    if "text/event-stream" not in request.headers.get("Accept", ""):
        return dialect.refusal(
            406,
            "this is a Server-Sent Events stream: send 'Accept: text/event-stream' "
            "(curl -N -H 'Accept: text/event-stream' ...); for one snapshot use "
            "GET /__emulator/state",
        )
    emulator = emulator_of(request)
    if sum(1 for s in _OPEN if s.emulator is emulator) >= MAX_STREAMS:
        return dialect.refusal(
            429, f"{MAX_STREAMS} live streams are open already; close a dashboard tab"
        )
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    stream = Stream(emulator)
    try:
        await _pump(stream, response)
    except (ConnectionError, TimeoutError):
        pass  # the browser left or stalled
    finally:
        stream.close()
    return response


async def _pump(stream: Stream, response: web.StreamResponse) -> None:
    quiet = 0.0
    while not stream.closed:
        running = stream.emulator.world.clock.rate > 0
        wait = TICK_S if running else HEARTBEAT_S
        try:
            await asyncio.wait_for(stream.wake.wait(), wait)
        except TimeoutError:
            quiet += wait
            if running:
                stream.state_dirty = True
            elif quiet >= HEARTBEAT_S:
                quiet = 0.0
                await asyncio.wait_for(response.write(b": keep-alive\n\n"), WRITE_TIMEOUT_S)
                continue
        await asyncio.sleep(0)  # coalesce: let the rest of this tick's changes land
        stream.wake.clear()
        if stream.closed:
            break
        for event, data in stream.take():
            await asyncio.wait_for(response.write(encode(event, data)), WRITE_TIMEOUT_S)


async def close_streams(app: web.Application) -> None:
    """End the app's streams (an ``on_shutdown`` hook: the server need not wait on them)."""
    emulator = app.get(EMULATOR_KEY)
    for stream in list(_OPEN):
        if emulator is None or stream.emulator is emulator:
            stream.close()


def open_streams(emulator: Emulator) -> int:
    """How many browsers watch this emulator (tests, the bound)."""
    return sum(1 for s in _OPEN if s.emulator is emulator and not s.closed)
