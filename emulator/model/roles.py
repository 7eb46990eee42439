"""Gateway roles, ordered as on the real device (community notes)."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    ANYBODY = 0
    OWNER = 10
    MONITOR = 10
    PROV = 20
    SUPPORT = 30
    SYSADMIN = 40
    INSTALLER = 50
    ENPHASE = 60

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[str(name).upper()]
        except KeyError:
            choices = ", ".join(r.name.lower() for r in cls if r is not cls.MONITOR)
            raise ValueError(f"unknown role {name!r}; one of: {choices}") from None

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {role: role.name.lower() for role in Role}
"""Written on every journal entry and log line: an enum's ``name`` is a slow lookup."""


TOKEN_ROLES = ("owner", "installer")
"""Roles Enphase's token service hands out in ``enphaseUser``."""
