"""The admin API's control routes: health, the CA, tokens, reset, state, events, the clock
and the OCPP log; they drive the physical side no gateway API can reach."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from ...model.params import check_keys, number, text
from ..context import control_of, emulator_of, json_object, world_of
from ..offload import off_loop
from ..routing import ADMIN, Param, RouteSpec
from ..schemas import ANY_OBJECT
from . import schemas as s
from .replies import NAME, PREFIX, json_response


async def health(request: web.Request) -> web.Response:
    world = world_of(request)
    return json_response(
        {
            "status": "ok",
            "gateway": world.gateway.serial,
            "firmware": world.gateway.firmware,
            "chargers": len(world.chargers),
            "clock": world.clock.describe(),
        }
    )


async def ca_pem(request: web.Request) -> web.Response:
    return web.Response(
        body=emulator_of(request).certs.ca_pem, content_type="application/x-pem-file"
    )


async def mint_token(request: web.Request) -> web.Response:
    body = await json_object(request)
    check_keys(body, {"role", "ttl_s", "username"}, "tokens")
    role = text(body, "role", max_len=32)
    ttl = number(body, "ttl_s") if "ttl_s" in body else None
    username = text(body, "username", max_len=128) if "username" in body else None
    return json_response(control_of(request).mint_token(role, ttl_s=ttl, username=username))


async def reset(request: web.Request) -> web.Response:
    """The rebuild runs in a worker thread (a big scenario takes a while); the swap is on
    the loop, so no request sees half a world."""
    rebuilt = await off_loop(emulator_of(request).rebuild)
    return json_response(control_of(request).reset(rebuilt=rebuilt))


async def state(request: web.Request) -> web.Response:
    return json_response(control_of(request).state())


async def _event(request: web.Request) -> tuple[str, dict[str, Any]]:
    body = await json_object(request)
    event = text(body, "event", max_len=64)
    return event, {k: v for k, v in body.items() if k != "event"}


async def charger_event(request: web.Request) -> web.Response:
    event, params = await _event(request)
    return json_response(control_of(request).charger_event(request.match_info["sn"], event, params))


async def gateway_event(request: web.Request) -> web.Response:
    event, params = await _event(request)
    return json_response(control_of(request).gateway_event(event, params))


async def advance_clock(request: web.Request) -> web.Response:
    body = await json_object(request)
    check_keys(body, {"seconds", "duration"}, "clock/advance")
    duration = body["duration"] if "duration" in body else number(body, "seconds", low=0)
    clock: dict[str, Any] = {}
    for after in control_of(request).advance_in_slices(duration):
        clock = after
        await asyncio.sleep(0)  # a long move lets other requests in between its slices
    return json_response({"clock": clock})


async def set_clock(request: web.Request) -> web.Response:
    body = await json_object(request)
    check_keys(body, {"time"}, "clock/set")
    return json_response({"clock": control_of(request).set_time(text(body, "time", max_len=64))})


async def set_rate(request: web.Request) -> web.Response:
    body = await json_object(request)
    check_keys(body, {"rate"}, "clock/rate")
    return json_response({"clock": control_of(request).set_rate(number(body, "rate", low=0))})


async def charger(request: web.Request) -> web.Response:
    return json_response(control_of(request).charger(request.match_info["sn"]))


async def clock(request: web.Request) -> web.Response:
    return json_response({"clock": control_of(request).clock()})


async def ocpp_log(request: web.Request) -> web.Response:
    query = request.query
    messages = control_of(request).ocpp(query.get("serial"), query.get("action"))
    return json_response({"messages": messages})


def admin(method: str, path: str, handler: Any, name: str, summary: str, **more: Any) -> RouteSpec:
    """An admin route: under the prefix, gated by the admin token, JSON unless it says."""
    return RouteSpec(
        method,
        PREFIX + path,
        handler,
        ADMIN,
        name,
        "admin",
        summary,
        surface=NAME,
        tags=("admin",),
        **more,
    )


SN = Param("sn", "charger serial or scenario id", sample="serial")

ROUTES = (
    admin(
        "GET",
        "/health",
        health,
        "health",
        "200 once ready (container health checks).",
        response=s.HEALTH,
        public=True,
    ),
    admin(
        "GET",
        "/ca.pem",
        ca_pem,
        "ca",
        "The emulator's CA certificate (PEM).",
        media="application/x-pem-file",
        public=True,
    ),
    admin(
        "POST",
        "/tokens",
        mint_token,
        "tokens",
        "Mint a gateway token.",
        body='{"role": "owner|installer", "ttl_s": 3600, "username": "me@example.com"}',
        request=s.TOKEN_REQUEST,
        response=s.TOKEN,
    ),
    admin("POST", "/reset", reset, "reset", "Back to the scenario's start.", response=s.RESET),
    admin("GET", "/state", state, "state", "Every charger's full model state.", response=s.STATE),
    admin(
        "POST",
        "/chargers/{sn}/events",
        charger_event,
        "charger_event",
        "Drive a charger: plug_in, unplug, fault, car_full, ...",
        body='{"event": "plug_in", "vehicle": {"capacity_kwh": 60, "soc": 20}}',
        params=(SN,),
        request=s.CHARGER_EVENT_REQUEST,
        response=s.CHARGER_EVENT,
    ),
    admin(
        "GET",
        "/chargers/{sn}",
        charger,
        "charger",
        "One charger's full model state, by serial or scenario id.",
        params=(SN,),
        response=ANY_OBJECT,
    ),
    admin(
        "POST",
        "/gateway/events",
        gateway_event,
        "gateway_event",
        "reboot, revoke_tokens, set_firmware, set_ev_min_role.",
        body='{"event": "reboot"}',
        request=s.GATEWAY_EVENT_REQUEST,
        response=s.GATEWAY_EVENT,
    ),
    admin("GET", "/clock", clock, "clock", "The emulator clock.", response=s.WITH_CLOCK),
    admin(
        "POST",
        "/clock/advance",
        advance_clock,
        "clock_advance",
        "Move the clock forward.",
        body='{"seconds": 3600} or {"duration": "2h"}',
        request=s.ADVANCE_REQUEST,
        response=s.WITH_CLOCK,
    ),
    admin(
        "POST",
        "/clock/set",
        set_clock,
        "clock_set",
        "Jump the clock to a later time.",
        body='{"time": "2026-06-02T06:00:00Z"}',
        request=s.SET_CLOCK_REQUEST,
        response=s.WITH_CLOCK,
    ),
    admin(
        "POST",
        "/clock/rate",
        set_rate,
        "clock_rate",
        "Run the clock at a rate: 0 stops it (manual), 1 is real time, 60 a minute a second.",
        body='{"rate": 60}',
        request=s.RATE_REQUEST,
        response=s.WITH_CLOCK,
    ),
    admin(
        "GET",
        "/ocpp",
        ocpp_log,
        "ocpp",
        "OCPP messages chargers sent (?serial=&action=).",
        params=(
            Param("serial", "only this charger's (serial or scenario id)", "query"),
            Param("action", "only this OCPP action (e.g. MeterValues)", "query"),
        ),
        response=s.OCPP,
    ),
)
