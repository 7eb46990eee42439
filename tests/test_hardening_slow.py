"""Slow and greedy clients cannot pin the listener: a connection that never finishes its
headers is closed after the idle timeout, one past the connection limit is closed at once,
and normal requests keep being served meanwhile. The server here runs with short limits
(the defaults are in emulator/fronts/connections.py and docs/limits.md)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from emulator.fronts.connections import IDLE_TIMEOUT_S, MAX_CONNECTIONS
from emulator.fronts.server import RunningServer, start_server
from emulator.runtime import Emulator, Settings

IDLE_S = 1.0
LIMIT = 20


@pytest.fixture
async def server(certs_dir: Path) -> AsyncIterator[RunningServer]:
    emulator = Emulator(Settings(certs_dir=certs_dir, port=0, clock="manual", log_requests=False))
    running = await start_server(
        emulator, host="127.0.0.1", port=0, idle_timeout=IDLE_S, max_connections=LIMIT
    )
    try:
        yield running
    finally:
        await running.stop()


async def connect(server: RunningServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(
        "127.0.0.1",
        server.port,
        ssl=server.emulator.certs.client_context(),
        server_hostname="localhost",
    )


async def trickle(server: RunningServer, stop: asyncio.Event) -> float:
    """Send a header one byte every 0.25 s; how long the server kept the connection."""
    reader, writer = await connect(server)
    opened = time.monotonic()
    header = b"GET /__emulator/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 10_000
    try:
        for byte in header:
            if stop.is_set():
                break
            writer.write(bytes([byte]))
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                if await asyncio.wait_for(reader.read(1), 0.25) == b"":
                    break  # closed by the server
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()
    return time.monotonic() - opened


async def health(server: RunningServer, session: aiohttp.ClientSession) -> int:
    async with session.get(f"https://localhost:{server.port}/__emulator/health") as response:
        await response.read()
        return response.status


async def test_slow_header_clients_are_closed_while_others_are_served(
    server: RunningServer,
) -> None:
    stop = asyncio.Event()
    slow = [asyncio.create_task(trickle(server, stop)) for _ in range(8)]
    connector = aiohttp.TCPConnector(ssl=server.emulator.certs.client_context(), force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(5):  # served while the slow ones hang on
            assert await health(server, session) == 200
        kept = await asyncio.wait_for(asyncio.gather(*slow), IDLE_S * 10)
        stop.set()
        assert all(IDLE_S * 0.8 <= k < IDLE_S * 5 for k in kept), kept
        assert await health(server, session) == 200


async def test_connections_past_the_limit_are_closed_at_once(server: RunningServer) -> None:
    held = [await connect(server) for _ in range(LIMIT)]
    try:
        reader, writer = await connect(server)
        started = time.monotonic()
        closed = await asyncio.wait_for(reader.read(1), IDLE_S / 2)
        assert closed == b"" and time.monotonic() - started < IDLE_S / 2
        writer.close()
        for _, idle in held:  # freeing them lets new clients in
            idle.close()
        await asyncio.sleep(0)  # no emulator time involved: the sockets close
        connector = aiohttp.TCPConnector(ssl=server.emulator.certs.client_context())
        async with aiohttp.ClientSession(connector=connector) as session:
            for _ in range(50):
                with contextlib.suppress(aiohttp.ClientError):
                    if await health(server, session) == 200:
                        break
                await asyncio.sleep(0.02)
            else:
                pytest.fail("the server did not serve again after the connections closed")
    finally:
        for _, writer in held:
            writer.close()


def test_the_defaults_are_sensible() -> None:
    assert 5 <= IDLE_TIMEOUT_S <= 120
    assert 64 <= MAX_CONNECTIONS <= 4096
