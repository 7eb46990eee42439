"""A small local-first client for IQ EV Chargers behind an Enphase IQ Gateway.

It follows the discovery checklist:

1. ``GET /ivp/pdm/chargers`` with the token you have. A **401** means this gateway does not
   let this token drive chargers locally (on firmware 7.6.175 only installer tokens may;
   owner tokens get 401): use the Enlighten cloud API instead.
2. For each charger: ``GET /ivp/pdm/charger/{sn}/status``. A 401 here means the same.
3. Otherwise control goes local: ``start_charging`` / ``stop_charging``.

It is written against the real gateway's behaviour and tested against the emulator
(``test_local_first_client.py`` next to this file). Nothing here knows about the emulator:
the tests only hand it a host, a token and the CA to trust.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

Route = Literal["local", "cloud"]


class UseTheCloud(Exception):
    """The gateway refused local control for this token: go through the cloud API."""


@dataclass(frozen=True)
class ChargerInfo:
    sn: str
    name: str
    plugged_in: bool
    charging: bool
    status: str
    """The connector's OCPP status: AVAILABLE, CHARGING, SUSPENDED_EV, FAULTED, ..."""


@dataclass(frozen=True)
class Plan:
    route: Route
    reason: str
    chargers: list[ChargerInfo] = field(default_factory=list)


class LocalFirstClient:
    """``async with LocalFirstClient("192.168.1.20", token, ca_file=...) as client:``

    ``host`` is what pyenphase takes too: a host name or address, with an optional port,
    never a scheme. ``ca_file`` is the CA to trust (the emulator's ``ca.pem``); ``verify``
    False accepts any certificate, as most gateway clients do with the self-signed one.
    """

    def __init__(
        self,
        host: str,
        token: str,
        *,
        ca_file: str | None = None,
        verify: bool = True,
        timeout_s: float = 10,
    ) -> None:
        self.base = f"https://{host}"
        self.token = token
        if ca_file is not None:
            self._ssl: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca_file)
        else:
            self._ssl = ssl.create_default_context() if verify else False
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> LocalFirstClient:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=self._ssl),
            timeout=self._timeout,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        if self._session is None:
            raise RuntimeError("use the client as `async with LocalFirstClient(...) as client`")
        async with self._session.request(method, self.base + path, json=body) as response:
            if response.status == 401:
                raise UseTheCloud(f"{method} {path} answered 401: no local access with this token")
            if response.status >= 400:
                text = await response.text()
                raise RuntimeError(f"{method} {path} answered {response.status}: {text[:200]}")
            return await response.json()

    async def discover(self) -> Plan:
        """Which way to drive the chargers, and what they are doing now."""
        try:
            listing = await self._call("GET", "/ivp/pdm/chargers")
            chargers = []
            for row in listing["data"]:
                sn = row["serialNumber"]
                status = await self._call("GET", f"/ivp/pdm/charger/{sn}/status")
                chargers.append(_charger_info(row, status["data"]["chargers"][0]))
        except UseTheCloud as refusal:
            return Plan("cloud", str(refusal))
        return Plan("local", f"{len(chargers)} charger(s) answer locally", chargers)

    async def start_charging(self, sn: str, amps: int) -> dict[str, Any]:
        """Start (or re-level) a session at ``amps``. Raises UseTheCloud on 401."""
        body = {"chargingLevel": amps, "connectorId": 1}
        return await self._call("POST", f"/ivp/pdm/charger/{sn}/start_charging", body)

    async def stop_charging(self, sn: str) -> dict[str, Any]:
        return await self._call("POST", f"/ivp/pdm/charger/{sn}/stop_charging", {})


def _charger_info(row: dict[str, Any], status: dict[str, Any]) -> ChargerInfo:
    return ChargerInfo(
        sn=row["serialNumber"],
        name=row.get("displayName", ""),
        plugged_in=bool(status.get("pluggedIn")),
        charging=bool(status.get("charging")),
        status=status["connectors"][0]["connectorStatusType"],
    )
