"""The methods both test doubles share, written once over the control facade.

``Gateway`` runs them directly in its event loop; ``SyncGateway`` hops to the loop's
thread first. Each subclass says how in :meth:`Controls._do`; everything else (names,
arguments, types, docstrings) is this one class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from ..control import Control
from ..errors import invalid
from ..fronts.journal import JournalEntry, Query
from .assertions import TAIL, check_called, check_not_called, journal_report

T = TypeVar("T")


class Done(dict[str, Any]):
    """A result that is already there. Use it as a dict, or ``await`` it: both work, so
    ``gw.advance("2h")`` and ``await gw.advance("2h")`` do the same thing."""

    def __await__(self):  # type: ignore[no-untyped-def]
        yield from ()
        return self


class Controls:
    """Drive and inspect the emulated gateway. Refused actions raise
    :class:`~emulator.errors.ModelError` subclasses with the admin API's message."""

    @property
    def url(self) -> str:
        """``https://127.0.0.1:54321``"""
        raise NotImplementedError

    def _do(self, action: Callable[[Control], T]) -> T:
        raise NotImplementedError

    def _serial(self, control: Control, sn: str | None) -> str:
        world = control.world
        if sn is not None:
            return world.charger(sn).serial
        serials = list(world.chargers)
        if len(serials) == 1:
            return serials[0]
        raise invalid(
            f"this gateway has {len(serials)} chargers ({', '.join(serials) or 'none'}): "
            "say which one"
        )

    # -- the gateway ------------------------------------------------------------------------

    @property
    def serial(self) -> str:
        """The gateway's serial number (the ``aud`` of its tokens)."""
        return self._do(lambda c: c.world.gateway.serial)

    @property
    def chargers(self) -> list[str]:
        """Every charger's serial, in scenario order."""
        return self._do(lambda c: list(c.world.chargers))

    @property
    def sn(self) -> str:
        """The serial of the only charger (InvalidRequest when there are several)."""
        return self._do(lambda c: self._serial(c, None))

    def token(
        self, role: str = "installer", *, ttl_s: float | None = None, username: str | None = None
    ) -> str:
        """A gateway token (ES256, ``enphaseUser`` = role), as Enphase's token service
        would hand it out: ``owner`` lives a year, ``installer`` 12 hours."""
        minted = self._do(lambda c: c.mint_token(role, ttl_s=ttl_s, username=username))
        return str(minted["token"])

    def gateway_event(self, name: str, **params: Any) -> Done:
        """``reboot``, ``revoke_tokens``, ``set_firmware`` (firmware=), ``set_ev_min_role``."""
        return Done(self._do(lambda c: c.gateway_event(name, params)))

    def set_ev_min_role(self, role: str) -> Done:
        """Who may use the EV routes: ``installer`` (as on 7.6.175) or ``owner``."""
        return self.gateway_event("set_ev_min_role", role=role)

    def reboot(self) -> Done:
        return self.gateway_event("reboot")

    def revoke_tokens(self) -> Done:
        return self.gateway_event("revoke_tokens")

    def reset(self, *, clear_journal: bool = True) -> Done:
        """Back to the start of the scenario (tokens stay valid unless revoked, as long as
        the clock has reached their issue time; the journal is cleared unless
        ``clear_journal=False``)."""
        return Done(self._do(lambda c: c.reset(clear_journal=clear_journal)))

    # -- time -------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The emulator's current time (UTC)."""
        return datetime.fromtimestamp(self._do(lambda c: c.world.model_t), UTC)

    def clock(self) -> Done:
        return Done(self._do(lambda c: c.clock()))

    def advance(self, duration: str | float) -> Done:
        """Move the clock forward: seconds, or ``"90s"``, ``"40m"``, ``"2h30m"``, ``"30d"``."""
        return Done(self._do(lambda c: c.advance(duration)))

    def set_time(self, when: str | datetime | float) -> Done:
        """Jump forward to a time: ISO text (``2026-06-02T06:00:00Z``), a datetime (naive
        means UTC) or epoch seconds. Never backwards."""
        return Done(self._do(lambda c: c.set_time(when)))

    # -- chargers ---------------------------------------------------------------------------

    def charger(self, sn: str | None = None) -> dict[str, Any]:
        """A charger's snapshot (a row of ``GET /__emulator/state``), by serial or scenario
        id; optional when there is one charger."""
        return self._do(lambda c: c.charger(self._serial(c, sn)))

    def state(self) -> dict[str, Any]:
        """The whole site, as ``GET /__emulator/state`` answers it."""
        return self._do(lambda c: c.state())

    def event(self, sn: str | None, name: str, **params: Any) -> Done:
        """Any charger event (``plug_in``, ``car_full``, ``set_current``, ``disconnect`` ...):
        the same names and parameters as the admin API and scenario timelines."""
        return Done(self._do(lambda c: c.charger_event(self._serial(c, sn), name, params)))

    def plug_in(self, sn: str | None = None, car: str | Mapping[str, Any] | None = None) -> Done:
        """Plug a car in: a preset name from the scenario's ``vehicles``, or
        ``{capacity_kwh, soc, max_kw, name, efficiency_mi_per_kwh}``; default car if omitted."""
        params = {} if car is None else {"vehicle": dict(car) if isinstance(car, Mapping) else car}
        return self.event(sn, "plug_in", **params)

    def unplug(self, sn: str | None = None) -> Done:
        return self.event(sn, "unplug")

    def fault(self, sn: str | None = None, code: str | None = None) -> Done:
        """Fault the charger (``GroundFailure`` unless ``code`` says otherwise)."""
        return self.event(sn, "fault", **({} if code is None else {"code": code}))

    def clear_fault(self, sn: str | None = None) -> Done:
        return self.event(sn, "clear_fault")

    def car_full(self, sn: str | None = None) -> Done:
        return self.event(sn, "car_full")

    def ocpp(self, sn: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        """OCPP messages the chargers sent (``GET /__emulator/ocpp``)."""
        return self._do(lambda c: c.ocpp(sn, action))

    # -- the journal ------------------------------------------------------------------------

    def requests(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        status: int | str | None = None,
        since: int | str | datetime | None = None,
        limit: int | None = None,
        role: str | None = None,
    ) -> list[JournalEntry]:
        """Requests the gateway answered, oldest first, filtered like
        ``GET /__emulator/requests``: ``path`` is a pattern (``/ivp/pdm/*``,
        ``/ivp/pdm/charger/{sn}/status``), ``status`` a code or class (``4xx``), ``since`` a
        sequence number or a time on the emulator's clock, ``limit`` keeps the last N."""
        query = Query.build(method, path, status, since, limit, role)
        return self._do(lambda c: c.requests(query))

    def clear_requests(self) -> int:
        return self._do(lambda c: c.clear_requests())

    def _entries(self) -> list[JournalEntry]:
        return self._do(lambda c: list(c.emulator.journal.entries))

    def assert_called(
        self,
        method: str,
        path: str,
        times: int | None = None,
        *,
        status: int | str | None = None,
        role: str | None = None,
        json: Any = None,
    ) -> list[JournalEntry]:
        """Assert the client made this request (``times`` exactly, or at least once).
        ``json``: the request body must contain these keys and values. Returns the matches;
        the failure message lists what the gateway did receive."""
        __tracebackhide__ = True
        return check_called(
            self._entries(), method, path, times, status=status, role=role, json=json
        )

    def assert_not_called(
        self,
        method: str,
        path: str,
        *,
        status: int | str | None = None,
        role: str | None = None,
        json: Any = None,
    ) -> None:
        __tracebackhide__ = True
        check_not_called(self._entries(), method, path, status=status, role=role, json=json)

    def journal_report(self, count: int = TAIL) -> str:
        return journal_report(self._entries(), self.url, count)
