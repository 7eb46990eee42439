"""The admin API under ``/__emulator/``: drive the physical side no gateway API can reach."""

from __future__ import annotations

from aiohttp import web

from .. import payloads
from ..clock import ClockError, parse_duration, parse_time
from ..model.errors import invalid
from ..model.params import check_keys, number, text
from ..roles import TOKEN_ROLES
from .context import emulator_of, json_object, world_of
from .responses import json_response
from .table import ADMIN, RouteSpec

P = "/__emulator"


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
    role = body.get("role")
    if role not in TOKEN_ROLES:
        raise invalid(f"'role' must be one of {', '.join(TOKEN_ROLES)}, got {role!r}", "role")
    ttl = number(body, "ttl_s", None, low=1, high=10 * 365 * 86400) if "ttl_s" in body else None
    username = text(body, "username", None, max_len=128) if "username" in body else None
    world = world_of(request)
    token = world.auth.mint(role, ttl_s=ttl, username=username)
    claims = world.auth.check(token)
    return json_response(
        {"token": token, "role": role, "expires_at": payloads.ms(claims.expires_at) // 1000}
    )


async def reset(request: web.Request) -> web.Response:
    world = emulator_of(request).reset()
    return json_response({"status": "reset", "clock": world.clock.describe()})


async def state(request: web.Request) -> web.Response:
    world = world_of(request)
    return json_response(
        {
            "time": world.clock.describe()["now"],
            "clock": world.clock.describe(),
            "gateway": {
                "serial": world.gateway.serial,
                "firmware": world.gateway.firmware,
                "ev_min_role": world.gateway.ev_min_role.label,
                "time_zone": world.gateway.time_zone,
                "sessions": len(world.auth.sessions),
                "boot_count": world.boot_count,
            },
            "chargers": [payloads.charger_state(world, c) for c in world.chargers.values()],
        }
    )


async def charger_event(request: web.Request) -> web.Response:
    world = world_of(request)
    body = await json_object(request)
    event = text(body, "event", max_len=64)
    params = {k: v for k, v in body.items() if k != "event"}
    result = world.apply(request.match_info["sn"], event, params)
    return json_response(
        {**result, "charger": payloads.charger_state(world, world.charger(result["serial"]))}
    )


async def gateway_event(request: web.Request) -> web.Response:
    body = await json_object(request)
    event = text(body, "event", max_len=64)
    params = {k: v for k, v in body.items() if k != "event"}
    return json_response(world_of(request).gateway_event(event, params))


async def advance_clock(request: web.Request) -> web.Response:
    body = await json_object(request)
    check_keys(body, {"seconds", "duration"}, "clock/advance")
    try:
        if "duration" in body:
            seconds = parse_duration(body["duration"])
        else:
            seconds = number(body, "seconds", low=0, high=20 * 365 * 86400)
    except ClockError as exc:
        raise invalid(str(exc), "duration") from None
    world = world_of(request)
    world.advance(seconds)
    return json_response({"clock": world.clock.describe()})


async def set_clock(request: web.Request) -> web.Response:
    body = await json_object(request)
    check_keys(body, {"time"}, "clock/set")
    world = world_of(request)
    try:
        world.set_time(parse_time(text(body, "time", max_len=64)))
    except ClockError as exc:
        raise invalid(str(exc), "time") from None
    return json_response({"clock": world.clock.describe()})


async def clock(request: web.Request) -> web.Response:
    return json_response({"clock": world_of(request).clock.describe()})


async def ocpp_log(request: web.Request) -> web.Response:
    world = world_of(request)
    serial = request.query.get("serial")
    action = request.query.get("action")
    if serial is not None:
        serial = world.charger(serial).serial
    entries = [
        e
        for e in world.ocpp_log
        if (serial is None or e["serial"] == serial) and (action is None or e["action"] == action)
    ]
    return json_response({"messages": entries})


def _admin(method: str, path: str, handler, name: str, summary: str, body: str | None = None):  # type: ignore[no-untyped-def]
    return RouteSpec(method, P + path, handler, ADMIN, name, "admin", summary, body)


ROUTES = (
    _admin("GET", "/health", health, "health", "200 once ready (container health checks)."),
    _admin("GET", "/ca.pem", ca_pem, "ca", "The emulator's CA certificate (PEM)."),
    _admin(
        "POST",
        "/tokens",
        mint_token,
        "tokens",
        "Mint a gateway token.",
        '{"role": "owner|installer", "ttl_s": 3600, "username": "me@example.com"}',
    ),
    _admin("POST", "/reset", reset, "reset", "Back to the scenario's start."),
    _admin("GET", "/state", state, "state", "Every charger's full model state."),
    _admin(
        "POST",
        "/chargers/{sn}/events",
        charger_event,
        "charger_event",
        "Drive a charger: plug_in, unplug, fault, car_full, ...",
        '{"event": "plug_in", "vehicle": {"capacity_kwh": 60, "soc": 20}}',
    ),
    _admin(
        "POST",
        "/gateway/events",
        gateway_event,
        "gateway_event",
        "reboot, revoke_tokens, set_firmware, set_ev_min_role.",
        '{"event": "reboot"}',
    ),
    _admin("GET", "/clock", clock, "clock", "The emulator clock."),
    _admin(
        "POST",
        "/clock/advance",
        advance_clock,
        "clock_advance",
        "Move the clock forward.",
        '{"seconds": 3600} or {"duration": "2h"}',
    ),
    _admin(
        "POST",
        "/clock/set",
        set_clock,
        "clock_set",
        "Jump the clock to a later time.",
        '{"time": "2026-06-02T06:00:00Z"}',
    ),
    _admin("GET", "/ocpp", ocpp_log, "ocpp", "OCPP messages chargers sent (?serial=&action=)."),
)
