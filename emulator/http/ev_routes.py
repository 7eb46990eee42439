"""The local EV routes (``/ivp/pdm``, ``/ivp/peb``): thin handlers over the model.

Every body here is a **designed** shape (see ``emulator/payloads.py``); a scenario can
override any of them per route and charger.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from .. import payloads
from ..model.charger import Charger
from ..model.params import check_keys
from ..model.world import World
from .context import json_object, world_of
from .responses import json_response
from .table import EV, RouteSpec

SN = "/{sn}"
LIVE_STREAM_S = 900


def render(world: World, route: str, body: Any, serial: str | None = None) -> web.Response:
    """The model's body, unless the scenario overrides this route (for this charger)."""
    override = world.override(route, serial, body)
    return json_response(body if override is None else override)


def charger_of(request: web.Request) -> tuple[World, Charger]:
    world = world_of(request)
    return world, world.charger(request.match_info["sn"])


def charger_view(name: str, build: Callable[[World, Charger], Any]) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        world, charger = charger_of(request)
        return render(world, name, build(world, charger), charger.serial)

    handler.__name__ = name
    return handler


def site_view(name: str, build: Callable[[World], Any]) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        world = world_of(request)
        return render(world, name, build(world))

    handler.__name__ = name
    return handler


async def start_charging(request: web.Request) -> web.Response:
    world, charger = charger_of(request)
    body = await json_object(request, optional=True)
    world.apply(charger.serial, "start_charging", body)
    answer = {"status": "accepted", "chargingLevel": charger.charging_level}
    return render(world, "start_charging", answer, charger.serial)


async def stop_charging(request: web.Request) -> web.Response:
    world, charger = charger_of(request)
    body = await json_object(request, optional=True)
    world.apply(charger.serial, "stop_charging", body)
    return render(world, "stop_charging", {"status": "accepted"}, charger.serial)


async def trigger_message(request: web.Request) -> web.Response:
    world, charger = charger_of(request)
    body = await json_object(request)
    entry = world.trigger_message(charger.serial, body.get("requestedMessage"))
    answer = {"status": "accepted", "message": entry["action"], "details": entry["payload"]}
    return render(world, "trigger_message", answer, charger.serial)


async def put_schedule(request: web.Request) -> web.Response:
    world, charger = charger_of(request)
    body = await json_object(request)
    world.apply(charger.serial, "set_mode", schedule_params(body, charger))
    return render(world, "put_schedule", payloads.schedule_body(world, charger), charger.serial)


SCHEDULE_FIELDS = {"chargingMode", "mode", "modes", "schedules", "schedule"}


def schedule_params(body: dict[str, Any], charger: Charger) -> dict[str, Any]:
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
    world, charger = charger_of(request)
    charger.live_stream_until = world.model_t + LIVE_STREAM_S
    answer = {"status": "accepted", "sn": charger.serial, "duration_s": LIVE_STREAM_S}
    return render(world, "start_live_stream", answer, charger.serial)


async def stop_live_stream(request: web.Request) -> web.Response:
    world, charger = charger_of(request)
    charger.live_stream_until = None
    return render(
        world, "stop_live_stream", {"status": "accepted", "sn": charger.serial}, charger.serial
    )


PDM = "/ivp/pdm/charger" + SN
PEB = "/ivp/peb/ev_charger" + SN
START_BODY = '{"chargingLevel": 32, "connectorId": 1} (level optional; snake_case accepted)'


def _get(path: str, name: str, handler: Any, summary: str) -> RouteSpec:
    return RouteSpec("GET", path, handler, EV, name, "designed", summary)


def _post(path: str, name: str, handler: Any, summary: str, body: str | None = None) -> RouteSpec:
    return RouteSpec("POST", path, handler, EV, name, "designed", summary, body)


status_view = charger_view("status", payloads.status_body)
summary_view = charger_view("summary", payloads.summary_body)

ROUTES = (
    _get(
        "/ivp/pdm/chargers",
        "chargers",
        site_view("chargers", payloads.chargers_body),
        "Enumerate chargers (summary v2 rows).",
    ),
    _get(PDM + "/status", "status", status_view, "Charger status, cloud status shape."),
    _get(PDM + "/summary", "summary", summary_view, "Charger metadata, cloud summary v2 keys."),
    _post(
        PDM + "/start_charging",
        "start_charging",
        start_charging,
        "Start a session or change its level.",
        START_BODY,
    ),
    _post(PDM + "/stop_charging", "stop_charging", stop_charging, "Stop the session."),
    _post(
        PDM + "/trigger_message",
        "trigger_message",
        trigger_message,
        "Ask the charger for an OCPP message.",
        '{"requestedMessage": "MeterValues"}',
    ),
    _get(
        "/ivp/peb/charger" + SN + "/schedule",
        "schedule",
        charger_view("schedule", payloads.schedule_body),
        "Charge mode and schedule slots.",
    ),
    RouteSpec(
        "PUT",
        "/ivp/peb/charger" + SN + "/schedule",
        put_schedule,
        EV,
        "put_schedule",
        "designed",
        "Change charge mode and/or schedule slots.",
        '{"chargingMode": "SCHEDULED_CHARGING", "schedules": [slot, ...]}',
    ),
    _get(
        "/ivp/pdm/connectors",
        "connectors",
        site_view("connectors", payloads.connectors_body),
        "Every charger's connector.",
    ),
    _get(
        "/ivp/pdm/devices",
        "devices",
        site_view("devices", payloads.devices_body),
        "Chargers as network devices.",
    ),
    _get(
        "/ivp/peb/ev_chargers",
        "ev_chargers",
        site_view("ev_chargers", payloads.ev_chargers_body),
        "Compact charger list.",
    ),
    _get(PEB + "/status", "peb_status", status_view, "Same body as the pdm status."),
    _get(PEB + "/summary", "peb_summary", summary_view, "Same body as the pdm summary."),
    _get(
        PEB + "/power",
        "power",
        charger_view("power", payloads.power_body),
        "Instant power, current and voltage.",
    ),
    _get(
        PEB + "/metrics",
        "metrics",
        charger_view("metrics", payloads.metrics_body),
        "Energy counters and state of charge.",
    ),
    _get(
        PEB + "/sessions",
        "sessions",
        charger_view("sessions", payloads.sessions_body),
        "Past and current sessions.",
    ),
    _post(
        PEB + "/start_live_stream",
        "start_live_stream",
        start_live_stream,
        "Ask for fast updates (15 minutes).",
    ),
    _post(PEB + "/stop_live_stream", "stop_live_stream", stop_live_stream, "Stop fast updates."),
)
