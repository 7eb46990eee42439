"""Record every answered request in the emulator's journal (see :mod:`..journal`)."""

from __future__ import annotations

import time

from aiohttp import web

from ...model.roles import Role
from ..context import EMULATOR_KEY, ROLE_KEY, STARTED_KEY
from ..routing import Handler


async def record_journal(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    emulator = request.app[EMULATOR_KEY]
    elapsed = (time.perf_counter() - request[STARTED_KEY]) * 1000
    role = request.get(ROLE_KEY, Role.ANYBODY)
    await emulator.journal.record(request, response, role, emulator.world.model_t, elapsed)
    return response
