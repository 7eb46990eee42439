"""The request journal: every request the emulator answered, in order (stub)."""

from __future__ import annotations

from aiohttp import web

from .roles import Role


class Journal:
    def __init__(self) -> None:
        self.entries: list[dict[str, object]] = []

    async def record(
        self,
        request: web.Request,
        response: web.StreamResponse,
        role: Role,
        virtual_time: float,
        elapsed_ms: float,
    ) -> None:
        return None
