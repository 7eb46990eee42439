"""The emulator as a test double: start a real HTTPS gateway from Python in one line.

    async with Gateway.start(scenario="scenarios/home.yaml", seed=3) as gw:
        token = gw.token("installer")
        gw.plug_in(car={"capacity_kwh": 60, "soc": 20})
        async with gw.client(token=token) as http:
            ...  # or hand gw.host / gw.ca_path to the client under test
        await gw.advance("2h")
        gw.assert_called("POST", "/ivp/pdm/charger/{sn}/start_charging", times=1)

``Gateway`` runs in the current event loop; ``SyncGateway`` (``Gateway.start_sync``) runs
the same thing in a background thread for synchronous test suites. Both drive the one
model through the same ``World`` methods the admin API uses, and serve real HTTPS with a
CA that is kept in a per-user cache directory, so starting one costs a few milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
import os
import shutil
import ssl
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import yaml

from . import payloads
from .certs import CA_FILE, CA_KEY_FILE, load_or_create_ca
from .clock import parse_duration, parse_time
from .journal import JournalEntry, Query
from .model.world import World
from .runtime import Emulator, Settings, load_scenario_text
from .server import RunningServer, start_server
from .tokens import KEY_FILE, load_or_create_key

__all__ = [
    "Done",
    "Gateway",
    "JournalEntry",
    "SyncGateway",
    "SyncResponse",
    "default_certs_dir",
]

T = TypeVar("T")
CERTS_ENV = "IQ_GATEWAY_EMULATOR_CERTS"
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")
SHARED_FILES = (CA_FILE, CA_KEY_FILE, KEY_FILE)
TAIL = 20

ScenarioSource = str | os.PathLike[str] | Mapping[str, Any] | None


class Done(dict):  # type: ignore[type-arg]
    """A result that is already there. Use it as a dict, or ``await`` it: both work, so
    ``gw.advance("2h")`` and ``await gw.advance("2h")`` do the same thing."""

    def __await__(self) -> Generator[Any, None, Done]:
        yield from ()
        return self


# -- certificates ---------------------------------------------------------------------------


def default_certs_dir() -> Path:
    """Where the test CA is kept between runs: ``$IQ_GATEWAY_EMULATOR_CERTS``, else
    ``$XDG_CACHE_HOME/iq-gateway-emulator/certs`` (``~/.cache/...``)."""
    if os.environ.get(CERTS_ENV):
        return Path(os.environ[CERTS_ENV])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "iq-gateway-emulator" / "certs"


@contextlib.contextmanager
def _locked(directory: Path) -> Generator[None, None, None]:
    """An exclusive lock across processes (pytest-xdist workers share the cache)."""
    directory.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _shared_ca(certs_dir: Path) -> Path:
    """Make sure ``certs_dir`` holds a CA and a token key (made once, under a lock)."""
    if not all((certs_dir / name).exists() for name in SHARED_FILES):
        with _locked(certs_dir):
            load_or_create_ca(certs_dir)
            load_or_create_key(certs_dir / KEY_FILE)
    return certs_dir / CA_FILE


def _private_copy(certs_dir: Path) -> Path:
    """A private working folder with the shared CA and key: each gateway writes its own
    server certificate there, so gateways in other threads or processes never race."""
    workdir = Path(tempfile.mkdtemp(prefix="iq-gateway-"))
    for name in SHARED_FILES:
        shutil.copyfile(certs_dir / name, workdir / name)
    return workdir


# -- scenarios ------------------------------------------------------------------------------


def resolve_scenario(
    scenario: ScenarioSource, base_dir: str | os.PathLike[str] | None = None
) -> dict[str, Any] | None:
    """A scenario from a file path, YAML text or a dict (``None``: the default scenario).

    A string is a path when it is one line that names an existing file or ends in
    ``.yaml`` / ``.yml`` / ``.json``; otherwise it is YAML text. Relative paths are tried
    against ``base_dir`` first, then the working directory. Dicts are validated like files.
    """
    if scenario is None:
        return None
    if isinstance(scenario, Mapping):
        text = yaml.safe_dump(dict(scenario), sort_keys=False)
        return load_scenario_text(text, "<scenario dict>")
    if isinstance(scenario, os.PathLike) or _looks_like_path(scenario, base_dir):
        path = _find(Path(scenario), base_dir)
        return load_scenario_text(path.read_text(), str(path))
    if not isinstance(scenario, str):
        raise TypeError(f"scenario must be a path, YAML text or a dict, not {type(scenario)}")
    return load_scenario_text(scenario, "<scenario text>")


def _looks_like_path(text: object, base_dir: str | os.PathLike[str] | None) -> bool:
    if not isinstance(text, str) or "\n" in text or not text.strip():
        return False
    if text.strip().lower().endswith(SCENARIO_SUFFIXES):
        return True
    candidates = [Path(text)] + ([Path(base_dir) / text] if base_dir is not None else [])
    return any(c.is_file() for c in candidates)


def _find(path: Path, base_dir: str | os.PathLike[str] | None) -> Path:
    if not path.is_absolute() and base_dir is not None and (Path(base_dir) / path).is_file():
        return Path(base_dir) / path
    if path.is_file():
        return path
    where = f" (looked in {base_dir} and {Path.cwd()})" if base_dir is not None else ""
    raise FileNotFoundError(f"scenario file not found: {path}{where}")


# -- the journal's assertions ----------------------------------------------------------------


def _subset(expected: Any, actual: Any) -> bool:
    """``expected`` is contained in ``actual``: dict keys recursively, anything else equal."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and _subset(v, actual[k]) for k, v in expected.items()
        )
    return bool(expected == actual)


def _matching(
    entries: Iterable[JournalEntry],
    method: str,
    path: str,
    status: int | str | None,
    role: str | None,
    json: Any,
) -> list[JournalEntry]:
    query = Query.build(method=method, path=path, status=status, role=role)
    found = query.select(entries)
    if json is not None:
        found = [e for e in found if _subset(json, e.json())]
    return found


def _describe(method: str, path: str, status: Any, role: Any, json: Any) -> str:
    words = [method.upper(), path]
    if status is not None:
        words.append(f"answered {status}")
    if role is not None:
        words.append(f"as {role}")
    if json is not None:
        words.append(f"with a body containing {jsonlib.dumps(json)}")
    return " ".join(words)


def _listing(entries: list[JournalEntry], title: str) -> str:
    if not entries:
        return "The gateway received no requests."
    shown = entries[-TAIL:]
    head = f"{title} (last {len(shown)} of {len(entries)}, oldest first):"
    return "\n".join([head, *("  " + e.line() for e in shown)])


def check_called(
    entries: list[JournalEntry],
    method: str,
    path: str,
    times: int | None = None,
    *,
    status: int | str | None = None,
    role: str | None = None,
    json: Any = None,
) -> list[JournalEntry]:
    __tracebackhide__ = True
    found = _matching(entries, method, path, status, role, json)
    if (times is None and found) or (times is not None and len(found) == times):
        return found
    what = _describe(method, path, status, role, json)
    expected = "at least once" if times is None else f"{times} time(s)"
    raise AssertionError(
        f"expected {what} {expected}, but it was called {len(found)} time(s).\n"
        + _listing(entries, "Requests the gateway received")
    )


def check_not_called(
    entries: list[JournalEntry],
    method: str,
    path: str,
    *,
    status: int | str | None = None,
    role: str | None = None,
    json: Any = None,
) -> None:
    __tracebackhide__ = True
    found = _matching(entries, method, path, status, role, json)
    if found:
        what = _describe(method, path, status, role, json)
        raise AssertionError(
            f"expected no {what}, but it was called {len(found)} time(s).\n"
            + _listing(found, "The matching requests")
        )


def journal_report(entries: list[JournalEntry], url: str, count: int = TAIL) -> str:
    """The tail of the journal for a failed test's report."""
    if not entries:
        return f"{url}: the client made no requests."
    shown = entries[-count:]
    lines = [
        f"{url}: last {len(shown)} of {len(entries)} requests, oldest first "
        f"(all of them: GET {url}/__emulator/requests)"
    ]
    lines += [e.line(200) for e in shown]
    return "\n".join(lines)


# -- the async API --------------------------------------------------------------------------


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
        ca_path = _shared_ca(shared)
        workdir = _private_copy(shared)
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


# -- the synchronous API --------------------------------------------------------------------


@dataclass(frozen=True)
class SyncResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.body)


class SyncGateway:
    """A :class:`Gateway` served by an event loop in a background thread.

    Every method runs in that loop (thread-safely) and blocks until done; the attributes
    of the async API are the same. Use it as a context manager or call :meth:`stop`.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
        self._loop = loop
        self._thread = thread
        self._gateway: Gateway | None = None

    @classmethod
    def start(cls, scenario: ScenarioSource = None, **options: Any) -> SyncGateway:
        """Same options as :meth:`Gateway.start`."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            try:
                loop.run_forever()
            finally:
                _close_loop(loop)

        thread = threading.Thread(target=run, name="iq-gateway-emulator", daemon=True)
        thread.start()
        ready.wait()
        self = cls(loop, thread)
        try:
            self._gateway = self._run(Gateway.open(scenario, **options))
        except BaseException:
            self._halt()
            raise
        return self

    def _run(self, coro: Awaitable[T], timeout: float = 60) -> T:
        if threading.current_thread() is self._thread:
            raise RuntimeError("SyncGateway methods cannot be called from its own loop")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)  # type: ignore[arg-type]

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        async def call() -> T:
            return fn(*args, **kwargs)

        return self._run(call())

    def _halt(self) -> None:
        if self._loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            raise RuntimeError("the gateway is not running")
        return self._gateway

    def stop(self) -> None:
        if self._gateway is None:
            return
        try:
            if self._gateway.running:
                self._run(self._gateway.stop())
        finally:
            self._halt()

    def __enter__(self) -> SyncGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<SyncGateway at {self.url}>"

    # -- plain attributes (fixed once started) ----------------------------------------------

    @property
    def url(self) -> str:
        return self.gateway.url

    @property
    def host(self) -> str:
        return self.gateway.host

    @property
    def port(self) -> int:
        return self.gateway.port

    @property
    def ca_path(self) -> Path:
        return self.gateway.ca_path

    @property
    def running(self) -> bool:
        return self._gateway is not None and self._gateway.running

    @property
    def emulator(self) -> Emulator:
        """The emulator itself; it lives in the background loop, so prefer the methods."""
        return self.gateway.emulator

    def ssl_context(self) -> ssl.SSLContext:
        return self.gateway.ssl_context()

    # -- proxied to the loop ----------------------------------------------------------------

    @property
    def serial(self) -> str:
        return self._call(lambda: self.gateway.serial)

    @property
    def chargers(self) -> list[str]:
        return self._call(lambda: self.gateway.chargers)

    @property
    def sn(self) -> str:
        return self._call(lambda: self.gateway.sn)

    @property
    def now(self) -> datetime:
        return self._call(lambda: self.gateway.now)

    def token(self, role: str = "installer", **options: Any) -> str:
        return self._call(self.gateway.token, role, **options)

    def gateway_event(self, name: str, **params: Any) -> Done:
        return self._call(self.gateway.gateway_event, name, **params)

    def set_ev_min_role(self, role: str) -> Done:
        return self._call(self.gateway.set_ev_min_role, role)

    def reboot(self) -> Done:
        return self._call(self.gateway.reboot)

    def revoke_tokens(self) -> Done:
        return self._call(self.gateway.revoke_tokens)

    def reset(self, *, clear_journal: bool = True) -> Done:
        return self._call(self.gateway.reset, clear_journal=clear_journal)

    def clock(self) -> Done:
        return self._call(self.gateway.clock)

    def advance(self, duration: str | float) -> Done:
        return self._call(self.gateway.advance, duration)

    def set_time(self, when: str | datetime | float) -> Done:
        return self._call(self.gateway.set_time, when)

    def charger(self, sn: str | None = None) -> dict[str, Any]:
        return self._call(self.gateway.charger, sn)

    def state(self) -> dict[str, Any]:
        return self._call(self.gateway.state)

    def event(self, sn: str | None, name: str, **params: Any) -> Done:
        return self._call(self.gateway.event, sn, name, **params)

    def plug_in(self, sn: str | None = None, car: str | Mapping[str, Any] | None = None) -> Done:
        return self._call(self.gateway.plug_in, sn, car)

    def unplug(self, sn: str | None = None) -> Done:
        return self._call(self.gateway.unplug, sn)

    def fault(self, sn: str | None = None, code: str | None = None) -> Done:
        return self._call(self.gateway.fault, sn, code)

    def clear_fault(self, sn: str | None = None) -> Done:
        return self._call(self.gateway.clear_fault, sn)

    def car_full(self, sn: str | None = None) -> Done:
        return self._call(self.gateway.car_full, sn)

    def ocpp(self, sn: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        return self._call(self.gateway.ocpp, sn, action)

    def requests(self, method: str | None = None, path: str | None = None, **filters: Any):  # type: ignore[no-untyped-def]
        return self._call(self.gateway.requests, method, path, **filters)

    def clear_requests(self) -> int:
        return self._call(self.gateway.clear_requests)

    def _entries(self) -> list[JournalEntry]:
        if not self.running:
            return list(self.gateway.emulator.journal.entries)
        return self._call(lambda: list(self.gateway.emulator.journal.entries))

    def assert_called(
        self, method: str, path: str, times: int | None = None, **match: Any
    ) -> list[JournalEntry]:
        __tracebackhide__ = True
        return check_called(self._entries(), method, path, times, **match)

    def assert_not_called(self, method: str, path: str, **match: Any) -> None:
        __tracebackhide__ = True
        check_not_called(self._entries(), method, path, **match)

    def journal_report(self, count: int = TAIL) -> str:
        return journal_report(self._entries(), self.url, count)

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10,
    ) -> SyncResponse:
        """One HTTPS request with the standard library (CA verified), for sync tests that
        want to poke the gateway without a client of their own. Never raises on 4xx/5xx."""
        all_headers = dict(headers or {})
        data = None
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        if json is not None:
            data = jsonlib.dumps(json).encode()
            all_headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(
            self.url + path, data=data, method=method.upper(), headers=all_headers
        )
        try:
            with urllib.request.urlopen(
                request, timeout=timeout, context=self.ssl_context()
            ) as answer:
                return SyncResponse(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return SyncResponse(error.code, dict(error.headers), error.read())


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is left in a background loop and close it, leaving no thread behind."""
    try:
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
