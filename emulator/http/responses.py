"""Bodies and headers copied from the real gateway, and our JSON errors."""

from __future__ import annotations

import json
from typing import Any

import orjson
from aiohttp import web

SERVER = "openresty/1.17.8.1"
GATEWAY_HEADERS = {
    "Server": SERVER,
    "Strict-Transport-Security": "max-age=63072000; includeSubdomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}
"""[OBS] on every 200 from the gateway."""

UNAUTHORIZED_PAGE = (
    b"<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n"
    b"<center><h1>401 Authorization Required</h1></center>\r\n"
    b"<hr><center>openresty/1.17.8.1</center>\r\n"
    b'<script type="text/javascript">\r\n'
    b"  // The session is missing or has expired: go back to the login page of the IQ Gateway.\r\n"
    b'  var home = window.location.protocol + "//" + window.location.host + "/home";\r\n'
    b"  window.location.replace(home);\r\n"
    b"</script>\r\n"
    b'<noscript><p>Your session is missing or has expired. Please <a href="/home">log in again'
    b"</a> to continue.</p></noscript>\r\n"
    b"</body>\r\n</html>\r\n"
)
"""555 bytes, CRLF, the title and a redirect to /home, as observed. The observed length,
line endings, title and redirect are kept; the exact wording was not published."""

NOT_FOUND_IVP = b'{ "error" : "404 - Not Found" }'
"""[OBS] body for an unknown /ivp/ path."""

VALID_TOKEN_PAGE = b"<!DOCTYPE html><h2>Valid token.</h2>\n"


def json_body(data: Any) -> bytes:
    """Compact UTF-8 JSON. orjson is the fast path (status polls are the hot path); the
    standard library handles what orjson refuses, such as a lone surrogate echoed back in
    an error message, which becomes its ``\\u`` escape."""
    try:
        return orjson.dumps(data)
    except TypeError:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8", "backslashreplace")


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=json_body(data),
        status=status,
        content_type="application/json",
        headers={**GATEWAY_HEADERS, **(headers or {})},
    )


def error_response(
    status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> web.Response:
    """Every refusal: what was wrong, which field, as JSON."""
    error: dict[str, Any] = {"code": status, "message": message}
    if field is not None:
        error["field"] = field
    return json_response({"error": error}, status, headers)


def unauthorized() -> web.Response:
    """The gateway's 401: HTML, no WWW-Authenticate, only the bare headers."""
    return web.Response(
        body=UNAUTHORIZED_PAGE,
        status=401,
        content_type="text/html",
        headers={"Server": SERVER, "Connection": "keep-alive"},
    )


def ivp_not_found() -> web.Response:
    return web.Response(
        body=NOT_FOUND_IVP, status=404, content_type="application/json", headers=GATEWAY_HEADERS
    )
