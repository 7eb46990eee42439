"""Issue 5: the in-process Python API (async ``Gateway`` and ``SyncGateway``)."""

from __future__ import annotations

import asyncio
import gc
import os
import ssl
import statistics
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

import emulator
from emulator.model.clock import ClockError
from emulator.model.errors import ModelError
from emulator.testing import Done, Gateway, SyncGateway, default_certs_dir, resolve_scenario

SN, SN2 = "202200000001", "202200000002"
SCENARIO = f"""
seed: 5
clock: {{start: "2026-06-01T12:00:00Z"}}
vehicles:
  small: {{capacity_kwh: 10, soc: 50, max_kw: 7.4}}
chargers:
  - {{id: garage, serial: "{SN}", max_amps: 32, voltage: 230, phases: 1}}
"""
TWO = {
    "seed": 5,
    "clock": {"start": "2026-06-01T12:00:00Z"},
    "chargers": [{"id": "garage", "serial": SN}, {"id": "carport", "serial": SN2}],
}


@pytest.fixture
async def gw(certs_dir: Path) -> AsyncIterator[Gateway]:
    async with Gateway.start(SCENARIO, certs_dir=certs_dir) as gateway:
        yield gateway


# -- starting --------------------------------------------------------------------------------


def test_the_package_exports_the_api() -> None:
    assert emulator.Gateway is Gateway and emulator.SyncGateway is SyncGateway
    with pytest.raises(AttributeError):
        emulator.Nothing  # noqa: B018


async def test_start_from_a_file_yaml_text_a_dict_or_the_default(
    certs_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "home.yaml"
    path.write_text(SCENARIO)
    for source in (path, str(path), SCENARIO, TWO, None):
        async with Gateway.start(source, certs_dir=certs_dir) as gw:
            assert gw.world.chargers
            if source is not None:
                assert gw.chargers[0] == SN
    async with Gateway.start("home.yaml", certs_dir=certs_dir, base_dir=tmp_path) as gw:
        assert gw.sn == SN


def test_scenario_sources_are_told_apart_and_checked(tmp_path: Path) -> None:
    assert resolve_scenario(None) is None
    assert resolve_scenario("seed: 9")["seed"] == 9  # one line of YAML is text, not a path
    with pytest.raises(FileNotFoundError, match=r"scenario file not found: missing\.yaml"):
        resolve_scenario("missing.yaml")
    with pytest.raises(ModelError, match="not valid YAML"):
        resolve_scenario("chargers: [\n")
    with pytest.raises(ModelError):
        resolve_scenario("- just\n- a list\n")


async def test_where_it_listens_and_how_to_trust_it(gw: Gateway) -> None:
    assert gw.url == f"https://127.0.0.1:{gw.port}"
    assert gw.host == f"127.0.0.1:{gw.port}"  # what pyenphase's Envoy(host) takes
    assert gw.ca_path.read_bytes() == gw.emulator.certs.ca_pem
    trusting = ssl.create_default_context(cafile=str(gw.ca_path))
    connector = aiohttp.TCPConnector(ssl=trusting)
    async with (
        aiohttp.ClientSession(connector=connector) as http,
        http.get(gw.url + "/info") as response,
    ):
        assert response.status == 200
    async with aiohttp.ClientSession() as http:  # the system CAs do not know this one
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await http.get(gw.url + "/info")
    assert gw.ssl_context().verify_mode is ssl.CERT_REQUIRED
    assert repr(gw).startswith(f"<Gateway {gw.serial} at {gw.url}")


async def test_tokens_are_gateway_tokens(gw: Gateway) -> None:
    async with (
        gw.client(token=gw.token("owner")) as owner,
        owner.get("/ivp/pdm/chargers") as response,
    ):
        assert response.status == 401  # 7.6.175 policy
    async with gw.client(token=gw.token()) as installer:  # installer by default
        async with installer.get("/ivp/pdm/chargers") as response:
            assert response.status == 200
        async with installer.get("/auth/check_jwt") as response:
            assert response.status == 200
    short = gw.token("installer", ttl_s=60, username="me@example.com")
    await gw.advance(61)
    async with gw.client(token=short) as http, http.get("/ivp/pdm/chargers") as response:
        assert response.status == 401
    with pytest.raises(ValueError, match="role must be one of"):
        gw.token("king")


async def test_client_keeps_the_session_cookie_and_is_closed_on_stop(certs_dir: Path) -> None:
    gw = await Gateway.start(SCENARIO, certs_dir=certs_dir)
    http = gw.client()
    async with http.get("/auth/check_jwt", headers={"Authorization": f"Bearer {gw.token()}"}):
        pass
    async with http.get("/ivp/pdm/chargers") as response:  # the cookie alone
        assert response.status == 200
    gw.assert_called("GET", "/ivp/pdm/chargers", status=200, role="installer")
    assert gw.requests()[-1].credentials == "cookie"
    await gw.stop()
    assert http.closed and not gw.running
    await gw.stop()  # idempotent


# -- time ------------------------------------------------------------------------------------


async def test_advance_takes_durations_or_seconds_awaited_or_not(gw: Gateway) -> None:
    assert gw.now == datetime(2026, 6, 1, 12, tzinfo=UTC)
    clock = await gw.advance("2h")
    assert clock["now"] == "2026-06-01T14:00:00Z" and clock["mode"] == "manual"
    assert isinstance(gw.advance(90), Done)  # acts at once; awaiting is optional
    assert gw.clock()["now"] == "2026-06-01T14:01:30Z"
    gw.advance("30m")
    assert gw.now == datetime(2026, 6, 1, 14, 31, 30, tzinfo=UTC)
    with pytest.raises(ClockError):
        gw.advance("soon")


async def test_set_time_takes_text_datetimes_or_epochs_but_never_goes_back(gw: Gateway) -> None:
    assert (await gw.set_time("2026-06-02T06:00:00Z"))["now"] == "2026-06-02T06:00:00Z"
    gw.set_time(datetime(2026, 6, 3, 6, 0))  # naive = UTC
    assert gw.clock()["now"] == "2026-06-03T06:00:00Z"
    gw.set_time(datetime(2026, 6, 4, tzinfo=UTC).timestamp())
    assert gw.now == datetime(2026, 6, 4, tzinfo=UTC)
    with pytest.raises(ClockError, match="cannot set the clock back"):
        gw.set_time("2026-06-01T00:00:00Z")


async def test_the_scenario_clock_can_be_kept(certs_dir: Path) -> None:
    async with Gateway.start(SCENARIO, certs_dir=certs_dir, clock="realtime") as gw:
        assert gw.clock()["mode"] == "realtime"
    async with Gateway.start("clock: {mode: realtime}", certs_dir=certs_dir, clock=None) as gw:
        assert gw.clock()["mode"] == "realtime"


# -- the physical side -------------------------------------------------------------------------


async def test_plug_charge_fault_through_the_same_model(gw: Gateway) -> None:
    result = gw.plug_in(car={"capacity_kwh": 100, "soc": 10})
    assert result["serial"] == SN and result["event"] == "plug_in"
    assert result["charger"]["vehicle"]["capacity_kwh"] == 100
    assert gw.charger("garage") == gw.charger(SN) == gw.charger()
    token = gw.token()
    async with gw.client(token=token) as http:
        async with http.post(f"/ivp/pdm/charger/{SN}/start_charging", json={"chargingLevel": 16}):
            pass
        await gw.advance("1h")
        assert gw.charger()["session_wh"] == pytest.approx(3680, rel=0.005)
        gw.fault(code="OverCurrent")
        async with http.get(f"/ivp/pdm/charger/{SN}/status") as response:
            status = (await response.json())["data"]["chargers"][0]
    assert status["faulted"] is True
    assert status["connectors"][0]["connectorStatusReason"] == "OverCurrent"
    assert gw.charger()["state"] == "FAULTED"
    gw.clear_fault(SN)
    assert gw.unplug("garage")["charger"]["vehicle"] is None
    assert gw.state()["chargers"][0]["serial"] == SN
    assert [m["action"] for m in gw.ocpp(SN)][:1] == ["StatusNotification"]


async def test_generic_events_and_presets(gw: Gateway) -> None:
    gw.plug_in(SN, car="small")
    await gw.event(SN, "start_charging", chargingLevel=32)
    gw.event("garage", "car_full")
    assert gw.charger()["state"] == "SUSPENDED_EV"
    gw.event(None, "disconnect")
    assert gw.charger()["connected"] is False


async def test_refusals_raise_the_admin_api_messages(gw: Gateway) -> None:
    with pytest.raises(ModelError, match="no car is plugged into") as caught:
        gw.unplug()
    assert caught.value.kind == "conflict"
    with pytest.raises(ModelError, match="no charger with serial 'nope'"):
        gw.plug_in("nope")
    with pytest.raises(ModelError, match="unknown event 'teleport'"):
        gw.event(SN, "teleport")


async def test_several_chargers_must_be_named(certs_dir: Path) -> None:
    async with Gateway.start(TWO, certs_dir=certs_dir) as gw:
        assert gw.chargers == [SN, SN2]
        with pytest.raises(ValueError, match="this gateway has 2 chargers"):
            gw.plug_in()
        gw.plug_in("carport")
        assert gw.charger(SN2)["vehicle"] is not None


async def test_gateway_events(gw: Gateway) -> None:
    owner = gw.token("owner")
    assert gw.set_ev_min_role("owner")["role"] == "owner"
    async with gw.client(token=owner) as http:
        async with http.get("/ivp/pdm/chargers") as response:
            assert response.status == 200
        gw.revoke_tokens()
        async with http.get("/ivp/pdm/chargers") as response:
            assert response.status == 401
    assert gw.reboot()["event"] == "reboot"
    assert gw.gateway_event("set_firmware", firmware="D8.2.4")["firmware"] == "D8.2.4"


async def test_reset_goes_back_to_the_start_and_clears_the_journal(gw: Gateway) -> None:
    token = gw.token()
    gw.plug_in()
    gw.advance("3h")
    async with gw.client(token=token) as http:
        async with http.get("/ivp/pdm/chargers") as response:
            assert response.status == 200
        assert (await gw.reset())["clock"]["now"] == "2026-06-01T12:00:00Z"
        assert gw.charger()["vehicle"] is None and gw.requests() == []
        async with http.get("/ivp/pdm/chargers") as response:  # tokens stay valid
            assert response.status == 200
        gw.reset(clear_journal=False)
    assert len(gw.requests()) == 1


# -- certificates ------------------------------------------------------------------------------


async def test_the_ca_is_made_once_in_the_user_cache_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IQ_GATEWAY_EMULATOR_CERTS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_certs_dir() == tmp_path / "cache" / "iq-gateway-emulator" / "certs"
    async with Gateway.start() as first:
        ca = first.ca_path.read_bytes()
        assert first.ca_path == default_certs_dir() / "ca.pem"
    async with Gateway.start() as second:
        assert second.ca_path.read_bytes() == ca
    # the server certificate is written to a private folder per gateway, removed on stop
    assert sorted(p.name for p in default_certs_dir().iterdir()) == [
        ".lock",
        "ca-key.pem",
        "ca.pem",
        "token-signing-key.pem",
    ]
    monkeypatch.setenv("IQ_GATEWAY_EMULATOR_CERTS", str(tmp_path / "mine"))
    assert default_certs_dir() == tmp_path / "mine"


def test_gateways_started_together_share_one_new_ca(tmp_path: Path) -> None:
    certs = tmp_path / "fresh"
    gateways: list[SyncGateway] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        barrier.wait()
        gateways.append(SyncGateway.start(certs_dir=certs))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(gateways) == 4
        on_disk = (certs / "ca.pem").read_bytes()
        for gateway in gateways:  # each serves a certificate from the one CA on disk
            assert gateway.emulator.certs.ca_pem == on_disk
            assert gateway.request("GET", "/info").status == 200
    finally:
        for gateway in gateways:
            gateway.stop()


# -- the synchronous variant ----------------------------------------------------------------


def test_sync_gateway_drives_the_same_model_from_a_plain_test(certs_dir: Path) -> None:
    with Gateway.start_sync(SCENARIO, certs_dir=certs_dir) as gw:
        assert isinstance(gw, SyncGateway) and gw.running
        assert gw.host == f"127.0.0.1:{gw.port}" and gw.sn == SN and gw.chargers == [SN]
        assert gw.request("GET", "/ivp/pdm/chargers", token=gw.token("owner")).status == 401
        token = gw.token("installer")
        gw.plug_in(car="small")
        answer = gw.request(
            "POST", f"/ivp/pdm/charger/{SN}/start_charging", token=token, json={"chargingLevel": 16}
        )
        assert answer.status == 200 and answer.json()["chargingLevel"] == 16
        assert gw.advance("30m")["now"] == "2026-06-01T12:30:00Z"
        assert gw.charger("garage")["session_wh"] == pytest.approx(16 * 230 / 2, rel=0.005)
        gw.assert_called("POST", "/ivp/pdm/charger/{sn}/start_charging", times=1)
        gw.assert_not_called("POST", "/ivp/pdm/charger/{sn}/stop_charging")
        with pytest.raises(AssertionError, match="Requests the gateway received"):
            gw.assert_called("GET", "/info")
        assert [e.status for e in gw.requests(path="/ivp/pdm/*")] == [401, 200]
        with pytest.raises(ModelError, match="already plugged into"):
            gw.plug_in()  # raised in this thread, with the model's message
        gw.fault(code="GroundFailure")
        gw.clear_fault()
        gw.event(SN, "set_current", amps=10)
        gw.set_time("2026-06-02T00:00:00Z")
        assert gw.now == datetime(2026, 6, 2, tzinfo=UTC)
        assert gw.set_ev_min_role("owner")["role"] == "owner"
        assert gw.clear_requests() == 2
        assert gw.reset()["status"] == "reset" and gw.state()["chargers"][0]["vehicle"] is None
        assert "the client made no requests" in gw.journal_report()
    assert not gw.running
    gw.stop()  # idempotent


async def test_sync_gateway_also_serves_async_clients(certs_dir: Path) -> None:
    gw = SyncGateway.start(SCENARIO, certs_dir=certs_dir)
    try:
        connector = aiohttp.TCPConnector(ssl=gw.ssl_context())
        async with (
            aiohttp.ClientSession(connector=connector) as http,
            http.get(gw.url + "/info") as response,
        ):
            assert response.status == 200
        assert gw.requests()[0].path == "/info"
    finally:
        await asyncio.to_thread(gw.stop)


def test_a_failed_start_leaves_no_thread(certs_dir: Path) -> None:
    before = threading.active_count()
    with pytest.raises(ModelError):
        SyncGateway.start("gateway: {ev_min_role: king}", certs_dir=certs_dir)
    assert threading.active_count() == before


# -- costs: leaks and start time -------------------------------------------------------------


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_fifty_async_cycles_leak_no_sockets_tasks_or_threads(certs_dir: Path) -> None:
    async def cycle() -> None:
        async with Gateway.start(SCENARIO, certs_dir=certs_dir) as gw:
            http = gw.client(token=gw.token())
            async with http.get("/ivp/pdm/chargers") as response:
                assert response.status == 200

    await cycle()  # warm-up: lazy imports, the loop's first server
    gc.collect()
    before = (open_fds(), len(asyncio.all_tasks()), threading.active_count())
    for _ in range(50):
        await cycle()
    gc.collect()
    after = (open_fds(), len(asyncio.all_tasks()), threading.active_count())
    assert after == before, "(fds, tasks, threads) before vs after 50 start/stop cycles"


def test_fifty_sync_cycles_leak_no_sockets_or_threads(certs_dir: Path) -> None:
    def cycle() -> None:
        with SyncGateway.start(SCENARIO, certs_dir=certs_dir) as gw:
            assert gw.request("GET", "/ivp/pdm/chargers", token=gw.token()).status == 200

    cycle()
    gc.collect()
    before = (open_fds(), threading.active_count())
    for _ in range(50):
        cycle()
    gc.collect()
    assert (open_fds(), threading.active_count()) == before


async def test_start_is_fast_with_a_reused_ca(certs_dir: Path) -> None:
    async with Gateway.start(certs_dir=certs_dir):  # the CA exists from here on
        pass
    async_times, sync_times = [], []
    for _ in range(20):
        began = time.perf_counter()
        gw = await Gateway.start(SCENARIO, certs_dir=certs_dir)
        async_times.append(time.perf_counter() - began)
        await gw.stop()
    for _ in range(20):
        began = time.perf_counter()
        sgw = await asyncio.to_thread(SyncGateway.start, SCENARIO, certs_dir=certs_dir)
        sync_times.append(time.perf_counter() - began)
        await asyncio.to_thread(sgw.stop)
    async_median, sync_median = statistics.median(async_times), statistics.median(sync_times)
    assert async_median < 0.3, f"median async start {async_median * 1000:.1f} ms"
    assert sync_median < 0.3, f"median sync start {sync_median * 1000:.1f} ms"


async def test_pyenphase_takes_gw_host_and_the_journal_shows_its_calls(gw: Gateway) -> None:
    from pyenphase import Envoy

    envoy = Envoy(gw.host)
    try:
        await envoy.setup()
        await envoy.authenticate(token=gw.token("installer"))
    finally:
        await envoy.close()
    assert envoy.serial_number == gw.serial
    gw.assert_called("GET", "/info", times=1, role="anybody")
    gw.assert_called("GET", "/auth/check_jwt", times=1, status=200, role="installer")
