"""The cloud client against the emulated Enlighten and Entrez: the whole fallback story.

Password login (with and without MFA) → Entrez token → that token opens the local gateway
(installer: EV routes; owner: 401) → the owner falls back to the cloud → discovers the site
and its charger → reads its status → starts at 16 A → sees it charging in the cloud and
locally → stops. Then the refusals a client must survive.
"""

from __future__ import annotations

import pytest
from cloud_client import (
    AccountBlocked,
    CloudClient,
    InvalidCredentials,
    MfaRequired,
    RateLimited,
)

from emulator.testing import Gateway

pytestmark = pytest.mark.asyncio

PASSWORD = "emulator"
MFA_SCENARIO = {
    "seed": 7,
    "chargers": [{"id": "garage"}],
    "accounts": {
        "site": {"id": 4242424, "name": "Lakeside"},
        "users": [
            {"email": "mfa@example.com", "password": "s3cret", "role": "owner", "mfa": "123456"},
            {"email": "gone@example.com", "password": "s3cret", "blocked": True},
        ],
    },
}


def cloud_for(gw: Gateway) -> CloudClient:
    return CloudClient(enlighten_url=gw.cloud_url, entrez_url=gw.cloud_url, ca_file=str(gw.ca_path))


async def local_status(gw: Gateway, token: str, sn: str) -> int:
    http = gw.client(token)
    async with http.get(f"/ivp/pdm/charger/{sn}/status") as response:
        return response.status


async def test_owner_logs_in_gets_a_token_and_falls_back_to_the_cloud() -> None:
    async with Gateway.start() as gw:
        sn = gw.world.view().chargers[0].serial
        gw.plug_in(sn)
        async with cloud_for(gw) as cloud:
            login = await cloud.login("owner@example.com", PASSWORD)
            assert login.is_consumer is True
            token = await cloud.gateway_token(gw.serial)
            assert await local_status(gw, token, sn) == 401  # firmware 7.6.175: owners out

            await cloud.fetch_entrez_token()
            [(site, _name)] = await cloud.sites()
            assert await cloud.charger_serials(site) == [sn]
            [before] = await cloud.status(site)
            assert (before.plugged_in, before.charging) == (True, False)

            answer = await cloud.start_charging(site, sn, 16)
            assert answer == {"status": "accepted", "chargingLevel": 16}
            [after] = await cloud.status(site)
            assert after.charging and after.charging_level == 16
            local = gw.world.charger_view(sn)
            assert local.charging and local.charging_level == 16  # the same world

            await cloud.stop_charging(site, sn)
            assert not (await cloud.status(site))[0].charging
            assert not gw.world.charger_view(sn).charging


async def test_installer_token_from_entrez_opens_the_local_ev_routes() -> None:
    async with Gateway.start() as gw:
        sn = gw.world.view().chargers[0].serial
        async with cloud_for(gw) as cloud:
            login = await cloud.login("installer@example.com", PASSWORD)
            assert login.is_consumer is False
            token = await cloud.gateway_token(gw.serial)
        assert await local_status(gw, token, sn) == 200


async def test_a_local_start_is_seen_by_the_cloud() -> None:
    async with Gateway.start() as gw:
        sn = gw.world.view().chargers[0].serial
        gw.plug_in(sn)
        http = gw.client(gw.token("installer"))
        async with http.post(
            f"/ivp/pdm/charger/{sn}/start_charging", json={"chargingLevel": 20}
        ) as response:
            assert response.status == 200
        async with cloud_for(gw) as cloud:
            await cloud.login("owner@example.com", PASSWORD)
            [(site, _)] = await cloud.sites()
            [status] = await cloud.status(site)
        assert status.charging and status.charging_level == 20


async def test_mfa_login_needs_the_code() -> None:
    async with Gateway.start(MFA_SCENARIO) as gw, cloud_for(gw) as cloud:
        with pytest.raises(MfaRequired):
            await cloud.login("mfa@example.com", "s3cret")
        with pytest.raises(InvalidCredentials):
            await cloud.submit_otp("000000")
        login = await cloud.submit_otp("123456")
        assert login.session_id
        assert await cloud.sites() == [(4242424, "Lakeside")]


async def test_bad_credentials_and_a_blocked_account_are_refused() -> None:
    async with Gateway.start(MFA_SCENARIO) as gw, cloud_for(gw) as cloud:
        with pytest.raises(InvalidCredentials) as bad:
            await cloud.login("mfa@example.com", "wrong")
        assert bad.value.status == 401
        with pytest.raises(AccountBlocked):
            await cloud.login("gone@example.com", "s3cret")
        with pytest.raises(InvalidCredentials):
            await cloud.login("nobody@example.com", "s3cret")


async def test_an_expired_session_gets_401() -> None:
    async with Gateway.start() as gw, cloud_for(gw) as cloud:
        await cloud.login("owner@example.com", PASSWORD)
        assert await cloud.sites()
        gw.advance("25h")  # sessions live 24 h
        with pytest.raises(InvalidCredentials) as expired:
            await cloud.sites()
        assert expired.value.status == 401


async def test_a_429_storm_says_when_to_come_back() -> None:
    storm = {
        "seed": 7,
        "chargers": [{"id": "garage"}],
        "faults": [
            {"name": "storm", "path": "/service/evse_controller/**", "retry_after": 120, "times": 3}
        ],
    }
    async with Gateway.start(storm) as gw:
        async with cloud_for(gw) as cloud:
            await cloud.login("owner@example.com", PASSWORD)
            [(site, _)] = await cloud.sites()
            for _ in range(3):
                with pytest.raises(RateLimited) as limited:
                    await cloud.status(site)
                assert limited.value.retry_after == 120
                assert limited.value.message.startswith("fault injected")  # the envelope's text
            assert len(await cloud.status(site)) == 1  # the storm is over
        gw.assert_called(
            "GET", "/service/evse_controller/{site}/ev_chargers/status", status=429, times=3
        )


async def test_pyenphase_gets_a_gateway_token_with_username_and_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ssl

    import pyenphase.auth
    from pyenphase import Envoy

    async with Gateway.start() as gw:
        monkeypatch.setattr(
            pyenphase.auth, "SSL_CONTEXT", ssl.create_default_context(cafile=str(gw.ca_path))
        )
        auth_cls = pyenphase.auth.EnvoyTokenAuth
        monkeypatch.setattr(auth_cls, "JSON_LOGIN_URL", f"{gw.cloud_url}/login/login.json?")
        monkeypatch.setattr(auth_cls, "TOKEN_URL", f"{gw.cloud_url}/tokens")
        envoy = Envoy(gw.host)
        try:
            await envoy.setup()
            await envoy.authenticate(username="installer@example.com", password=PASSWORD)
            assert envoy.auth is not None
            assert envoy.auth.token_type == "installer"  # type: ignore[attr-defined]
            # the token opened the gateway: /auth/check_jwt accepted it
            gw.assert_called("GET", "/auth/check_jwt", status=200)
        finally:
            await envoy.close()
        gw.assert_called("POST", "/tokens", times=1)
