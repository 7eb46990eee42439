"""The async test double: a real HTTPS gateway in the current event loop."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import ssl
from collections.abc import Callable, Coroutine, Generator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..control import Control
from ..fronts.server import RunningServer, start_cloud_server, start_server
from ..model.world import World
from ..runtime import Emulator, Settings
from .ca_cache import default_certs_dir, private_copy, shared_ca
from .controls import Controls, Done
from .sources import ScenarioSource, resolve_scenario

if TYPE_CHECKING:
    from .sync import SyncGateway

T = TypeVar("T")
__all__ = ["Done", "Gateway"]


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


class Gateway(Controls):
    """A running emulator in the current event loop, with helpers to drive and inspect it.

    Model methods (``plug_in``, ``advance``, ...; see :class:`Controls`) act at once and
    return a :class:`Done` dict; awaiting it is optional. Refused actions raise
    :class:`~emulator.errors.ModelError` subclasses with the admin API's message.
    """

    def __init__(self, server: RunningServer, ca_path: Path, workdir: Path | None) -> None:
        self.server = server
        self.control = Control(server.emulator)
        """The control facade this double drives (the admin API drives the same one)."""
        self.ca_path = ca_path
        """The CA certificate file to trust (stable across runs)."""
        self._workdir = workdir
        self._loop = asyncio.get_running_loop()
        self._clients: list[Any] = []
        self._stopped = False
        self.cloud: RunningServer | None = None
        """The emulated Enlighten/Entrez listener (started by :meth:`open`)."""

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
        return _Starting(
            functools.partial(
                cls.open,
                scenario,
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
        )

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
            try:
                cloud = await start_cloud_server(emulator, host, 0)
            except BaseException:
                await server.stop()
                raise
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        gateway = cls(server, ca_path, workdir)
        gateway.cloud = cloud
        return gateway

    async def stop(self) -> None:
        """Close the clients made by :meth:`client`, stop serving, remove temporary files."""
        if self._stopped:
            return
        self._stopped = True
        clients, self._clients = self._clients, []
        for client in clients:
            await client.close()
        try:
            if self.cloud is not None:
                await self.cloud.stop()
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
    def cloud_url(self) -> str:
        """The emulated cloud (Enlighten and Entrez paths): ``https://localhost:54322``.
        ``localhost``, not an IP address: aiohttp's cookie jar drops cookies set by an IP
        host, and cloud clients are cookie-first."""
        if self.cloud is None:
            raise RuntimeError("this gateway was started without its cloud listener")
        return f"https://localhost:{self.cloud.port}"

    def cloud_client(self, **session_options: Any) -> Any:
        """An ``aiohttp.ClientSession`` for the emulated cloud: :attr:`cloud_url` as
        ``base_url``, the CA trusted, a cookie jar for the login cookies. Closed by
        :meth:`stop`."""
        return self.client(base_url=self.cloud_url, **session_options)

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
            base_url=session_options.pop("base_url", self.url),
            connector=aiohttp.TCPConnector(ssl=self.ssl_context()),
            cookie_jar=session_options.pop("cookie_jar", None) or aiohttp.CookieJar(unsafe=True),
            headers=headers,
            **session_options,
        )
        self._clients.append(session)
        return session

    def _do(self, action: Callable[[Control], T]) -> T:
        return action(self.control)
