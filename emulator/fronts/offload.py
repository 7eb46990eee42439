"""Heavy work (loading a big scenario) off the event loop, without stalling it anyway.

A worker thread alone is not enough: a full garbage collection over the hundreds of
thousands of objects a big YAML document makes holds the interpreter lock for up to 200 ms,
and the loop waits that long. So while such work runs, automatic *full* collections pause
(young generations are still collected, a few hundred objects at a time; the work's
garbage is mostly freed by reference counting when it ends), and at most
:data:`MAX_CONCURRENT` run at once; more wait their turn. See docs/limits.md.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

MAX_CONCURRENT = 2
"""Heavy jobs running in threads at once, per event loop."""

_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)
_gc_lock = threading.Lock()
_gc_holders = 0
_gc_thresholds = gc.get_threshold()
NO_FULL_COLLECTION = 1_000_000_000


async def off_loop(work: Callable[..., T], *args: object) -> T:
    """``work(*args)`` in a worker thread, with collection paused, at most
    :data:`MAX_CONCURRENT` at once on this loop."""
    loop = asyncio.get_running_loop()
    slots = _SLOTS.get(loop)
    if slots is None:
        slots = _SLOTS[loop] = asyncio.Semaphore(MAX_CONCURRENT)
    async with slots:
        return await asyncio.to_thread(_without_gc, work, *args)


def _without_gc(work: Callable[..., T], *args: object) -> T:
    global _gc_holders, _gc_thresholds
    with _gc_lock:
        if _gc_holders == 0:
            _gc_thresholds = gc.get_threshold()
            young, middle, _ = _gc_thresholds
            gc.set_threshold(young, middle, NO_FULL_COLLECTION)
        _gc_holders += 1
    try:
        return work(*args)
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0:
                gc.set_threshold(*_gc_thresholds)


def freeze_startup_heap() -> None:
    """Keep what start-up made (modules, the first world) out of every later collection:
    a full collection scans the whole heap with the interpreter lock held, so a smaller
    scanned heap is a shorter stall. ``serve`` calls it once it listens. No collection
    first: that would cost start-up a full pass (the little garbage start-up leaves is
    frozen with the rest)."""
    gc.freeze()
