"""Serving an Emulator over HTTPS in the current event loop, one listener per call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web

from ..runtime import Emulator
from .app import make_app
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
) -> RunningServer:
    """Start serving ``surfaces`` (default: the gateway and the admin API); ``port=0``
    picks a free port (read it back from ``.port``). A second listener, e.g. for the
    cloud, is one more call with its own port and surfaces."""
    host = emulator.settings.host if host is None else host
    port = emulator.settings.port if port is None else port
    runner = web.AppRunner(make_app(emulator, surfaces), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=emulator.certs.server_context())
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound = runner.addresses[0][1] if runner.addresses else port
    return RunningServer(emulator, runner, host, bound)
