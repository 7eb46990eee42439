"""The cloud EV controller (``/service/evse_controller``), sites and devices: thin
handlers over the same world as the gateway. Status and summary bodies are the gateway's
builders over :class:`~emulator.model.views.ChargerView` plus the cloud-only keys
(docs/cloud.md, "Status and summary"); commands go through the model's typed commands in
the EV API's names, so a start here is seen locally and the other way round."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ...model.accounts import LoginSession, Site
from ...model.commands import EV_API
from ...model.errors import Conflict, InvalidRequest
from ...model.roles import Role
from ...model.views import ChargerView
from ...model.world import World
from ..context import EMULATOR_KEY, emulator_of, json_object
from ..gateway import payloads as local
from ..routing import Param, RouteSpec
from . import payloads as p
from .access import session_of
from .replies import NAME, json_reply

EVSE = "/service/evse_controller"
SITE = Param("site", "the Enlighten site id (search_sites.json lists them)")
SN = Param("sn", "charger serial", sample="serial")
OFFLINE = p.CloudError(409, None, "Charger is offline")
"""[DESIGN] a command to a charger that stopped reporting."""


class Refused(Exception):
    """An EV-service error to answer with (raised by helpers, answered by the guard)."""

    def __init__(self, error: p.CloudError, message: str | None = None) -> None:
        super().__init__(message or error.message)
        self.error = error
        self.message = message


# -- what a request is about ---------------------------------------------------------------


def site_of(request: web.Request) -> tuple[LoginSession, Site]:
    session = session_of(request)
    accounts = request.app[EMULATOR_KEY].accounts
    return session, accounts.site_for(session, request.match_info["site"])


def charger_of(request: web.Request) -> tuple[Site, str]:
    _, site = site_of(request)
    serial = request.match_info["sn"]
    if serial not in site.charger_serials:
        raise Refused(p.UNKNOWN_CHARGER, f"Charger not found: {serial} on site {site.site_id}")
    return site, serial


def reported(request: web.Request, serial: str) -> ChargerView:
    emulator = emulator_of(request)
    return emulator.reports.view(emulator.world, serial)


def _now(request: web.Request) -> float:
    return request.app[EMULATOR_KEY].world.model_t


# -- bodies: the gateway's builders plus the cloud's keys ------------------------------------


def cloud_status(view: ChargerView, offline_at: float | None) -> dict[str, Any]:
    body = local.charger_status(view)
    vehicle = view.vehicle
    body.update(
        smartEV={"hasToken": False, "hasEVDetails": vehicle is not None},
        evManufacturerName=getattr(vehicle, "name", None) if vehicle is not None else None,
        lst_rpt_at=p.cloud_time(view.at),
        offlineAt=p.cloud_time(offline_at) if offline_at is not None else None,
        auth_token=None,
        isEVDetailsSet=vehicle is not None,
    )
    body["session_d"] = {**body["session_d"], "auth_type": None, "auth_id": None}
    return body


def cloud_summary(view: ChargerView, time_zone: str) -> dict[str, Any]:
    body = local.charger_summary(view, time_zone)
    spec = view.spec
    status = "1" if view.connected else "0"
    at = p.ms(view.at)
    body.update(
        lastReportedAt=p.cloud_time(view.at),
        networkConfig=json.dumps(
            [f"ipaddr={spec.ip},mac_addr={spec.mac},connectionStatus={status}"]
        ),
        wifiConfig=f"connectionStatus={status}" if spec.connection == "wifi" else "",
        cellularConfig="",
        defaultRoute=spec.connection,
        gatewayConnectivityDetails=[
            {"gwConnStatus": 0, "gwConnFailureReason": 0, "lastConnTime": at}
        ],
        functionalValDetails={"state": 1, "lastUpdatedTimestamp": at},
        rmaDetails=None,
        wiringConfiguration={},
        modelName=spec.sku,
        isConnected=view.connected,
    )
    return body


# -- handlers --------------------------------------------------------------------------------


async def search_sites(request: web.Request) -> web.Response:
    session = session_of(request)
    sites = request.app[EMULATOR_KEY].accounts.sites_of(session)
    text = request.query.get("searchText", "")
    favourite = request.query.get("favourite", "false").lower() == "true"
    return json_reply(p.search_sites(sites, text, favourite))


async def devices(request: web.Request) -> web.Response:
    _, site = site_of(request)
    emulator = emulator_of(request)
    world = emulator.world
    gw = world.gateway_view()
    now = world.model_t
    card = p.GatewayCard(gw.serial, gw.part_number, gw.firmware, None, True, now)
    chargers = []
    for serial in site.charger_serials:
        view = reported(request, serial)
        spec = view.spec
        chargers.append(
            p.ChargerCard(
                serial, view.name, spec.sku, spec.firmware, spec.ip, view.connected, view.at
            )
        )
    today = datetime.fromtimestamp(now, ZoneInfo(gw.time_zone)).date()
    return json_reply(p.devices_body(card, chargers, today))


async def status(request: web.Request) -> web.Response:
    _, site = site_of(request)
    emulator = emulator_of(request)
    rows = [
        cloud_status(reported(request, sn), emulator.reports.offline_at(sn))
        for sn in site.charger_serials
    ]
    tz = emulator.world.gateway_view().time_zone
    data = {"site": str(site.site_id), "tz": tz, "chargers": rows}
    return _render(request, "cloud_status", local.envelope(_now(request), data))


async def status_v2(request: web.Request) -> web.Response:
    _, site = site_of(request)
    data = {}
    for sn in site.charger_serials:
        view = reported(request, sn)
        data[sn] = {
            "connected": view.connected,
            "pluggedIn": view.plugged_in,
            "charging": view.charging,
            "lst_rpt_at": p.ms(view.at),
        }
    return json_reply(local.envelope(_now(request), data))


async def summary(request: web.Request) -> web.Response:
    _, site = site_of(request)
    tz = emulator_of(request).world.gateway_view().time_zone
    rows = [cloud_summary(reported(request, sn), tz) for sn in site.charger_serials]
    if request.query.get("filter_retired", "").lower() == "true":
        rows = [r for r in rows if not r["isRetired"]]
    body = local.envelope(_now(request), rows, row_count=len(rows))
    return _render(request, "cloud_summary", body)


async def charger_summary(request: web.Request) -> web.Response:
    _, serial = charger_of(request)
    tz = emulator_of(request).world.gateway_view().time_zone
    view = reported(request, serial)
    body = local.envelope(_now(request), cloud_summary(view, tz))
    return _render(request, "cloud_charger_summary", body, serial)


async def last_reported_at(request: web.Request) -> web.Response:
    _, site = site_of(request)
    data = {sn: p.ms(reported(request, sn).at) for sn in site.charger_serials}
    return json_reply(local.envelope(_now(request), data))


def _online(request: web.Request, serial: str) -> World:
    world = emulator_of(request).world
    if not world.charger_view(serial).connected:
        raise Refused(OFFLINE, f"Charger {serial} is offline; it has not reported")
    return world


def not_plugged(request: web.Request) -> p.CloudError:
    """400 ``iqevc_ms-10008`` (the fixture), or the 409/422 the spec also documents when
    the scenario says ``accounts.not_plugged_status``."""
    section = emulator_of(request).scenario.get("accounts") or {}
    status = int(section.get("not_plugged_status", p.NOT_PLUGGED.status))
    return p.CloudError(status, p.NOT_PLUGGED.code, p.NOT_PLUGGED.message)


async def start_charging(request: web.Request) -> web.Response:
    _, serial = charger_of(request)
    world = _online(request, serial)
    body = await json_object(request, optional=True)
    if not world.charger_view(serial).plugged_in:
        raise Refused(not_plugged(request))
    try:
        world.execute("start_charging", body, serial, dialect=EV_API)
    except InvalidRequest as exc:
        if exc.message.startswith(p.ALREADY_CHARGING.message):
            raise Refused(p.ALREADY_CHARGING) from None
        if exc.field in ("connector_id", "connectorId"):
            raise Refused(p.BAD_CONNECTOR, exc.message) from None
        raise Refused(p.BAD_LEVEL, exc.message) from None
    view = emulator_of(request).reports.refresh(world, serial)
    return json_reply({"status": "accepted", "chargingLevel": view.charging_level})


async def stop_charging(request: web.Request) -> web.Response:
    _, serial = charger_of(request)
    world = _online(request, serial)
    body = await json_object(request, optional=True)
    try:
        world.execute("stop_charging", body, serial, dialect=EV_API)
    except Conflict:
        raise Refused(p.NOT_CHARGING) from None
    emulator_of(request).reports.refresh(world, serial)
    return json_reply({"status": "accepted"})


async def trigger_message(request: web.Request) -> web.Response:
    _, serial = charger_of(request)
    world = _online(request, serial)
    body = await json_object(request)
    entry = world.trigger_message(serial, body.get("requestedMessage"))
    return json_reply(
        {"status": "accepted", "message": entry["action"], "details": entry["payload"]}
    )


async def start_live_stream(request: web.Request) -> web.Response:
    _, site = site_of(request)
    world = emulator_of(request).world
    streaming = [sn for sn in site.charger_serials if world.charger_view(sn).connected]
    seconds = p.LIVE_STREAM_S
    for sn in streaming:
        seconds = int(world.start_live_stream(sn))
    return json_reply(p.live_stream_started(streaming, world.model_t, seconds))


async def stop_live_stream(request: web.Request) -> web.Response:
    _, site = site_of(request)
    world = emulator_of(request).world
    for sn in site.charger_serials:
        world.stop_live_stream(sn)
    return json_reply(p.live_stream_stopped(world.model_t))


def _render(request: web.Request, route: str, body: Any, serial: str | None = None) -> web.Response:
    """The model's body, unless the scenario overrides this route."""
    emulator = emulator_of(request)
    return json_reply(emulator.overrides.body(emulator.world, route, serial, body))


# -- the table -------------------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
START = '{"chargingLevel": 32, "connectorId": 1}; snake_case, either key alone, or none'


def route(
    method: str,
    path: str,
    handler: Handler,
    name: str,
    summary: str,
    *,
    body: str | None = None,
    optional: bool = False,
    params: tuple[Param, ...] = (SITE,),
    evidence: str = "community",
    tag: str = "cloud-ev",
) -> RouteSpec:
    return RouteSpec(
        method,
        path,
        handler,
        Role.OWNER,
        name,
        evidence,  # type: ignore[arg-type]
        summary,
        body=body,
        body_optional=optional,
        surface=NAME,
        tags=(tag,),
        params=params,
    )


CHARGER = (SITE, SN)
ROUTES: tuple[RouteSpec, ...] = (
    route(
        "GET",
        "/app-api/search_sites.json",
        search_sites,
        "cloud_search_sites",
        "The account's sites (searchText, favourite).",
        params=(),
        tag="cloud-sites",
    ),
    route(
        "GET",
        "/app-api/{site}/devices.json",
        devices,
        "cloud_devices",
        "The site's gateway and chargers, by type.",
        tag="cloud-sites",
    ),
    route(
        "GET",
        EVSE + "/{site}/ev_chargers/status",
        status,
        "cloud_status",
        "Every charger of the site, as last reported.",
    ),
    route(
        "GET",
        EVSE + "/api/v2/{site}/ev_chargers/status",
        status_v2,
        "cloud_status_v2",
        "Connected/plugged/charging by serial.",
    ),
    route(
        "GET",
        EVSE + "/api/v2/{site}/ev_chargers/summary",
        summary,
        "cloud_summary",
        "Summary v2 of every charger (filter_retired).",
    ),
    route(
        "GET",
        EVSE + "/{site}/ev_chargers/summary",
        summary,
        "cloud_summary_v1",
        "The same list, older path.",
    ),
    route(
        "GET",
        EVSE + "/api/v2/{site}/ev_chargers/{sn}/summary",
        charger_summary,
        "cloud_charger_summary",
        "Summary v2 of one charger.",
        params=CHARGER,
    ),
    route(
        "GET",
        EVSE + "/api/v2/{site}/ev_chargers/last_reported_at",
        last_reported_at,
        "cloud_last_reported_at",
        "When each charger last reported (ms).",
    ),
    route(
        "POST",
        EVSE + "/{site}/ev_chargers/{sn}/start_charging",
        start_charging,
        "cloud_start_charging",
        "Start charging (optionally at a level).",
        body=START,
        optional=True,
        params=CHARGER,
    ),
    route(
        "PUT",
        EVSE + "/{site}/ev_chargers/{sn}/start_charging",
        start_charging,
        "cloud_start_charging_put",
        "Start charging, PUT variant.",
        body=START,
        optional=True,
        params=CHARGER,
    ),
    route(
        "POST",
        EVSE + "/{site}/ev_charger/{sn}/start_charging",
        start_charging,
        "cloud_start_charging_singular",
        "Start charging, singular path.",
        body=START,
        optional=True,
        params=CHARGER,
    ),
    route(
        "PUT",
        EVSE + "/{site}/ev_chargers/{sn}/stop_charging",
        stop_charging,
        "cloud_stop_charging",
        "Stop charging.",
        optional=True,
        body="none",
        params=CHARGER,
    ),
    route(
        "POST",
        EVSE + "/{site}/ev_chargers/{sn}/stop_charging",
        stop_charging,
        "cloud_stop_charging_post",
        "Stop charging, POST variant.",
        optional=True,
        body="none",
        params=CHARGER,
    ),
    route(
        "POST",
        EVSE + "/{site}/ev_charger/{sn}/stop_charging",
        stop_charging,
        "cloud_stop_charging_singular",
        "Stop charging, singular path.",
        optional=True,
        body="none",
        params=CHARGER,
    ),
    route(
        "POST",
        EVSE + "/{site}/ev_charger/{sn}/trigger_message",
        trigger_message,
        "cloud_trigger_message",
        "Ask the charger for an OCPP message.",
        body='{"requestedMessage": "MeterValues"}',
        params=CHARGER,
    ),
    route(
        "GET",
        EVSE + "/{site}/ev_chargers/start_live_stream",
        start_live_stream,
        "cloud_start_live_stream",
        "Faster reports for 900 s.",
    ),
    route(
        "GET",
        EVSE + "/{site}/ev_chargers/stop_live_stream",
        stop_live_stream,
        "cloud_stop_live_stream",
        "Back to the normal reporting interval.",
    ),
)
