"""The async test double: a real HTTPS gateway in the current event loop."""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
from collections.abc import Callable, Coroutine, Generator, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import payloads
from ..clock import parse_duration, parse_time
from ..journal import JournalEntry, Query
from ..model.world import World
from ..runtime import Emulator, Settings
from ..server import RunningServer, start_server
from .assertions import TAIL, check_called, check_not_called, journal_report
from .ca_cache import default_certs_dir, private_copy, shared_ca
from .sources import ScenarioSource, resolve_scenario

if TYPE_CHECKING:
    from .sync import SyncGateway


class Done(dict):  # type: ignore[type-arg]
    """A result that is already there. Use it as a dict, or ``await`` it: both work, so
    ``gw.advance("2h")`` and ``await gw.advance("2h")`` do the same thing."""

    def __await__(self) -> Generator[Any, None, Done]:
        yield from ()
        return self


class _Starting:
    """What ``Gateway.start(...)`` returns: ``await`` it, or use it with ``async with``."""

    def __init__(self, opener: Callable[[], Coroutine[Any, Any, Gateway]]) -> None:
        self._opener = opener
        self._gateway: Gateway | None = None

    def __await__(self) -> Generator[Any, None, Gateway]:
        return self._opener().__await__()

    async def __aenter__(self) -> Gateway:
        self._gateway = await self._opener()
        return self._gateway

    async def __aexit__(self, *exc: object) -> None:
        if self._gateway is not None:
            await self._gateway.stop()


class Gateway:
    """A running emulator in the current event loop, with helpers to drive and inspect it.

    Model methods (``plug_in``, ``advance``, ...) act at once and return a :class:`Done`
    dict; awaiting it is optional. Refused actions raise ``ModelError`` with the same
    message the admin API would answer with.
    """

    def __init__(self, server: RunningServer, ca_path: Path, workdir: Path | None) -> None:
        self.server = server
        self.ca_path = ca_path
        """The CA certificate file to trust (stable across runs)."""
        self._workdir = workdir
        self._loop = asyncio.get_running_loop()
        self._clients: list[Any] = []
        self._stopped = False

    # -- starting and stopping -------------------------------------------------------------

    @classmethod
    def start(
        cls,
        scenario: ScenarioSource = None,
        *,
        seed: int | None = None,
        clock: str | None = "manual",
        certs_dir: str | os.PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_token: str | None = None,
        extra_names: Iterable[str] = (),
        log_requests: bool = False,
        base_dir: str | os.PathLike[str] | None = None,
    ) -> _Starting:
        """Start a gateway on ``host`` and a free port (``port=0``).

        ``scenario``: a file path, YAML text, a dict, or ``None`` for the default scenario.
        ``clock``: ``manual`` (default: time moves only when you advance it), ``realtime``,
        ``scaled``, or ``None`` to keep the scenario's own clock.
        ``certs_dir``: where the CA is kept (default: :func:`default_certs_dir`).
        """
        options = dict(
            scenario=scenario,
            seed=seed,
            clock=clock,
            certs_dir=certs_dir,
            host=host,
            port=port,
            admin_token=admin_token,
            extra_names=tuple(extra_names),
            log_requests=log_requests,
            base_dir=base_dir,
        )
        return _Starting(lambda: cls.open(**options))

    @classmethod
    def start_sync(cls, scenario: ScenarioSource = None, **options: Any) -> SyncGateway:
        """The same gateway served from a background thread, for synchronous tests."""
        from .sync import SyncGateway

        return SyncGateway.start(scenario, **options)

    @classmethod
    async def open(
        cls,
        scenario: ScenarioSource = None,
        *,
        seed: int | None = None,
        clock: str | None = "manual",
        certs_dir: str | os.PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_token: str | None = None,
        extra_names: tuple[str, ...] = (),
        log_requests: bool = False,
        base_dir: str | os.PathLike[str] | None = None,
    ) -> Gateway:
        parsed = resolve_scenario(scenario, base_dir)
        shared = Path(certs_dir) if certs_dir is not None else default_certs_dir()
        ca_path = shared_ca(shared)
        workdir = private_copy(shared)
        try:
            settings = Settings(
                host=host,
                port=port,
                certs_dir=workdir,
                seed=seed,
                admin_token=admin_token,
                clock=clock,
                extra_names=tuple(extra_names),
                log_requests=log_requests,
            )
            emulator = Emulator(settings, parsed)
            server = await start_server(emulator, host, port)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        return cls(server, ca_path, workdir)

    async def stop(self) -> None:
        """Close the clients made by :meth:`client`, stop serving, remove temporary files."""
        if self._stopped:
            return
        self._stopped = True
        clients, self._clients = self._clients, []
        for client in clients:
            await client.close()
        try:
            await self.server.stop()
        finally:
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)

    async def __aenter__(self) -> Gateway:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running"
        return f"<Gateway {self.serial} at {self.url} ({state})>"

    # -- where it is and how to trust it ---------------------------------------------------

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    @property
    def world(self) -> World:
        """The model (replaced by :meth:`reset`; read it through this property)."""
        return self.server.emulator.world

    @property
    def url(self) -> str:
        """``https://127.0.0.1:54321``"""
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def host(self) -> str:
        """``127.0.0.1:54321``: host and port without a scheme, what pyenphase's
        ``Envoy(host)`` takes."""
        return self.url.removeprefix("https://")

    @property
    def running(self) -> bool:
        return not self._stopped

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts the emulator's CA and checks host names."""
        return self.emulator.certs.client_context()

    def client(self, token: str | None = None, **session_options: Any) -> Any:
        """An ``aiohttp.ClientSession`` for this gateway: ``base_url`` set (so
        ``await http.get("/info")`` works), the CA trusted, and a cookie jar that keeps the
        gateway's session cookie. ``token`` adds ``Authorization: Bearer``. Closed by
        :meth:`stop` if you did not close it."""
        import aiohttp

        if asyncio.get_running_loop() is not self._loop:
            raise RuntimeError(
                "this gateway serves from another event loop, which is not running now: start it"
                " in the loop your test runs in (with pytest-asyncio, give fixtures and tests the"
                " same loop scope), or use SyncGateway"
            )
        headers = dict(session_options.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        session = aiohttp.ClientSession(
            base_url=self.url,
            connector=aiohttp.TCPConnector(ssl=self.ssl_context()),
            cookie_jar=session_options.pop("cookie_jar", None) or aiohttp.CookieJar(unsafe=True),
            headers=headers,
            **session_options,
        )
        self._clients.append(session)
        return session

    # -- the gateway ------------------------------------------------------------------------

    @property
    def serial(self) -> str:
        """The gateway's serial number (the ``aud`` of its tokens)."""
        return self.world.gateway.serial

    @property
    def chargers(self) -> list[str]:
        """Every charger's serial, in scenario order."""
        return list(self.world.chargers)

    @property
    def sn(self) -> str:
        """The serial of the only charger (an error when there are several)."""
        return self._serial(None)

    def token(
        self, role: str = "installer", *, ttl_s: float | None = None, username: str | None = None
    ) -> str:
        """A gateway token (ES256, ``enphaseUser`` = role), as Enphase's token service
        would hand it out: ``owner`` lives a year, ``installer`` 12 hours."""
        self.world.sync()
        return self.world.auth.mint(role, ttl_s=ttl_s, username=username)

    def gateway_event(self, name: str, **params: Any) -> Done:
        """``reboot``, ``revoke_tokens``, ``set_firmware`` (firmware=), ``set_ev_min_role``."""
        return Done(self.world.gateway_event(name, params))

    def set_ev_min_role(self, role: str) -> Done:
        """Who may use the EV routes: ``installer`` (as on 7.6.175) or ``owner``."""
        return self.gateway_event("set_ev_min_role", role=role)

    def reboot(self) -> Done:
        return self.gateway_event("reboot")

    def revoke_tokens(self) -> Done:
        return self.gateway_event("revoke_tokens")

    def reset(self, *, clear_journal: bool = True) -> Done:
        """Back to the start of the scenario (tokens stay valid; the journal is cleared
        unless ``clear_journal=False``)."""
        world = self.emulator.reset()
        if clear_journal:
            self.emulator.journal.clear()
        return Done({"status": "reset", "clock": world.clock.describe()})

    # -- time -------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The emulator's current time (UTC)."""
        return datetime.fromtimestamp(self.world.now(), UTC)

    def clock(self) -> Done:
        self.world.sync()
        return Done(self.world.clock.describe())

    def advance(self, duration: str | float) -> Done:
        """Move the clock forward: seconds, or ``"90s"``, ``"40m"``, ``"2h30m"``, ``"30d"``."""
        self.world.advance(parse_duration(duration))
        return self.clock()

    def set_time(self, when: str | datetime | float) -> Done:
        """Jump forward to a time: ISO text (``2026-06-02T06:00:00Z``), a datetime (naive
        means UTC) or epoch seconds. Never backwards."""
        if isinstance(when, str):
            target = parse_time(when)
        elif isinstance(when, datetime):
            target = parse_time(when.isoformat())
        else:
            target = float(when)
        self.world.set_time(target)
        return self.clock()

    # -- chargers ---------------------------------------------------------------------------

    def _serial(self, sn: str | None) -> str:
        if sn is not None:
            return self.world.charger(sn).serial
        serials = self.chargers
        if len(serials) == 1:
            return serials[0]
        raise ValueError(
            f"this gateway has {len(serials)} chargers ({', '.join(serials) or 'none'}): "
            "say which one"
        )

    def charger(self, sn: str | None = None) -> dict[str, Any]:
        """A charger's full model state (a row of ``GET /__emulator/state``), by serial
        or scenario id; optional when there is one charger."""
        world = self.world
        world.sync()
        return payloads.charger_state(world, world.charger(self._serial(sn)))

    def state(self) -> dict[str, Any]:
        """Every charger's model state plus the clock."""
        world = self.world
        world.sync()
        return {
            "clock": world.clock.describe(),
            "chargers": [payloads.charger_state(world, c) for c in world.chargers.values()],
        }

    def event(self, sn: str | None, name: str, **params: Any) -> Done:
        """Any charger event (``plug_in``, ``car_full``, ``set_current``, ``disconnect`` ...):
        the same names and parameters as the admin API and scenario timelines."""
        world = self.world
        result = world.apply(self._serial(sn), name, params)
        charger = world.charger(result["serial"])
        return Done({**result, "charger": payloads.charger_state(world, charger)})

    def plug_in(self, sn: str | None = None, car: str | Mapping[str, Any] | None = None) -> Done:
        """Plug a car in: a preset name from the scenario's ``vehicles``, or
        ``{capacity_kwh, soc, max_kw, name, efficiency_mi_per_kwh}``; default car if omitted."""
        params = {} if car is None else {"vehicle": dict(car) if isinstance(car, Mapping) else car}
        return self.event(self._serial(sn), "plug_in", **params)

    def unplug(self, sn: str | None = None) -> Done:
        return self.event(self._serial(sn), "unplug")

    def fault(self, sn: str | None = None, code: str | None = None) -> Done:
        """Fault the charger (``GroundFailure`` unless ``code`` says otherwise)."""
        params = {} if code is None else {"code": code}
        return self.event(self._serial(sn), "fault", **params)

    def clear_fault(self, sn: str | None = None) -> Done:
        return self.event(self._serial(sn), "clear_fault")

    def car_full(self, sn: str | None = None) -> Done:
        return self.event(self._serial(sn), "car_full")

    def ocpp(self, sn: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        """OCPP messages the chargers sent (``GET /__emulator/ocpp``)."""
        world = self.world
        world.sync()
        serial = None if sn is None else world.charger(sn).serial
        return [
            e
            for e in world.ocpp_log
            if (serial is None or e["serial"] == serial)
            and (action is None or e["action"] == action)
        ]

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
        return query.select(self.emulator.journal.entries)

    def clear_requests(self) -> int:
        return self.emulator.journal.clear()

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
        entries = list(self.emulator.journal.entries)
        return check_called(entries, method, path, times, status=status, role=role, json=json)

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
        entries = list(self.emulator.journal.entries)
        check_not_called(entries, method, path, status=status, role=role, json=json)

    def journal_report(self, count: int = TAIL) -> str:
        return journal_report(list(self.emulator.journal.entries), self.url, count)
