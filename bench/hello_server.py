"""The baseline: a bare aiohttp HTTPS "hello" server with the emulator's TLS settings.

Same certificate code path (``emulator.certs.prepare`` / ``server_context``), same
``access_log=None``, one small response per request and nothing else.

    python bench/hello_server.py --port 9443 --certs-dir /tmp/certs
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from aiohttp import web

from emulator.certs import prepare

BODY = b'{"hello":"world"}'


async def hello(request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="application/json")


async def main(port: int, certs_dir: Path) -> None:
    certs = prepare(certs_dir)
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", hello)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, ssl_context=certs.server_context())
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--certs-dir", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.certs_dir))
