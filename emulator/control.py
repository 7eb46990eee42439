"""The control facade: every operation users drive, in one place, with no I/O.

The admin API, the Python test doubles, the dashboard and ``ctl`` all call these
methods, so a reset, an event or a clock move means the same thing from every front and
answers with the same shapes. Arguments are Python values (a front parses its own wire
format first); answers are JSON-ready dicts built from the read model.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .model.clock import parse_duration, parse_time
from .model.commands import EV_API
from .model.errors import invalid
from .model.feed import ChangeKind
from .model.roles import TOKEN_ROLES

if TYPE_CHECKING:
    from .fronts.journal import JournalEntry, Query
    from .model.world import World
    from .runtime import Emulator, Rebuilt

MAX_ADVANCE_S = 20 * 365 * 86400
"""The longest single clock move (20 years)."""
MAX_TOKEN_TTL_S = 10 * 365 * 86400
SLICE_BUDGET_S = 0.02
"""Work one slice of a long clock move may take before a server lets others in."""
SLICE_START_S, SLICE_MIN_S, SLICE_MAX_S = 3600.0, 60.0, 30 * 86400.0
"""A slice starts at an hour of emulated time, then halves or doubles to fit the budget."""


class Control:
    """Operations on a running emulator. Each one raises only
    :class:`~emulator.errors.EmulatorError` subclasses (a refusal says what to fix)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    @property
    def world(self) -> World:
        """The current world (replaced by :meth:`reset` and scenario loads)."""
        world = self.emulator.world
        world.sync()
        return world

    # -- reading ----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The whole site: gateway, clock, every charger's snapshot and the power flow."""
        world = self.world
        state = world.view(history=True).as_dict()
        energy = world.energy_view()
        solar, house, chargers = energy.production.total.w, energy.house_load_w, energy.chargers_w
        state["energy"] = {
            "solar_w": solar,
            "house_w": house,
            "chargers_w": chargers,
            "grid_w": round(house + chargers - solar, 1),  # > 0 importing, < 0 exporting
        }
        return state

    def charger(self, which: str) -> dict[str, Any]:
        """One charger's snapshot, by serial or scenario id.

        Raises:
            NotFound: no such charger.
        """
        return self.world.charger_view(which, history=True).as_dict()

    def clock(self) -> dict[str, Any]:
        return self.world.clock.describe()

    def ocpp(self, serial: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        """OCPP messages the chargers sent, oldest first (``serial`` may be an id)."""
        world = self.world
        wanted = None if serial is None else world.charger(serial).serial
        return world.ocpp.select(wanted, action)

    # -- commands ---------------------------------------------------------------------------

    def charger_event(
        self, which: str, event: str, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Run a charger command (names as in the registry; the EV API's parameter names
        ``chargingLevel``/``connectorId`` are accepted beside the canonical ones).

        Raises:
            InvalidRequest: unknown event or bad parameter; NotFound: no such charger;
            Conflict: the charger's state does not allow it.
        """
        world = self.world
        result = world.execute(event, params or {}, which, dialect=EV_API)
        return {**result, "charger": world.charger_view(result["serial"], history=True).as_dict()}

    def gateway_event(self, event: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``reboot``, ``revoke_tokens``, ``set_firmware``, ``set_ev_min_role``.

        Raises:
            InvalidRequest: unknown event or bad parameter.
        """
        return self.world.execute(event, params or {})

    # -- time -------------------------------------------------------------------------------

    def advance(self, duration: str | float) -> dict[str, Any]:
        """Move the clock forward: seconds, or ``"90s"``, ``"40m"``, ``"2h30m"``, ``"30d"``.

        Raises:
            ClockError: not a duration; InvalidRequest: longer than 20 years.
        """
        world = self.emulator.world
        world.advance(self._advance_seconds(duration))
        return world.clock.describe()

    def advance_in_slices(self, duration: str | float) -> Iterator[dict[str, Any]]:
        """The same move as :meth:`advance`, made in slices of emulated time that each
        take about :data:`SLICE_BUDGET_S` of work; a server front lets other requests run
        between slices (the model is consistent at every slice's end). Yields the clock
        after each slice, the last one included. Same errors as :meth:`advance`, raised
        on the first ``next``."""
        world = self.emulator.world
        remaining = self._advance_seconds(duration)
        step = SLICE_START_S
        while True:
            this = min(step, remaining)
            started = time.perf_counter()
            world.advance(this)
            remaining -= this
            yield world.clock.describe()
            if remaining <= 0:
                return
            took = time.perf_counter() - started
            if took < SLICE_BUDGET_S / 4:
                step = min(step * 2, SLICE_MAX_S)
            elif took > SLICE_BUDGET_S:
                step = max(step / 2, SLICE_MIN_S)

    @staticmethod
    def _advance_seconds(duration: str | float) -> float:
        seconds = parse_duration(duration)
        if seconds > MAX_ADVANCE_S:
            raise invalid(
                f"cannot advance by {seconds:g} s in one move; at most {MAX_ADVANCE_S} (20 years)",
                "seconds",
            )
        return seconds

    def set_time(self, when: str | datetime | float) -> dict[str, Any]:
        """Jump forward to a time: ISO text, a datetime (naive means UTC) or epoch seconds.

        Raises:
            ClockError: not a time, or earlier than now.
        """
        if isinstance(when, str):
            target = parse_time(when)
        elif isinstance(when, datetime):
            target = parse_time(when.isoformat())
        elif isinstance(when, bool) or not isinstance(when, int | float):
            raise TypeError(f"set_time takes text, a datetime or epoch seconds, not {when!r}")
        else:
            target = float(when)
        world = self.emulator.world
        world.set_time(target)
        return world.clock.describe()

    def set_rate(self, rate: float) -> dict[str, Any]:
        """Run the clock at ``rate`` emulated seconds per real second from now on (0 stops
        it: manual; 1: real time). The model is brought up to now first, so energy before
        the change counts at the old rate.

        Raises:
            ClockError: a rate below 0 or above one day per second.
        """
        world = self.world  # synced
        world.clock.set_rate(rate)
        world.feed.publish(ChangeKind.CLOCK, world.now(), rate=world.clock.rate)
        return world.clock.describe()

    # -- tokens and lifecycle ---------------------------------------------------------------

    def mint_token(
        self, role: str = "installer", *, ttl_s: float | None = None, username: str | None = None
    ) -> dict[str, Any]:
        """A gateway token as Enphase's token service hands it out (ES256, ``aud`` = the
        gateway serial): ``owner`` lives a year, ``installer`` 12 hours unless ``ttl_s``.

        Raises:
            InvalidRequest: an unknown role or a lifetime out of range.
        """
        if role not in TOKEN_ROLES:
            raise invalid(f"role must be one of {', '.join(TOKEN_ROLES)}, got {role!r}", "role")
        if ttl_s is not None and not 1 <= ttl_s <= MAX_TOKEN_TTL_S:
            raise invalid(f"'ttl_s' must be between 1 and {MAX_TOKEN_TTL_S}, got {ttl_s}", "ttl_s")
        world = self.world
        token = world.auth.mint(role, ttl_s=ttl_s, username=username)
        claims = world.auth.check(token)
        return {"token": token, "role": role, "expires_at": int(claims.expires_at)}

    def reset(
        self, *, clear_journal: bool = False, rebuilt: Rebuilt | None = None
    ) -> dict[str, Any]:
        """Back to the start of the active scenario (tokens stay valid unless revoked;
        the journal is kept unless ``clear_journal``). ``rebuilt``: the start already
        built by :meth:`Emulator.rebuild` (off the event loop)."""
        world = self.emulator.reset(rebuilt)
        if clear_journal:
            self.emulator.journal.clear()
        return {"status": "reset", "clock": world.clock.describe()}

    # -- the request journal ----------------------------------------------------------------

    def requests(self, query: Query) -> list[JournalEntry]:
        return query.select(self.emulator.journal.entries)

    def clear_requests(self) -> int:
        return self.emulator.journal.clear()
