"""HTTP-level fault rules from a scenario's ``faults:`` section (stub: no rules yet)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .model.world import World
from .roles import Role


class FaultRules:
    """Decides, per request, whether a scenario rule answers instead of the gateway."""

    def __init__(self, rules: list[Any] | None = None) -> None:
        self.rules = list(rules or [])

    @classmethod
    def from_scenario(cls, scenario: Mapping[str, Any], seed: int) -> FaultRules:
        return cls()

    async def intercept(
        self, request: web.Request, role: Role, world: World
    ) -> web.StreamResponse | None:
        return None
