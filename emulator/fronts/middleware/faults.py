"""Fault injection: when a scenario's fault rule fires (see :mod:`emulator.model.faults`),
answer for it: a status and body, a delay, a connection reset, or a 429 with
``Retry-After``. Runs after the auth check, so a 401 stays a 401."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from ...model.clock import iso
from ...model.faults import Rule
from ..bodies import json_body
from ..call import Call
from ..surface import GuardResult, Surface

log = logging.getLogger("emulator.faults")

RESET_STATUS = 444
"""What the journal and the log record for a reset: nginx's (openresty's) "closed the
connection without a response"."""


def inject_faults(call: Call) -> GuardResult:
    emulator = call.emulator
    if not emulator.faults.rules:  # the usual case: no rule, no work
        return None
    world = emulator.world
    request = call.request
    rule = emulator.faults.pick(request.method, request.path, call.role, world)
    if rule is None:
        return None
    log.info(
        "fault rule '%s' fired on %s %s at %s (%d so far)",
        rule.name,
        request.method,
        request.path,
        iso(world.model_t),
        rule.fired,
    )
    if rule.delay_s > 0:
        return _after(rule.delay_s, rule, call)
    return _fire(rule, call)


async def _after(delay_s: float, rule: Rule, call: Call) -> web.StreamResponse | None:
    await asyncio.sleep(delay_s)
    return _fire(rule, call)


def _fire(rule: Rule, call: Call) -> web.StreamResponse | None:
    """The rule's answer; None for a pure delay (the real answer follows, late)."""
    if rule.reset:
        transport = call.request.transport
        if transport is not None:
            transport.abort()
        # aiohttp's write of this answer meets the closed transport and is dropped
        # quietly; the journal and the log record 444.
        return web.Response(status=RESET_STATUS)
    if rule.status is None:
        return None
    return answer(rule, call.surface)


def answer(rule: Rule, surface: Surface) -> web.Response:
    """The rule's status and body; no body: the surface's error naming the rule."""
    status = rule.status or 200
    if rule.body is None:
        message = f"fault injected by the scenario rule '{rule.name}'"
        return surface.dialect.refusal(status, message, headers=rule.headers)
    if isinstance(rule.body, str):
        content_type = rule.content_type or "text/plain"
        payload = rule.body.encode()
    else:
        content_type = rule.content_type or "application/json"
        payload = json_body(rule.body)
    return web.Response(
        status=status,
        body=payload,
        content_type=content_type,
        headers={**surface.headers, **rule.headers},
    )
