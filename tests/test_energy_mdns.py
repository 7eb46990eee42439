"""``serve --mdns``: a zeroconf browser finds ``_enphase-envoy._tcp.local.`` with the TXT
records Home Assistant reads (serialnum = /info's sn, protovers, txtvers=1)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from emulator.cli import build_parser
from emulator.fronts import mdns

from .conftest import Api


async def browse(seconds: float = 5.0) -> AsyncServiceInfo | None:
    zeroconf = AsyncZeroconf(ip_version=IPVersion.V4Only)
    found: asyncio.Queue[str] = asyncio.Queue()

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is ServiceStateChange.Added:
            found.put_nowait(name)

    browser = AsyncServiceBrowser(zeroconf.zeroconf, [mdns.SERVICE_TYPE], handlers=[on_change])
    try:
        name = await asyncio.wait_for(found.get(), seconds)
        info = AsyncServiceInfo(mdns.SERVICE_TYPE, name)
        assert await info.async_request(zeroconf.zeroconf, 3000)
        return info
    except TimeoutError:
        return None
    finally:
        await browser.async_cancel()
        await zeroconf.async_close()


async def test_a_browser_finds_the_gateway_with_its_serial(api: Api) -> None:
    from emulator.cli import _advertise  # what serve --mdns runs once it listens

    advertiser = await _advertise(api.server)
    if advertiser is None:
        pytest.skip("multicast is not available here (serve printed why)")
    try:
        info = await browse()
    finally:
        await advertiser.close()
    if info is None:
        print("registered, but no multicast answer came back (multicast loopback off?)")
        pytest.skip("registered, but no multicast answer came back (multicast loopback off?)")
    status, body = await api.get("/info")
    sn = re.search(rb"<sn>(\d+)</sn>", body)
    assert status == 200 and sn is not None
    assert info.properties[b"serialnum"] == sn[1]
    assert info.properties[b"protovers"] == b"7.6.175"
    assert info.properties[b"txtvers"] == b"1"
    assert info.port == api.server.port
    assert "127.0.0.1" in info.parsed_addresses()


def test_the_flag_and_its_environment_variable(monkeypatch: Any) -> None:
    assert build_parser().parse_args(["serve", "--mdns"]).mdns is True
    assert build_parser().parse_args(["serve"]).mdns is False
    monkeypatch.setenv("EMULATOR_MDNS", "1")
    assert build_parser().parse_args(["serve"]).mdns is True


def test_protovers_drops_the_build_letter() -> None:
    assert mdns.protovers("D7.6.175") == "7.6.175"
    assert mdns.protovers("8.2.4345") == "8.2.4345"
