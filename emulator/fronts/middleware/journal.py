"""Record every answered request in the emulator's journal (see :mod:`..journal`), from
what dispatch already knows: the role, the credentials, the 401's reason and the body."""

from __future__ import annotations

import time

from aiohttp import web

from ..call import Call


def record_journal(call: Call, response: web.StreamResponse) -> None:
    emulator = call.emulator
    emulator.journal.record(
        call.request,
        response,
        call.role,
        emulator.world.model_t,
        (time.perf_counter() - call.started) * 1000,
        credentials=call.credentials,
        denied=call.denied,
        body=call.body,
    )
