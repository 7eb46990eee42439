"""What handlers and middlewares share: the emulator, the matched route and surface, the
caller's role, and small accessors for the request."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute

from ..control import Control
from ..model.errors import invalid
from ..model.world import World
from ..runtime import Emulator
from .routing import RouteSpec
from .surface import Surface

EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator", Emulator)
SPECS_KEY: web.AppKey[dict[AbstractRoute, RouteSpec]] = web.AppKey("specs", dict)
"""Every route the application serves, with its spec (the OpenAPI document reads it)."""
SURFACES_KEY: web.AppKey[tuple[Surface, ...]] = web.AppKey("surfaces")


def emulator_of(request: web.Request) -> Emulator:
    return request.app[EMULATOR_KEY]


def control_of(request: web.Request) -> Control:
    return request.app[EMULATOR_KEY].control


def world_of(request: web.Request) -> World:
    return request.app[EMULATOR_KEY].world


def bearer_token(request: web.BaseRequest) -> str | None:
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
