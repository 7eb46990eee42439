"""Record every answered request in the emulator's journal (see :mod:`..journal`), from
what dispatch already knows: the role, the credentials and the 401's reason."""

from __future__ import annotations

import time

from aiohttp import web

from ...model.roles import Role
from ..context import EMULATOR_KEY, ROLE_KEY, STARTED_KEY
from ..routing import Handler
from .auth import CREDENTIALS_KEY, DENIED_KEY


async def record_journal(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    emulator = request.app[EMULATOR_KEY]
    elapsed = (time.perf_counter() - request[STARTED_KEY]) * 1000
    await emulator.journal.record(
        request,
        response,
        request.get(ROLE_KEY, Role.ANYBODY),
        emulator.world.model_t,
        elapsed,
        credentials=request.get(CREDENTIALS_KEY),
        denied=request.get(DENIED_KEY),
    )
    return response
