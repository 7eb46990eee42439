"""The cloud's answers: JSON everywhere, its headers, its cookies, its Retry-After."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .. import bodies
from .payloads import Answer

NAME = "cloud"
"""The surface's name; its route specs carry it."""
ENLIGHTEN_HOST = "enlighten.enphaseenergy.com"
ENTREZ_HOST = "entrez.enphaseenergy.com"
HOSTS = frozenset({ENLIGHTEN_HOST, ENTREZ_HOST})
HEADERS: Mapping[str, str] = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
"""[DESIGN] on every cloud answer; the Content-Type is always application/json."""


def json_reply(data: Any, status: int = 200, retry_after: int | None = None) -> web.Response:
    headers = dict(HEADERS)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return bodies.json_response(data, status, headers)


def answer(reply: Answer) -> web.Response:
    return json_reply(reply.body, reply.status, reply.retry_after)


def with_cookies(
    response: web.Response, cookies: Mapping[str, str], max_age: int | None = None
) -> web.Response:
    """Secure, path-wide cookies, as Enlighten sets them."""
    for name, value in cookies.items():
        response.set_cookie(name, value, path="/", secure=True, max_age=max_age)
    return response
