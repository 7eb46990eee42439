"""A small local-first client for IQ EV Chargers behind an Enphase IQ Gateway.

It follows the discovery checklist:

1. ``GET /ivp/pdm/chargers`` with the token you have. A **401** means this gateway does not
   let this token drive chargers locally (on firmware 7.6.175 only installer tokens may;
   owner tokens get 401): use the Enlighten cloud API instead.
2. For each charger: ``GET /ivp/pdm/charger/{sn}/status``. A 401 here means the same.
3. Otherwise control goes local: ``start_charging`` / ``stop_charging``.
4. When the gateway refused and an Enlighten account is configured (``cloud=``), log in to
   the cloud (``cloud_client.py``), find the site and its chargers, and drive them there.

It is written against the real gateway's behaviour and tested against the emulator
(``test_local_first_client.py`` next to this file). Nothing here knows about the emulator:
the tests only hand it a host, a token and the CA to trust.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import aiohttp

if TYPE_CHECKING:  # imported when the fallback is first used: the local path needs none of it
    from cloud_client import CloudClient

Route = Literal["local", "cloud"]


@dataclass(frozen=True)
class CloudAccount:
    """The Enlighten login to fall back on (the real cloud's URLs by default)."""

    email: str
    password: str
    enlighten_url: str = "https://enlighten.enphaseenergy.com"
    entrez_url: str = "https://entrez.enphaseenergy.com"


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
        cloud: CloudAccount | None = None,
    ) -> None:
        self.base = f"https://{host}"
        self.ca_file = ca_file
        self.cloud_account = cloud
        self._cloud: CloudClient | None = None
        self._site: int | None = None
        self.route: Route = "local"
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
        if self._cloud is not None:
            await self._cloud.__aexit__(*exc)

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
            self.route = "cloud"
            if self.cloud_account is None:
                return Plan("cloud", str(refusal))
            chargers = await self._cloud_chargers()
            return Plan("cloud", f"{refusal}; {len(chargers)} charger(s) via Enlighten", chargers)
        self.route = "local"
        return Plan("local", f"{len(chargers)} charger(s) answer locally", chargers)

    async def start_charging(self, sn: str, amps: int) -> dict[str, Any]:
        """Start (or re-level) a session at ``amps``, locally or through the cloud. Raises
        UseTheCloud on a local 401 when no cloud account is configured."""
        if self.route == "local":
            body = {"chargingLevel": amps, "connectorId": 1}
            try:
                started: dict[str, Any] = await self._call(
                    "POST", f"/ivp/pdm/charger/{sn}/start_charging", body
                )
                return started
            except UseTheCloud:
                if self.cloud_account is None:
                    raise
                self.route = "cloud"
        cloud, site = await self._logged_in()
        return await cloud.start_charging(site, sn, amps)

    async def stop_charging(self, sn: str) -> dict[str, Any]:
        if self.route == "local":
            try:
                stopped: dict[str, Any] = await self._call(
                    "POST", f"/ivp/pdm/charger/{sn}/stop_charging", {}
                )
                return stopped
            except UseTheCloud:
                if self.cloud_account is None:
                    raise
                self.route = "cloud"
        cloud, site = await self._logged_in()
        return await cloud.stop_charging(site, sn)

    # -- the cloud fallback -----------------------------------------------------------------

    async def _logged_in(self) -> tuple[CloudClient, int]:
        """Log in once (password; Entrez token), and find the site of this gateway."""
        account = self.cloud_account
        if account is None:
            raise UseTheCloud("no cloud account configured")
        if self._cloud is None or self._site is None:
            from cloud_client import CloudClient  # next to this file, like this client

            cloud = CloudClient(
                enlighten_url=account.enlighten_url,
                entrez_url=account.entrez_url,
                ca_file=self.ca_file,
            )
            self._cloud = await cloud.__aenter__()
            await cloud.login(account.email, account.password)
            await cloud.fetch_entrez_token()
            sites = await cloud.sites()
            if not sites:
                raise RuntimeError(f"{account.email} sees no site in Enlighten")
            self._site = sites[0][0]
        return self._cloud, self._site

    async def _cloud_chargers(self) -> list[ChargerInfo]:
        cloud, site = await self._logged_in()
        return [
            ChargerInfo(c.sn, c.name, c.plugged_in, c.charging, c.status)
            for c in await cloud.status(site)
        ]


def _charger_info(row: dict[str, Any], status: dict[str, Any]) -> ChargerInfo:
    return ChargerInfo(
        sn=row["serialNumber"],
        name=row.get("displayName", ""),
        plugged_in=bool(status.get("pluggedIn")),
        charging=bool(status.get("charging")),
        status=status["connectors"][0]["connectorStatusType"],
    )
