"""A small Enlighten cloud client for IQ EV Chargers, written from docs/cloud.md.

What a Home Assistant integration does when the gateway refuses local control: log in with
the Enlighten password (and a one-time code when the account has MFA), get tokens from
Entrez, find the site and its chargers, read their status, start and stop charging.

It knows nothing about the emulator: give it the two base URLs (the real ones by default)
and, for a test, the CA to trust. Cookies matter (the session cookie is the credential),
so use a host *name*: aiohttp's cookie jar ignores cookies set by an IP address.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

import aiohttp

ENLIGHTEN = "https://enlighten.enphaseenergy.com"
ENTREZ = "https://entrez.enphaseenergy.com"


class CloudError(Exception):
    """The cloud refused: ``status`` and the body's message/code."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(f"{status}: {message}" + (f" ({code})" if code else ""))
        self.status = status
        self.message = message
        self.code = code


class InvalidCredentials(CloudError):
    """Wrong email or password, or a session that is no longer valid (401/403)."""


class AccountBlocked(CloudError):
    """The account (or this MFA login) is blocked."""


class TooManySessions(CloudError):
    """The account has too many active sessions: stop logging in for a while."""


class RateLimited(CloudError):
    """429: wait ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(429, message)
        self.retry_after = retry_after


class MfaRequired(Exception):
    """The account has MFA: call :meth:`CloudClient.submit_otp` with the code."""


@dataclass(frozen=True)
class Login:
    session_id: str
    manager_token: str | None
    is_consumer: bool


@dataclass(frozen=True)
class ChargerStatus:
    sn: str
    name: str
    connected: bool
    plugged_in: bool
    charging: bool
    charging_level: int | None
    status: str


class CloudClient:
    """``async with CloudClient(ca_file=...) as cloud: await cloud.login(email, pw)``."""

    def __init__(
        self,
        *,
        enlighten_url: str = ENLIGHTEN,
        entrez_url: str = ENTREZ,
        ca_file: str | None = None,
        timeout_s: float = 10,
    ) -> None:
        self.enlighten = enlighten_url.rstrip("/")
        self.entrez = entrez_url.rstrip("/")
        self._ssl = ssl.create_default_context(cafile=ca_file)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._http: aiohttp.ClientSession | None = None
        self.login_info: Login | None = None
        self.email: str | None = None
        self.entrez_token: str | None = None

    async def __aenter__(self) -> CloudClient:
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=self._ssl), timeout=self._timeout
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.close()

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            raise RuntimeError("use the client as `async with CloudClient(...) as cloud`")
        return self._http

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.entrez_token:
            headers["e-auth-token"] = self.entrez_token
        if self.login_info and self.login_info.manager_token:
            headers["Authorization"] = f"Bearer {self.login_info.manager_token}"
        return headers

    async def _call(self, method: str, url: str, **kw: Any) -> Any:
        async with self.http.request(method, url, headers=self._headers(), **kw) as response:
            body = await response.json(content_type=None)
            if response.status < 400:
                return body
            raise _refusal(response.status, body, response.headers.get("Retry-After"))

    # -- logging in -------------------------------------------------------------------------

    async def login(self, email: str, password: str) -> Login:
        """Password login; raises MfaRequired when a one-time code is needed."""
        self.email = email
        form = {"user[email]": email, "user[password]": password}
        body = await self._call("POST", f"{self.enlighten}/login/login.json", data=form)
        if body.get("requires_mfa"):
            raise MfaRequired(email)
        if body.get("isBlocked"):
            raise AccountBlocked(200, "account blocked")
        return self._logged_in(body)

    async def submit_otp(self, code: str) -> Login:
        import base64

        assert self.email is not None, "call login() first"
        form = {
            "email": base64.b64encode(self.email.encode()).decode(),
            "otp": base64.b64encode(code.encode()).decode(),
            "xhrFields[withCredentials]": "true",
        }
        url = f"{self.enlighten}/app-api/validate_login_otp"
        body = await self._call("POST", url, data=form)
        if body.get("isValid") is False:
            cls = AccountBlocked if body.get("isBlocked") else InvalidCredentials
            raise cls(200, "one-time code refused")
        return self._logged_in(body)

    def _logged_in(self, body: dict[str, Any]) -> Login:
        if "session_id" not in body:
            raise InvalidCredentials(200, "no session_id in the login answer")
        self.login_info = Login(
            body["session_id"], body.get("manager_token"), bool(body.get("is_consumer"))
        )
        return self.login_info

    async def fetch_entrez_token(self) -> str:
        """The site-wide Entrez JSON token (sent as ``e-auth-token`` from now on)."""
        login = self._need_login()
        body = await self._call(
            "POST",
            f"{self.entrez}/tokens",
            json={"session_id": login.session_id, "email": self.email},
        )
        self.entrez_token = str(body["token"])
        return self.entrez_token

    async def gateway_token(self, serial: str) -> str:
        """A token for the local gateway (what pyenphase asks Entrez for)."""
        login = self._need_login()
        payload = {"session_id": login.session_id, "serial_num": serial, "username": self.email}
        async with self.http.post(f"{self.entrez}/tokens", json=payload) as response:
            text = await response.text()
            if response.status != 200:
                raise _refusal(response.status, {"message": text}, None)
            return text

    def _need_login(self) -> Login:
        if self.login_info is None:
            raise RuntimeError("log in first")
        return self.login_info

    # -- sites and chargers -----------------------------------------------------------------

    async def sites(self) -> list[tuple[int, str]]:
        body = await self._call(
            "GET", f"{self.enlighten}/app-api/search_sites.json?searchText=&favourite=false"
        )
        return [(int(s["id"]), str(s["title"])) for s in body["sites"]]

    async def charger_serials(self, site: int) -> list[str]:
        body = await self._call("GET", f"{self.enlighten}/app-api/{site}/devices.json")
        out: list[str] = []
        for bucket in body["result"]:
            if bucket.get("type") in ("iqevse", "evse", "evcharger"):
                out += [d["serial_number"] for d in bucket["devices"]]
        return out

    async def status(self, site: int) -> list[ChargerStatus]:
        url = f"{self.enlighten}/service/evse_controller/{site}/ev_chargers/status"
        body = await self._call("GET", url)
        return [
            ChargerStatus(
                sn=c["sn"],
                name=c.get("name", ""),
                connected=bool(c.get("connected")),
                plugged_in=bool(c.get("pluggedIn")),
                charging=bool(c.get("charging")),
                charging_level=c.get("chargingLevel"),
                status=c["connectors"][0]["connectorStatusType"],
            )
            for c in body["data"]["chargers"]
        ]

    async def start_charging(self, site: int, sn: str, amps: int) -> dict[str, Any]:
        url = f"{self.enlighten}/service/evse_controller/{site}/ev_chargers/{sn}/start_charging"
        result: dict[str, Any] = await self._call(
            "POST", url, json={"chargingLevel": amps, "connectorId": 1}
        )
        return result

    async def stop_charging(self, site: int, sn: str) -> dict[str, Any]:
        url = f"{self.enlighten}/service/evse_controller/{site}/ev_chargers/{sn}/stop_charging"
        result: dict[str, Any] = await self._call("PUT", url)
        return result


def _refusal(status: int, body: Any, retry_after: str | None) -> CloudError:
    message, code = str(body), None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error:
            message = str(error.get("displayMessage"))
            code = error.get("errorMessageCode")
        elif "message" in body:
            message = str(body["message"])
    if status == 429:
        return RateLimited(message, float(retry_after or 60))
    if "too many active sessions" in message.lower():
        return TooManySessions(status, message)
    if status in (401, 403):
        return InvalidCredentials(status, message)
    return CloudError(status, message, code)
