"""JSON bodies every surface sends: fast and never failing on odd text."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web


def json_body(data: Any) -> bytes:
    """Compact UTF-8 JSON. orjson is the fast path (status polls are the hot path); the
    standard library handles what orjson refuses, such as a lone surrogate echoed back in
    an error message, which becomes its ``\\u`` escape."""
    try:
        encoded = orjson.dumps(data)
    except TypeError:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8", "backslashreplace")
    # orjson hands back its whole working buffer (8 KB for a 600-byte body): a small body
    # is copied to its own size, so whoever keeps it (the journal keeps the last 10,000
    # answers) keeps only its bytes
    return bytes(memoryview(encoded)) if len(encoded) <= COMPACT_BELOW else encoded


COMPACT_BELOW = 64 * 1024
"""Bodies up to this size are returned at their own size (see :func:`json_body`)."""


def json_response(data: Any, status: int, headers: Mapping[str, str]) -> web.Response:
    return web.Response(
        body=json_body(data), status=status, content_type="application/json", headers=headers
    )


def error_body(status: int, message: str, field: str | None = None) -> dict[str, Any]:
    """``{"error": {"code", "message", "field"?}}``: what was wrong, and which field."""
    error: dict[str, Any] = {"code": status, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}
