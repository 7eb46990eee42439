"""Bring the model up to the clock's now before a route reads or changes it."""

from __future__ import annotations

from aiohttp import web

from ..context import EMULATOR_KEY
from ..routing import Handler


async def sync_model(request: web.Request, handler: Handler) -> web.StreamResponse:
    request.app[EMULATOR_KEY].world.sync()
    return await handler(request)
