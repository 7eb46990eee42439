"""Discovery: advertise the gateway as ``_enphase-envoy._tcp.local.`` the way Home Assistant
finds a real one (opt-in: ``serve --mdns``, EMULATOR_MDNS=1).

TXT ``serialnum`` (= /info's sn, which HA requires), ``protovers`` (the firmware) and
``txtvers=1``; IPv4 only [COMM: HA core]. Home Assistant ignores the advertised port and
pyenphase always connects to 443: run the emulator behind a 443 port mapping (container
``-p 443:8443``) or type ``host:port`` by hand. Uses python-zeroconf; no hand-made packets.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

SERVICE_TYPE = "_enphase-envoy._tcp.local."


def protovers(firmware: str) -> str:
    """``D7.6.175`` -> ``7.6.175``: the version without the build letter."""
    return firmware[1:] if firmware[:1].isalpha() else firmware


def service_info(serial: str, firmware: str, port: int, addresses: list[str]) -> AsyncServiceInfo:
    """[DESIGN] Instance ``Envoy-<serial>``, host ``envoy-<serial>.local.``."""
    return AsyncServiceInfo(
        SERVICE_TYPE,
        f"Envoy-{serial}.{SERVICE_TYPE}",
        addresses=[ipaddress.IPv4Address(a).packed for a in addresses],
        port=port,
        properties={"serialnum": serial, "protovers": protovers(firmware), "txtvers": "1"},
        server=f"envoy-{serial}.local.",
    )


def local_addresses(host: str) -> list[str]:
    """The IPv4 addresses to advertise: the listening address, or (for 0.0.0.0) the one
    the default route uses, falling back to loopback."""
    if host not in ("0.0.0.0", "", "::"):
        try:
            return [socket.gethostbyname(host)]
        except OSError:
            return ["127.0.0.1"]
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        return [probe.getsockname()[0]]
    except OSError:
        return ["127.0.0.1"]
    finally:
        probe.close()


@dataclass
class Advertiser:
    """One registered service; ``close`` withdraws it (goodbye packets)."""

    zeroconf: AsyncZeroconf
    info: AsyncServiceInfo

    async def close(self) -> None:
        await self.zeroconf.async_unregister_service(self.info)
        await self.zeroconf.async_close()


async def advertise(serial: str, firmware: str, port: int, host: str) -> Advertiser:
    """Register the gateway on the local network.

    Raises:
        OSError: multicast is not available here (the caller says so and serves anyway).
    """
    info = service_info(serial, firmware, port, local_addresses(host))
    zeroconf = AsyncZeroconf(ip_version=IPVersion.V4Only)
    try:
        await zeroconf.async_register_service(info, allow_name_change=True)
    except Exception:
        await zeroconf.async_close()
        raise
    return Advertiser(zeroconf, info)


async def advertise_gateway(serial: str, firmware: str, port: int, host: str) -> Advertiser | None:
    """``serve --mdns``: advertise, or say why not and serve anyway."""
    try:
        advertiser = await advertise(serial, firmware, port, host)
    except (OSError, RuntimeError) as exc:
        print(f"mDNS: not advertised ({exc}); clients can still connect by address", flush=True)
        return None
    print(
        f"mDNS: advertised {advertiser.info.name} (Home Assistant and pyenphase use port 443: "
        f"map 443 to {port}, or type host:{port})",
        flush=True,
    )
    return advertiser
