"""Bodies and headers copied from the real gateway, and its JSON answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from .. import bodies

NAME = "gateway"
"""The surface's name; its route specs carry it."""
SERVER = "openresty/1.17.8.1"
GATEWAY_HEADERS: Mapping[str, str] = {
    "Server": SERVER,
    "Strict-Transport-Security": "max-age=63072000; includeSubdomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}
"""[OBS] on every 200 from the gateway."""
JSON_HEADERS = CIMultiDictProxy(
    CIMultiDict({**GATEWAY_HEADERS, "Content-Type": "application/json"})
)
"""The headers of every gateway JSON answer, built once: a response copies them (a C-level
copy) instead of merging a fresh dict and setting its content type per answer."""

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


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """JSON with the gateway's headers."""
    if headers:
        return bodies.json_response(data, status, {**GATEWAY_HEADERS, **headers})
    return json_bytes(bodies.json_body(data), status)


def json_bytes(body: bytes, status: int = 200) -> web.Response:
    """Encoded JSON with the gateway's prebuilt headers."""
    return web.Response(body=body, status=status, headers=JSON_HEADERS)


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
