"""``serve``'s event loop: uvloop where it is installed, asyncio's default loop otherwise."""

from __future__ import annotations

import asyncio
import sys

import pytest

from emulator.fronts.server import LoopUnavailable, loop_factory


def test_asyncio_is_asked_for_by_name() -> None:
    assert loop_factory("asyncio") is None


def test_auto_takes_uvloop_when_installed_else_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    uvloop = pytest.importorskip("uvloop")
    factory = loop_factory("auto")
    assert factory is uvloop.new_event_loop
    loop = factory()
    try:
        assert loop.run_until_complete(asyncio.sleep(0, "ran")) == "ran"
    finally:
        loop.close()
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as if not installed
    assert loop_factory("auto") is None
    with pytest.raises(LoopUnavailable, match="pip install uvloop"):
        loop_factory("uvloop")
