"""The local-first client against the emulator: the tour to copy into your own project.

The ``iq_gateway`` fixture comes with the package (``pip install iq-gateway-emulator``): a
fresh HTTPS gateway per test, in the test's event loop, on a manual clock. The marker picks
the scenario: a file next to this one, YAML text or a dict. It needs pytest-asyncio; this
module works in its auto and strict modes (hence ``pytestmark``).
"""

from __future__ import annotations

import pytest
from local_first_client import LocalFirstClient, UseTheCloud

pytestmark = [pytest.mark.asyncio, pytest.mark.iq_gateway(scenario="home.yaml")]

GARAGE, CARPORT = "202200000001", "202200000002"
OWNER_MAY_CONTROL = {  # the same house, on a gateway whose policy lets owners in
    "seed": 11,
    "gateway": {"firmware": "D7.6.175", "ev_min_role": "owner"},
    "chargers": [{"id": "garage", "serial": GARAGE}, {"id": "carport", "serial": CARPORT}],
}


def client_for(gw, role: str) -> LocalFirstClient:  # type: ignore[no-untyped-def]
    """What your app would build from its settings: host, token, CA file."""
    return LocalFirstClient(gw.host, gw.token(role), ca_file=str(gw.ca_path))


@pytest.mark.parametrize(
    ("role", "route"),
    [
        pytest.param("owner", "cloud", id="installer-policy-owner-token"),
        pytest.param("installer", "local", id="installer-policy-installer-token"),
        pytest.param(
            "owner",
            "local",
            id="owner-policy-owner-token",
            marks=pytest.mark.iq_gateway(scenario=OWNER_MAY_CONTROL),
        ),
    ],
)
async def test_discovery_picks_the_route_the_gateway_allows(iq_gateway, role, route) -> None:  # type: ignore[no-untyped-def]
    async with client_for(iq_gateway, role) as client:
        plan = await client.discover()
    assert plan.route == route, plan.reason
    iq_gateway.assert_called("GET", "/ivp/pdm/chargers", times=1)
    if route == "cloud":
        # One 401 is enough: the client must not hammer the gateway probing each charger.
        iq_gateway.assert_called("GET", "/ivp/pdm/chargers", status=401, role="owner")
        iq_gateway.assert_not_called("GET", "/ivp/pdm/charger/{sn}/status")
        assert plan.chargers == []
    else:
        assert [c.sn for c in plan.chargers] == [GARAGE, CARPORT]
        iq_gateway.assert_called("GET", "/ivp/pdm/charger/{sn}/status", times=2, status=200)


async def test_a_car_plugged_in_shows_up_in_discovery(iq_gateway) -> None:  # type: ignore[no-untyped-def]
    iq_gateway.plug_in("garage", car={"capacity_kwh": 60, "soc": 20})  # the physical side
    async with client_for(iq_gateway, "installer") as client:
        plan = await client.discover()
    garage, carport = plan.chargers
    assert (garage.plugged_in, garage.charging) == (True, False)
    assert carport.plugged_in is False


async def test_local_charging_delivers_energy_on_the_emulated_clock(iq_gateway) -> None:  # type: ignore[no-untyped-def]
    iq_gateway.plug_in(GARAGE, car={"capacity_kwh": 100, "soc": 10})
    async with client_for(iq_gateway, "installer") as client:
        answer = await client.start_charging(GARAGE, 16)
        assert answer == {"status": "accepted", "chargingLevel": 16}
        await iq_gateway.advance("1h")  # no waiting: the clock is manual
        plan = await client.discover()
        await client.stop_charging(GARAGE)
    assert plan.chargers[0].charging is True
    assert iq_gateway.charger("garage")["session_wh"] == pytest.approx(16 * 230, rel=0.01)
    iq_gateway.assert_called(
        "POST", f"/ivp/pdm/charger/{GARAGE}/start_charging", times=1, json={"chargingLevel": 16}
    )


async def test_a_policy_change_sends_control_to_the_cloud(iq_gateway) -> None:  # type: ignore[no-untyped-def]
    iq_gateway.plug_in(GARAGE)
    iq_gateway.set_ev_min_role("owner")
    async with client_for(iq_gateway, "owner") as client:
        await client.start_charging(GARAGE, 32)
        iq_gateway.set_ev_min_role("installer")  # e.g. after a firmware update
        with pytest.raises(UseTheCloud):
            await client.stop_charging(GARAGE)
    assert iq_gateway.charger(GARAGE)["state"] == "CHARGING"
