"""Bring the model up to the clock's now before a route reads or changes it."""

from __future__ import annotations

from ..call import Call


def sync_model(call: Call) -> None:
    call.emulator.world.sync()
