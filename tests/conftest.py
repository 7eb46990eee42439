"""Shared fixtures: a real emulator over real HTTPS, and a client that verifies its CA."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

# serve's start-up imports pyyaml and the scenario parser lazily. Imported here, before any
# test runs: pytester's in-process runs drop the modules first imported inside them, and a
# re-imported pyyaml no longer matches its C extension's node classes (libyaml's loader
# then fails with "could not determine a constructor for the tag None").
import emulator.scenario.source  # noqa: F401
from emulator.fronts.server import RunningServer, start_server
from emulator.runtime import Emulator, Settings
from emulator.scenario.load import load_scenario


@pytest.fixture(scope="session")
def certs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One CA for the whole run (as a developer would keep one), in a temp folder."""
    return tmp_path_factory.mktemp("certs")


class Api:
    """A thin client for tests: real HTTPS, CA verified, JSON in and out."""

    def __init__(self, server: RunningServer, session: aiohttp.ClientSession) -> None:
        self.server = server
        self.session = session
        self.base = f"https://localhost:{server.port}"

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        data: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        async with self.session.request(
            method, self.base + path, json=json, data=data, headers=all_headers
        ) as response:
            raw = await response.read()
            body: Any = raw
            if response.content_type == "application/json":
                body = await response.json()
            return response.status, body, response

    async def get(self, path: str, **kw: Any) -> tuple[int, Any]:
        status, body, _ = await self.call("GET", path, **kw)
        return status, body

    async def post(self, path: str, json: Any = None, **kw: Any) -> tuple[int, Any]:
        status, body, _ = await self.call("POST", path, json=json, **kw)
        return status, body

    async def token(self, role: str = "installer", **extra: Any) -> str:
        status, body = await self.post("/__emulator/tokens", {"role": role, **extra})
        assert status == 200, body
        return body["token"]

    async def event(self, serial: str, event: str, **params: Any) -> dict[str, Any]:
        status, body = await self.post(
            f"/__emulator/chargers/{serial}/events", {"event": event, **params}
        )
        assert status == 200, body
        return body

    async def advance(self, seconds: float) -> None:
        status, body = await self.post("/__emulator/clock/advance", {"seconds": seconds})
        assert status == 200, body

    async def state(self, serial: str) -> dict[str, Any]:
        status, body = await self.get("/__emulator/state")
        assert status == 200
        return next(c for c in body["chargers"] if c["serial"] == serial)

    @property
    def serial(self) -> str:
        return next(iter(self.emulator.world.chargers))


async def open_api(
    certs_dir: Path, scenario: str | None = None, **settings: Any
) -> tuple[RunningServer, aiohttp.ClientSession, Api]:
    parsed = load_scenario(scenario) if scenario is not None else None
    emulator = Emulator(
        Settings(
            certs_dir=certs_dir,
            port=0,
            clock=settings.pop("clock", "manual"),
            log_requests=False,
            **settings,
        ),
        parsed,
    )
    server = await start_server(emulator, host="127.0.0.1", port=0)
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=emulator.certs.client_context()),
        cookie_jar=aiohttp.CookieJar(),
    )
    return server, session, Api(server, session)


@pytest.fixture
async def api(certs_dir: Path) -> AsyncIterator[Api]:
    server, session, client = await open_api(certs_dir)
    try:
        yield client
    finally:
        await session.close()
        await server.stop()


@pytest.fixture
async def make_api(certs_dir: Path) -> AsyncIterator[Any]:
    """Start emulators with a given scenario text; all are stopped after the test."""
    opened: list[tuple[RunningServer, aiohttp.ClientSession]] = []

    async def make(scenario: str | None = None, **settings: Any) -> Api:
        server, session, client = await open_api(certs_dir, scenario, **settings)
        opened.append((server, session))
        return client

    yield make
    for server, session in opened:
        await session.close()
        await server.stop()
