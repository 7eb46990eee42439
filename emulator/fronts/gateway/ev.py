"""The local EV routes (``/ivp/pdm``, ``/ivp/peb``): thin handlers over the model.

Every body here is a **designed** shape (see ``emulator/payloads.py``); a scenario can
override any of them per route and charger.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from ...model.commands import EV_API
from ...model.params import check_keys
from ...model.views import ChargerView
from ...model.world import World
from ..context import emulator_of, json_object, world_of
from ..routing import EV, Param, RouteSpec
from ..schemas import ANY_ARRAY, ANY_OBJECT, INT, STR, Schema, obj
from . import payloads, status_cache
from . import schemas as s
from .responses import NAME, json_bytes, json_response

SN = "/{sn}"
SN_PARAM = Param("sn", "charger serial or scenario id", sample="serial")


def render(request: web.Request, route: str, body: Any, serial: str | None = None) -> web.Response:
    """The model's body, unless the scenario overrides this route (for this charger)."""
    emulator = emulator_of(request)
    return json_response(emulator.overrides.body(emulator.world, route, serial, body))


def charger_of(request: web.Request) -> tuple[World, ChargerView]:
    world = world_of(request)
    return world, world.charger_view(request.match_info["sn"])


def charger_view(
    name: str, build: Callable[[World, ChargerView], Any]
) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        world, view = charger_of(request)
        return render(request, name, build(world, view), view.serial)

    handler.__name__ = name
    return handler


def site_view(name: str, build: Callable[[World], Any]) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        return render(request, name, build(world_of(request)))

    handler.__name__ = name
    return handler


async def _command(request: web.Request, name: str, optional: bool = True) -> tuple[World, str]:
    """Run a charger command from the request body, in the EV API's names."""
    world = world_of(request)
    serial = world.charger(request.match_info["sn"]).serial
    body = await json_object(request, optional=optional)
    world.execute(name, body, serial, dialect=EV_API)
    return world, serial


async def start_charging(request: web.Request) -> web.Response:
    world, serial = await _command(request, "start_charging")
    answer = {"status": "accepted", "chargingLevel": world.charger_view(serial).charging_level}
    return render(request, "start_charging", answer, serial)


async def stop_charging(request: web.Request) -> web.Response:
    _, serial = await _command(request, "stop_charging")
    return render(request, "stop_charging", {"status": "accepted"}, serial)


async def trigger_message(request: web.Request) -> web.Response:
    world, view = charger_of(request)
    body = await json_object(request)
    entry = world.trigger_message(view.serial, body.get("requestedMessage"))
    answer = {"status": "accepted", "message": entry["action"], "details": entry["payload"]}
    return render(request, "trigger_message", answer, view.serial)


async def put_schedule(request: web.Request) -> web.Response:
    world, view = charger_of(request)
    body = await json_object(request)
    world.execute("set_mode", schedule_params(body, view), view.serial)
    updated = world.charger_view(view.serial)
    return render(request, "put_schedule", payloads.schedule_body(world, updated), view.serial)


SCHEDULE_FIELDS = {"chargingMode", "mode", "modes", "schedules", "schedule"}


def schedule_params(body: dict[str, Any], charger: ChargerView) -> dict[str, Any]:
    """Accept the cloud's ``{"data": {"modes": ...}}`` or a flat ``{"chargingMode": ...}``."""
    data = body["data"] if isinstance(body.get("data"), dict) else body
    check_keys(data, SCHEDULE_FIELDS, "schedule")
    mode = data.get("chargingMode", data.get("mode")) or enabled_mode(data.get("modes"))
    params: dict[str, Any] = {"mode": mode or charger.mode.value}
    slots = data.get("schedules", data.get("schedule"))
    if slots is not None:
        params["schedule"] = slots
    return params


def enabled_mode(modes: object) -> str | None:
    """The one mode marked ``enabled: true`` in the cloud's preference payload."""
    if not isinstance(modes, dict):
        return None
    enabled = [
        v.get("chargingMode")
        for v in modes.values()
        if isinstance(v, dict) and v.get("enabled") is True
    ]
    return enabled[0] if len(enabled) == 1 else None


async def start_live_stream(request: web.Request) -> web.Response:
    world, view = charger_of(request)
    seconds = world.start_live_stream(view.serial)
    answer = {"status": "accepted", "sn": view.serial, "duration_s": seconds}
    return render(request, "start_live_stream", answer, view.serial)


async def stop_live_stream(request: web.Request) -> web.Response:
    world, view = charger_of(request)
    world.stop_live_stream(view.serial)
    return render(
        request, "stop_live_stream", {"status": "accepted", "sn": view.serial}, view.serial
    )


PDM = "/ivp/pdm/charger" + SN
PEB = "/ivp/peb/ev_charger" + SN
START_BODY = '{"chargingLevel": 32, "connectorId": 1} (level optional; snake_case accepted)'


def _ev(
    method: str,
    path: str,
    name: str,
    handler: Any,
    summary: str,
    response: Schema,
    body: str | None = None,
    **more: Any,
) -> RouteSpec:
    """An EV route: the EV policy, a designed body, the ``sn`` parameter when it has one."""
    return RouteSpec(
        method,
        path,
        handler,
        EV,
        name,
        "designed",
        summary,
        body,
        surface=NAME,
        tags=("ev",),
        params=(SN_PARAM,) if SN in path else (),
        response=response,
        **more,
    )


def cached_status(name: str) -> Callable[[web.Request], Any]:
    """The status route, answered from :mod:`.status_cache` while that is exact."""

    async def handler(request: web.Request) -> web.Response:
        emulator = emulator_of(request)
        world = emulator.world
        sn = request.match_info["sn"]
        cached = status_cache.lookup(world, name, sn)
        if cached is not None:
            return json_bytes(cached)
        charger = world.charger(sn)
        view = world.charger_view(charger)
        body = payloads.status_body(world, view)
        answer = emulator.overrides.body(world, name, view.serial, body)
        if answer is not body:
            return json_response(answer)
        kind = status_cache.validity(charger, view)
        if kind is status_cache.Validity.INSTANT and world.clock.rate:
            return json_response(body)  # a running clock: the next poll is a new instant
        return json_bytes(status_cache.store(world, name, sn, charger, view, kind))

    handler.__name__ = name
    return handler


status_view = cached_status("status")  # both status routes: one body, one override name
summary_view = charger_view("summary", payloads.summary_body)
SESSIONS = obj(["sn", "sessions"], sn=STR, sessions=ANY_ARRAY)

ROUTES = (
    _ev(
        "GET",
        "/ivp/pdm/chargers",
        "chargers",
        site_view("chargers", payloads.chargers_body),
        "Enumerate chargers (summary v2 rows).",
        s.CHARGERS,
    ),
    _ev(
        "GET",
        PDM + "/status",
        "status",
        status_view,
        "Charger status, cloud status shape.",
        s.STATUS,
    ),
    _ev(
        "GET",
        PDM + "/summary",
        "summary",
        summary_view,
        "Charger metadata, cloud summary v2 keys.",
        s.SUMMARY,
    ),
    _ev(
        "POST",
        PDM + "/start_charging",
        "start_charging",
        start_charging,
        "Start a session or change its level.",
        s.accepted(chargingLevel=INT),
        START_BODY,
        request=s.START_REQUEST,
        body_optional=True,
    ),
    _ev(
        "POST",
        PDM + "/stop_charging",
        "stop_charging",
        stop_charging,
        "Stop the session.",
        s.ACCEPTED,
        request=s.STOP_REQUEST,
        body_optional=True,
    ),
    _ev(
        "POST",
        PDM + "/trigger_message",
        "trigger_message",
        trigger_message,
        "Ask the charger for an OCPP message.",
        s.accepted(message=STR, details=ANY_OBJECT),
        '{"requestedMessage": "MeterValues"}',
        request=s.TRIGGER_REQUEST,
    ),
    _ev(
        "GET",
        "/ivp/peb/charger" + SN + "/schedule",
        "schedule",
        charger_view("schedule", payloads.schedule_body),
        "Charge mode and schedule slots.",
        s.SCHEDULE,
    ),
    _ev(
        "PUT",
        "/ivp/peb/charger" + SN + "/schedule",
        "put_schedule",
        put_schedule,
        "Change charge mode and/or schedule slots.",
        s.SCHEDULE,
        '{"chargingMode": "SCHEDULED_CHARGING", "schedules": [slot, ...]}',
        request=s.SCHEDULE_REQUEST,
    ),
    _ev(
        "GET",
        "/ivp/pdm/connectors",
        "connectors",
        site_view("connectors", payloads.connectors_body),
        "Every charger's connector.",
        obj(["connectors"], connectors=ANY_ARRAY),
    ),
    _ev(
        "GET",
        "/ivp/pdm/devices",
        "devices",
        site_view("devices", payloads.devices_body),
        "Chargers as network devices.",
        obj(["devices"], devices=ANY_ARRAY),
    ),
    _ev(
        "GET",
        "/ivp/peb/ev_chargers",
        "ev_chargers",
        site_view("ev_chargers", payloads.ev_chargers_body),
        "Compact charger list.",
        obj(["ev_chargers"], ev_chargers=ANY_ARRAY),
    ),
    _ev(
        "GET",
        PEB + "/status",
        "peb_status",
        status_view,
        "Same body as the pdm status.",
        s.STATUS,
    ),
    _ev(
        "GET",
        PEB + "/summary",
        "peb_summary",
        summary_view,
        "Same body as the pdm summary.",
        s.SUMMARY,
    ),
    _ev(
        "GET",
        PEB + "/power",
        "power",
        charger_view("power", payloads.power_body),
        "Instant power, current and voltage.",
        s.POWER,
    ),
    _ev(
        "GET",
        PEB + "/metrics",
        "metrics",
        charger_view("metrics", payloads.metrics_body),
        "Energy counters and state of charge.",
        s.METRICS,
    ),
    _ev(
        "GET",
        PEB + "/sessions",
        "sessions",
        charger_view("sessions", payloads.sessions_body),
        "Past and current sessions.",
        SESSIONS,
    ),
    _ev(
        "POST",
        PEB + "/start_live_stream",
        "start_live_stream",
        start_live_stream,
        "Ask for fast updates (15 minutes).",
        s.accepted(sn=STR),
    ),
    _ev(
        "POST",
        PEB + "/stop_live_stream",
        "stop_live_stream",
        stop_live_stream,
        "Stop fast updates.",
        s.accepted(sn=STR),
    ),
)
