"""The session-history service (``/service/enho_historical_events_ms``): the world's
sessions (the ones the local ``/sessions`` route lists) as the cloud pages them."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from ...model.errors import invalid
from ...model.views import SessionView
from ..context import emulator_of, json_object
from ..routing import Param, RouteSpec
from . import payloads as p
from .ev import charger_of, route, site_of
from .replies import json_reply

BASE = "/service/enho_historical_events_ms/{site}"
SITE = Param("site", "the Enlighten site id")
SN = Param("sn", "charger serial", sample="serial")


def _row(serial: str, session: SessionView, now: float) -> p.HistorySession:
    """[DESIGN] active charge time: from the first start to unplug (or now)."""
    end = session.unplugged_at if session.unplugged_at is not None else now
    active = 0 if session.started_at is None else max(0, round(end - session.started_at))
    return p.HistorySession(
        serial=serial,
        plugged_in_at=session.plugged_in_at,
        unplugged_at=session.unplugged_at,
        energy_wh=session.energy_wh,
        active_charge_s=active,
        miles=session.miles,
        cost=session.cost,
    )


async def filter_criteria(request: web.Request) -> web.Response:
    _, site = site_of(request)
    world = emulator_of(request).world
    chargers = [(sn, world.charger_view(sn).name) for sn in site.charger_serials]
    return json_reply(p.history_criteria_body(chargers, world.model_t))


def _int(params: dict[str, Any], name: str, default: int) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise web.HTTPBadRequest(reason=f"params.{name} must be a whole number")
    return value


async def history(request: web.Request) -> web.Response:
    _, serial = charger_of(request)
    world = emulator_of(request).world
    body = await json_object(request)
    params = body.get("params")
    if not isinstance(params, dict):
        params = {}
    zone = str(params.get("timezone") or world.gateway_view().time_zone)
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid(f"params.timezone is not an IANA zone: {zone[:64]!r}", "timezone") from None
    rows = [_row(serial, s, world.model_t) for s in world.session_history(serial)]
    answer = p.history_body(
        rows,
        start=p.parse_history_date(params.get("startDate"), "startDate"),
        end=p.parse_history_date(params.get("endDate"), "endDate"),
        offset=_int(params, "offset", 0),
        limit=_int(params, "limit", 20),
        tz=tz,
        t=world.model_t,
    )
    return json_reply(answer)


def _spec(
    method: str,
    path: str,
    handler: Any,
    name: str,
    summary: str,
    body: str | None,
    params: tuple[Param, ...],
) -> RouteSpec:
    return route(
        method, BASE + path, handler, name, summary, body=body, params=params, tag="cloud-history"
    )


ROUTES: tuple[RouteSpec, ...] = (
    _spec(
        "GET",
        "/filter_criteria",
        filter_criteria,
        "cloud_history_criteria",
        "The site's chargers, for the history filter.",
        None,
        (SITE,),
    ),
    _spec(
        "POST",
        "/sessions/{sn}/history",
        history,
        "cloud_session_history",
        "Charge sessions plugged in on local days in [startDate, endDate], newest first.",
        '{"source": "evse", "params": {"offset", "limit", "startDate", "endDate", "timezone"}}',
        (SITE, SN),
    ),
)
