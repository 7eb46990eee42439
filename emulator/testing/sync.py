"""The same gateway for synchronous suites, served from a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..control import Control
from ..runtime import Emulator
from .controls import Controls
from .gateway import Gateway
from .sources import ScenarioSource

T = TypeVar("T")


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


class SyncGateway(Controls):
    """A :class:`Gateway` served by an event loop in a background thread.

    Every method of :class:`Controls` (the ones :class:`Gateway` has too) runs in that
    loop's thread and blocks until done. Use it as a context manager or call :meth:`stop`.
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

    # -- every control method runs in the loop's thread ------------------------------------

    def _do(self, action: Callable[[Control], T]) -> T:
        gateway = self.gateway
        if not gateway.running:  # stopped: the journal and model can still be read here
            return action(gateway.control)
        return self._call(action, gateway.control)

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
