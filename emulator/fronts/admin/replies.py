"""JSON answers of the admin API. It shares the gateway's listener, so it answers with the
gateway's headers: a client sees one server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .. import bodies
from ..gateway.responses import GATEWAY_HEADERS

NAME = "admin"
"""The surface's name; its route specs carry it."""
PREFIX = "/__emulator"
HEADERS: Mapping[str, str] = GATEWAY_HEADERS


def json_response(data: Any, status: int = 200) -> web.Response:
    return bodies.json_response(data, status, HEADERS)
