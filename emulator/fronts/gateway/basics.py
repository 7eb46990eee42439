"""Routes every client touches first: ``/info`` and ``/auth/check_jwt`` [OBS]."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from aiohttp import web

from ...model.roles import Role
from ...model.tokens import InvalidToken
from ...model.world import World
from ..context import bearer_token, world_of
from ..routing import RouteSpec
from .energy import HOME
from .responses import GATEWAY_HEADERS, NAME, VALID_TOKEN_PAGE, unauthorized


def uses_tokens(firmware: str) -> bool:
    match = re.match(r"^[A-Za-z]?(\d+)", firmware)
    return match is not None and int(match.group(1)) >= 7


def info_xml(world: World) -> str:
    gw = world.gateway
    packages = "".join(
        f"<package name='{escape(name)}'><pn>500-000{i:02d}-r01</pn>"
        f"<version>{escape(version)}</version><build>{1000 + i}</build></package>\n"
        for i, (name, version) in enumerate(gw.packages.items())
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        "<envoy_info>\n"
        f"  <time>{int(world.model_t)}</time>\n"
        "  <device>\n"
        f"    <sn>{escape(gw.serial)}</sn>\n"
        f"    <pn>{escape(gw.part_number)}</pn>\n"
        f"    <software>{escape(gw.firmware)}</software>\n"
        f"    <euaid>{escape(gw.euaid)}</euaid>\n"
        "    <seqnum>0</seqnum>\n"
        "    <apiver>1</apiver>\n"
        f"    <imeter>{'true' if world.site.metered else 'false'}</imeter>\n"
        "  </device>\n"
        f"  <web-tokens>{'true' if uses_tokens(gw.firmware) else 'false'}</web-tokens>\n"
        f"{packages}"
        "  <build_info>\n"
        f"    <build_id>{escape(gw.build_id)}</build_id>\n"
        f"    <build_time_gmt>{gw.build_time_gmt}</build_time_gmt>\n"
        "  </build_info>\n"
        "</envoy_info>\n"
    )


async def info(request: web.Request) -> web.Response:
    return web.Response(
        text=info_xml(world_of(request)), content_type="text/xml", headers=GATEWAY_HEADERS
    )


async def check_jwt(request: web.Request) -> web.Response:
    token = bearer_token(request)
    if not token:
        return unauthorized()
    try:
        session = world_of(request).auth.login(token)
    except InvalidToken:
        return unauthorized()
    return web.Response(
        body=VALID_TOKEN_PAGE,
        content_type="text/html",
        headers={
            **GATEWAY_HEADERS,
            "Set-Cookie": f"sessionId={session.session_id}; Secure; HttpOnly; path=/",
        },
    )


ROUTES = (
    RouteSpec(
        "GET",
        "/info",
        info,
        Role.ANYBODY,
        "info",
        "observed",
        "Gateway identity and firmware (XML).",
        surface=NAME,
        tags=("gateway",),
        media="text/xml",
    ),
    RouteSpec(
        "GET",
        "/auth/check_jwt",
        check_jwt,
        Role.ANYBODY,
        "check_jwt",
        "observed",
        "Validate a Bearer token; answers a sessionId cookie.",
        surface=NAME,
        tags=("gateway",),
        media="text/html",
        handler_auth=("bearer",),
    ),
    HOME,
)
