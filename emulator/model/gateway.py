"""The gateway's own identity, as ``/info`` reports it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .roles import Role

DEFAULT_FIRMWARE = "D7.6.175"


@dataclass
class GatewaySpec:
    serial: str = "122312345678"
    part_number: str = "800-00654-r08"
    firmware: str = DEFAULT_FIRMWARE
    euaid: str = "4c8675"
    build_id: str = "release-7.6.175"
    build_time_gmt: int = 1_700_000_000
    time_zone: str = "UTC"
    ev_min_role: Role = Role.INSTALLER
    extra_names: tuple[str, ...] = ()
    packages: dict[str, str] = field(
        default_factory=lambda: {
            "rootfs": "02.00.00",
            "kernel": "03.00.00",
            "app": "07.06.175",
            "devimg": "07.06.175",
            "geo": "02.01.24",
            "backbone": "07.00.16",
            "meter": "03.02.08",
            "agf": "02.02.00",
            "security": "02.01.00",
        }
    )
