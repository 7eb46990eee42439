"""The baseline: a bare aiohttp HTTPS "hello" server with the emulator's TLS settings.

One handler, ``access_log=None``, one fixed response per request and nothing else:

- ``--certs-dir DIR``: a CA and server certificate made by the emulator's own code
  (``emulator.certs.prepare``), as the emulator makes them at start-up;
- ``--cert FILE``: load this certificate chain instead (the emulator's ``server.pem``, so
  both servers present the same certificate); the TLS context is built as the emulator's
  ``Certificates.server_context`` builds it, and nothing of the emulator is imported;
- ``--body-file``/``--headers-json``: answer with these bytes and extra headers (the
  throughput benchmark passes the emulator's status body and its fixed headers);
- ``--loop asyncio|uvloop``: the event loop implementation (the benchmark passes the one
  the emulator process runs on).

    python bench/hello_server.py --port 9443 --certs-dir /tmp/certs
    python bench/hello_server.py --port 9443 --cert certs/server.pem --body-file body.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import ssl
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

BODY = b'{"hello":"world"}'
LOOPS = ("asyncio", "uvloop")


def server_context(cert: Path) -> ssl.SSLContext:
    """As ``emulator.certs.Certificates.server_context``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert)
    return context


def make_app(body: bytes, content_type: str, headers: dict[str, str]) -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=content_type, headers=headers)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", hello)
    return app


async def main(
    port: int,
    context: ssl.SSLContext,
    body: bytes = BODY,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    app = make_app(body, content_type, headers or {})
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, ssl_context=context)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """``None`` for asyncio's default loop (what ``asyncio.run`` makes)."""
    if name == "uvloop":
        import uvloop  # type: ignore[import-not-found]

        return uvloop.new_event_loop  # type: ignore[no-any-return]
    return None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--certs-dir", type=Path, help="make/reuse a CA here (emulator code)")
    where.add_argument("--cert", type=Path, help="server certificate chain + key (PEM)")
    parser.add_argument("--body-file", type=Path, help=f"response body (default {BODY!r})")
    parser.add_argument("--content-type", default="application/json")
    parser.add_argument("--headers-json", help='extra response headers: {"Name": "value"}')
    parser.add_argument("--loop", choices=LOOPS, default="asyncio")
    args = parser.parse_args()
    if args.cert is not None:
        tls = server_context(args.cert)
    else:
        from emulator.certs import prepare

        tls = prepare(args.certs_dir).server_context()
    body = args.body_file.read_bytes() if args.body_file else BODY
    extra = json.loads(args.headers_json) if args.headers_json else {}
    with asyncio.Runner(loop_factory=loop_factory(args.loop)) as runner:
        runner.run(main(args.port, tls, body, args.content_type, extra))
