"""The local-first client's cloud fallback, against the emulated Enlighten cloud.

Under firmware 7.6.175's policy an owner's token gets 401 locally: with an Enlighten account
configured, the client logs in to the cloud (``cloud_client.py``) and drives the chargers
there, on the same emulated world. Under an owner policy the fallback stays unused.
"""

from __future__ import annotations

import pytest
from local_first_client import CloudAccount, LocalFirstClient

pytestmark = [pytest.mark.asyncio, pytest.mark.iq_gateway(scenario="home.yaml")]

GARAGE, CARPORT = "202200000001", "202200000002"
OWNER_MAY_CONTROL = {  # the same house, on a gateway whose policy lets owners in
    "seed": 11,
    "gateway": {"firmware": "D7.6.175", "ev_min_role": "owner"},
    "chargers": [{"id": "garage", "serial": GARAGE}, {"id": "carport", "serial": CARPORT}],
}


def cloud_client_for(gw, role: str) -> LocalFirstClient:  # type: ignore[no-untyped-def]
    """The same app, with the owner's Enlighten login configured as its fallback."""
    account = CloudAccount(
        "owner@example.com", "emulator", enlighten_url=gw.cloud_url, entrez_url=gw.cloud_url
    )
    return LocalFirstClient(gw.host, gw.token(role), ca_file=str(gw.ca_path), cloud=account)


async def test_an_owner_falls_back_to_the_emulated_cloud_and_drives_the_charger(iq_gateway) -> None:  # type: ignore[no-untyped-def]
    iq_gateway.plug_in(GARAGE, car={"capacity_kwh": 100, "soc": 10})
    async with cloud_client_for(iq_gateway, "owner") as client:
        plan = await client.discover()
        assert plan.route == "cloud", plan.reason
        assert [c.sn for c in plan.chargers] == [GARAGE, CARPORT]
        answer = await client.start_charging(GARAGE, 16)
        assert answer == {"status": "accepted", "chargingLevel": 16}
        assert iq_gateway.charger(GARAGE)["state"] == "CHARGING"  # the same world, locally
        await client.stop_charging(GARAGE)
    assert iq_gateway.charger(GARAGE)["state"] != "CHARGING"
    iq_gateway.assert_called("GET", "/ivp/pdm/chargers", status=401, times=1)
    iq_gateway.assert_called("POST", "/login/login.json", status=200, times=1)
    iq_gateway.assert_called(
        "POST", "/service/evse_controller/{site}/ev_chargers/{sn}/start_charging", times=1
    )
    iq_gateway.assert_not_called("POST", f"/ivp/pdm/charger/{GARAGE}/start_charging")


@pytest.mark.iq_gateway(scenario=OWNER_MAY_CONTROL)
async def test_with_an_owner_policy_the_cloud_fallback_stays_unused(iq_gateway) -> None:  # type: ignore[no-untyped-def]
    iq_gateway.plug_in(GARAGE)
    async with cloud_client_for(iq_gateway, "owner") as client:
        plan = await client.discover()
        await client.start_charging(GARAGE, 16)
    assert plan.route == "local"
    iq_gateway.assert_called("POST", f"/ivp/pdm/charger/{GARAGE}/start_charging", status=200)
    iq_gateway.assert_not_called("POST", "/login/login.json")


async def test_a_policy_change_mid_session_moves_control_to_the_cloud(iq_gateway) -> None:  # type: ignore[no-untyped-def]
    iq_gateway.plug_in(GARAGE)
    iq_gateway.set_ev_min_role("owner")
    async with cloud_client_for(iq_gateway, "owner") as client:
        await client.start_charging(GARAGE, 32)
        iq_gateway.set_ev_min_role("installer")  # e.g. after a firmware update
        await client.stop_charging(GARAGE)  # a local 401, then the cloud
    assert iq_gateway.charger(GARAGE)["state"] != "CHARGING"
    iq_gateway.assert_called(
        "PUT", "/service/evse_controller/{site}/ev_chargers/{sn}/stop_charging", times=1
    )
