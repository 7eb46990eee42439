"""The scenario's ``accounts:`` section → the cloud's :class:`~emulator.model.accounts.Accounts`.

One directory per world, built beside it (and rebuilt on reset and scenario load): the
world's gateway and chargers make the one site; without a section, the two documented
default accounts (owner@example.com and installer@example.com, password ``emulator``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model.accounts import DEFAULT_INSTALLER, DEFAULT_OWNER, DEFAULT_PASSWORD, Accounts
from ..model.world import World

DEFAULT_SITE_NAME = "Home"


def reporting_interval(scenario: Mapping[str, Any]) -> float:
    """Seconds between a charger's reports to the cloud (0: the cloud sees live state)."""
    section = scenario.get("accounts") or {}
    return float(section.get("reporting_interval", 0))


def build_accounts(scenario: Mapping[str, Any], world: World) -> Accounts:
    section: Mapping[str, Any] = scenario.get("accounts") or {}
    gateway = world.gateway_view()
    chargers = [v.serial for v in world.view().chargers]
    raw_site: Mapping[str, Any] = section.get("site") or {}
    name = str(raw_site.get("name") or DEFAULT_SITE_NAME)
    users = section.get("users") or _default_users()
    accounts = Accounts(world.now)
    site = accounts.add_site(
        name, gateway.serial, chargers, site_id=_site_id(raw_site), time_zone=gateway.time_zone
    )
    for user in users:
        accounts.add_account(
            str(user["email"]),
            str(user["password"]),
            str(user.get("role", "owner")),
            sites=[site.site_id],
            mfa_code=None if user.get("mfa") is None else str(user["mfa"]),
            blocked=bool(user.get("blocked", False)),
            name=user.get("name"),
        )
    return accounts


def _default_users() -> list[dict[str, Any]]:
    return [
        {"email": DEFAULT_OWNER, "password": DEFAULT_PASSWORD, "role": "owner"},
        {"email": DEFAULT_INSTALLER, "password": DEFAULT_PASSWORD, "role": "installer"},
    ]


def _site_id(raw_site: Mapping[str, Any]) -> int | None:
    value = raw_site.get("id")
    return None if value is None else int(value)
