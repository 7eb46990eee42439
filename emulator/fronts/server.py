"""Serving an Emulator over HTTPS in the current event loop, one listener per call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from ..runtime import Emulator
from .app import make_app
from .connections import IDLE_TIMEOUT_S, MAX_CONNECTIONS, limit_connections
from .surface import Surface


@dataclass
class RunningServer:
    emulator: Emulator
    runner: web.AppRunner
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_server(
    emulator: Emulator,
    host: str | None = None,
    port: int | None = None,
    surfaces: Sequence[Surface] | None = None,
    *,
    idle_timeout: float = IDLE_TIMEOUT_S,
    max_connections: int = MAX_CONNECTIONS,
) -> RunningServer:
    """Start serving ``surfaces`` (default: the gateway and the admin API); ``port=0``
    picks a free port (read it back from ``.port``). A second listener, e.g. for the
    cloud, is one more call with its own port and surfaces."""
    host = emulator.settings.host if host is None else host
    port = emulator.settings.port if port is None else port
    if surfaces is None:  # the gateway, the admin API, and the cloud by its host names
        from .cloud.surface import HOSTED
        from .registry import main_surfaces

        surfaces = (*main_surfaces(), HOSTED)
    runner = web.AppRunner(
        make_app(emulator, surfaces),
        access_log=None,
        handle_signals=False,
        keepalive_timeout=idle_timeout,  # also the header read timeout: see .connections
    )
    await runner.setup()
    if runner.server is not None:
        limit_connections(runner.server, max_connections)
    site = web.TCPSite(runner, host, port, ssl_context=emulator.certs.server_context())
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound = runner.addresses[0][1] if runner.addresses else port
    return RunningServer(emulator, runner, host, bound)


async def start_cloud_server(
    emulator: Emulator, host: str | None = None, port: int | None = None
) -> RunningServer:
    """The cloud listener (``serve --cloud-port``): Enlighten and Entrez on every path."""
    from .cloud.surface import SURFACE

    cloud_port = emulator.settings.cloud_port if port is None else port
    return await start_server(emulator, host, cloud_port or 0, (SURFACE,))


LOOPS = ("auto", "uvloop", "asyncio")


class LoopUnavailable(Exception):
    """The event loop asked for is not installed."""


def loop_factory(choice: str = "auto") -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop ``serve`` runs on: uvloop where it is installed (``auto``; its socket
    and TLS transports cost less per request than asyncio's), else asyncio's default loop
    (None, what ``asyncio.run`` makes). ``uvloop`` insists on it; ``asyncio`` skips it."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise LoopUnavailable(
                "--loop uvloop: uvloop is not installed (pip install uvloop)"
            ) from None
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory
