"""Small accessors handlers share: the emulator, the world, the caller, the request body."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ..model.errors import invalid
from ..model.world import World
from ..roles import Role
from ..runtime import Emulator

EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator", Emulator)
ROLE_KEY: web.RequestKey[Role] = web.RequestKey("role", Role)
"""The role the request was recognised with (for logs and the journal)."""


def emulator_of(request: web.Request) -> Emulator:
    return request.app[EMULATOR_KEY]


def world_of(request: web.Request) -> World:
    return request.app[EMULATOR_KEY].world


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def json_object(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    raw = await request.read()
    if not raw.strip():
        if optional:
            return {}
        raise invalid("the request needs a JSON object body")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # bad bytes/syntax, huge ints, deep nesting
        raise invalid(f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise invalid(f"the body must be a JSON object, not {type(data).__name__}")
    return data
