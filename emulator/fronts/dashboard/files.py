"""The dashboard's files: plain HTML, CSS and JavaScript modules shipped as package data,
read once and served from memory (no build step, nothing fetched from elsewhere)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from aiohttp import web

from ...model.errors import not_found
from .replies import HEADERS

TYPES = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
}
INDEX = "index.html"


@cache
def files() -> dict[str, bytes]:
    """Every shipped file by name (the only names served: no path ever reaches the disk)."""
    folder = resources.files(__package__).joinpath("static")
    return {
        entry.name: entry.read_bytes()
        for entry in folder.iterdir()
        if entry.is_file() and any(entry.name.endswith(ext) for ext in TYPES)
    }


def _answer(name: str) -> web.Response:
    body = files().get(name)
    if body is None:
        raise not_found(f"no dashboard file {name!r}; there are {', '.join(sorted(files()))}")
    media = TYPES[name[name.rindex(".") :]]
    headers = {**HEADERS, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return web.Response(body=body, content_type=media, charset="utf-8", headers=headers)


async def index(request: web.Request) -> web.Response:
    return _answer(INDEX)


async def asset(request: web.Request) -> web.Response:
    return _answer(request.match_info["name"])
