"""What the cloud knows of each charger: the snapshot of its last report.

A real charger reports to Enlighten every ``reportingInterval`` seconds (faster while a
live stream runs), so the cloud shows state as of that report [DESIGN, docs/cloud.md
"Reporting lag"]. Here a report is a :class:`~emulator.model.views.ChargerView` kept per
charger and replaced when the cloud is asked and the last one is at least one interval old
(live stream: ``LIVE_INTERVAL_S``), or when the cloud itself just sent the charger a
command. A charger the world has ``disconnect``-ed sends no reports: the cloud keeps its
last one and says it is not connected. Interval 0 (the default) means no lag. Pure: no
HTTP; time is the view's ``at`` (the emulator's clock), so it is deterministic.
"""

from __future__ import annotations

import dataclasses

from ...model.views import ChargerView
from ...model.world import World

LIVE_INTERVAL_S = 15.0
"""Report period while a live stream runs [DESIGN]."""
MAX_INTERVAL_S = 86_400.0


class Reports:
    """The last report of each charger of one world; one per world (rebuilt with it)."""

    def __init__(self, interval_s: float = 0.0) -> None:
        if not 0 <= interval_s <= MAX_INTERVAL_S:
            raise ValueError(
                f"reporting interval must be 0..{MAX_INTERVAL_S:.0f} s, not {interval_s}"
            )
        self.interval_s = interval_s
        self._last: dict[str, ChargerView] = {}
        self._offline_at: dict[str, float] = {}
        self._use_battery: dict[str, bool] = {}

    def view(self, world: World, serial: str) -> ChargerView:
        """The charger as the cloud last heard of it (``connected`` is today's truth)."""
        live = world.charger_view(serial)
        last = self._last.get(serial)
        if not live.connected:
            self._offline_at.setdefault(serial, live.at)
            shown = last if last is not None else live
            return dataclasses.replace(shown, connected=False)
        self._offline_at.pop(serial, None)
        if last is None or self._due(last, live):
            self._last[serial] = live
            return live
        return last

    def refresh(self, world: World, serial: str) -> ChargerView:
        """The cloud just commanded the charger: its answer is a fresh report."""
        live = world.charger_view(serial)
        if live.connected:
            self._last[serial] = live
        return self.view(world, serial)

    def offline_at(self, serial: str) -> float | None:
        """When the cloud noticed the charger stopped reporting (None: it reports)."""
        return self._offline_at.get(serial)

    def use_battery(self, serial: str) -> bool:
        """The scheduler's green "use battery for self-consumption" switch [DESIGN: a
        cloud-only setting; the world has no battery]. Off until set."""
        return self._use_battery.get(serial, False)

    def set_use_battery(self, serial: str, enabled: bool) -> None:
        self._use_battery[serial] = enabled

    def _due(self, last: ChargerView, live: ChargerView) -> bool:
        if self.interval_s <= 0:
            return True
        streaming = live.live_stream_until is not None and live.live_stream_until > live.at
        period = min(self.interval_s, LIVE_INTERVAL_S) if streaming else self.interval_s
        return live.at - last.at >= period
