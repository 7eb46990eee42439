"""The scheduler service (``/service/evse_scheduler/api/v1/iqevc/charging-mode``): the
charge mode and schedule slots are the world's (``set_mode``, the same facts the local
``/ivp/pdm/charger/{sn}/schedule`` reads); the green "use battery" switch is the cloud's
own per-charger setting [DESIGN: the world has no battery]. docs/cloud.md, "Scheduler"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ...model.schedule import SLOT_FIELDS, ChargeMode
from ..context import emulator_of, json_object
from ..routing import Param, RouteSpec
from . import payloads as p
from .ev import Refused, charger_of, route
from .replies import json_reply

BASE = "/service/evse_scheduler/api/v1/iqevc/charging-mode"


def _slot_payload(raw: Any) -> Any:
    """A cloud slot (with its display-only keys and ``<site>:<sn>:<id>`` id) as the
    model's slot payload; anything not an object is left for the model to refuse."""
    if not isinstance(raw, dict):
        return raw
    out = {k: raw[k] for k in SLOT_FIELDS if k in raw and raw[k] is not None}
    if "id" in out:
        out["id"] = str(out["id"]).rsplit(":", 1)[-1]
    return out


def _context(request: web.Request) -> tuple[Any, int, str]:
    site, serial = charger_of(request)
    return emulator_of(request).world, site.site_id, serial


def _schedules(request: web.Request) -> web.Response:
    world, site_id, serial = _context(request)
    view = world.charger_view(serial)
    tz = ZoneInfo(world.gateway_view().time_zone)
    body = p.schedules_body(site_id, serial, view.slots, view.charging_level, tz, world.model_t)
    return json_reply(body)


def _write_slots(request: web.Request, slots: list[Any]) -> web.Response:
    world, _, serial = _context(request)
    view = world.charger_view(serial)
    world.execute("set_mode", {"mode": view.mode.value, "schedule": slots}, serial)
    return _schedules(request)


def _current(request: web.Request) -> list[dict[str, Any]]:
    world, _, serial = _context(request)
    return [dict(s.to_payload()) for s in world.charger_view(serial).slots]


async def get_preference(request: web.Request) -> web.Response:
    world, _, serial = _context(request)
    view = world.charger_view(serial)
    enabled = sum(1 for s in view.slots if s.enabled)
    return json_reply(p.preference_body(view.mode, world.model_t, schedules_enabled=enabled))


async def put_preference(request: web.Request) -> web.Response:
    world, _, serial = _context(request)
    body = await json_object(request)
    mode = ChargeMode.parse(str(body.get("mode", "")))
    view = world.charger_view(serial)
    if mode.follows_schedule and not any(s.enabled for s in view.slots):
        raise Refused(p.NO_SCHEDULES)
    world.execute("set_mode", {"mode": mode.value}, serial)
    return await get_preference(request)


async def get_green(request: web.Request) -> web.Response:
    world, _, serial = _context(request)
    reports = emulator_of(request).reports
    return json_reply(p.green_settings_body(reports.use_battery(serial), world.model_t))


async def put_green(request: web.Request) -> web.Response:
    world, _, serial = _context(request)
    body = await json_object(request)
    settings = body.get("chargerSettingList")
    if not isinstance(settings, list):
        raise Refused(p.CloudError(400, None, "chargerSettingList must be a list"))
    reports = emulator_of(request).reports
    for each in settings:
        if isinstance(each, dict) and each.get("chargerSettingName") == p.GREEN_BATTERY_SETTING:
            reports.set_use_battery(serial, bool(each.get("enabled")))
    return json_reply(p.settings_written_body(world.model_t))


async def get_schedules(request: web.Request) -> web.Response:
    return _schedules(request)


async def patch_schedules(request: web.Request) -> web.Response:
    """The full list (``{"meta", "data": [slot...]}``) or ``{"<id>": "ENABLED"|"DISABLED"}``."""
    body = await json_object(request)
    if isinstance(body.get("data"), list):
        return _write_slots(request, [_slot_payload(s) for s in body["data"]])
    current = _current(request)
    wanted = {str(k).rsplit(":", 1)[-1]: v for k, v in body.items()}
    unknown = sorted(set(wanted) - {s["id"] for s in current})
    if unknown or not all(v in ("ENABLED", "DISABLED") for v in wanted.values()):
        raise Refused(
            p.CloudError(400, None, f"unknown slot(s) {unknown} or a state not ENABLED/DISABLED")
        )
    for slot in current:
        if slot["id"] in wanted:
            slot["enabled"] = wanted[slot["id"]] == "ENABLED"
    return _write_slots(request, current)


async def add_slot(request: web.Request) -> web.Response:
    raw = _slot_payload(await json_object(request))
    current = _current(request)
    if isinstance(raw, dict) and "id" not in raw:
        raw["id"] = f"slot-{len(current) + 1}"
    return _write_slots(request, [*current, raw])


def _slot_id(request: web.Request) -> tuple[str, list[dict[str, Any]]]:
    slot_id = request.match_info["slot"].rsplit(":", 1)[-1]
    current = _current(request)
    if slot_id not in {s["id"] for s in current}:
        raise Refused(p.CloudError(404, None, f"Schedule not found: {slot_id}"))
    return slot_id, current


async def patch_slot(request: web.Request) -> web.Response:
    slot_id, current = _slot_id(request)
    raw = _slot_payload(await json_object(request))
    if isinstance(raw, dict):
        raw["id"] = slot_id
    return _write_slots(request, [raw if s["id"] == slot_id else s for s in current])


async def delete_slot(request: web.Request) -> web.Response:
    slot_id, current = _slot_id(request)
    return _write_slots(request, [s for s in current if s["id"] != slot_id])


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SITE = Param("site", "the Enlighten site id")
SN = Param("sn", "charger serial", sample="serial")
SLOT = Param("slot", "slot id (<site>:<sn>:<id> or <id>)")


def _route(
    method: str,
    path: str,
    handler: Handler,
    name: str,
    summary: str,
    body: str | None = None,
    slot: bool = False,
) -> RouteSpec:
    params = (SITE, SN, SLOT) if slot else (SITE, SN)
    return route(
        method, BASE + path, handler, name, summary, body=body, params=params, tag="cloud-scheduler"
    )


ROUTES: tuple[RouteSpec, ...] = (
    _route(
        "GET",
        "/{site}/{sn}/preference",
        get_preference,
        "cloud_get_preference",
        "The charge mode, as the scheduler shows it.",
    ),
    _route(
        "PUT",
        "/{site}/{sn}/preference",
        put_preference,
        "cloud_put_preference",
        "Choose the charge mode.",
        '{"mode": "MANUAL_CHARGING"}',
    ),
    _route(
        "GET",
        "/GREEN_CHARGING/{site}/{sn}/settings",
        get_green,
        "cloud_get_green_settings",
        "Green charging settings (use battery).",
    ),
    _route(
        "PUT",
        "/GREEN_CHARGING/{site}/{sn}/settings",
        put_green,
        "cloud_put_green_settings",
        "Change green charging settings.",
        '{"chargerSettingList": [...]}',
    ),
    _route(
        "GET",
        "/SCHEDULED_CHARGING/{site}/{sn}/schedules",
        get_schedules,
        "cloud_get_schedules",
        "The schedule slots.",
    ),
    _route(
        "PATCH",
        "/SCHEDULED_CHARGING/{site}/{sn}/schedules",
        patch_schedules,
        "cloud_patch_schedules",
        "Replace every slot, or enable/disable slots by id.",
        '{"meta", "data": [slot]} or {"<id>": "ENABLED"}',
    ),
    _route(
        "POST",
        "/SCHEDULED_CHARGING/{site}/{sn}/schedule",
        add_slot,
        "cloud_add_schedule",
        "Add one slot.",
        "one slot",
    ),
    _route(
        "PATCH",
        "/SCHEDULED_CHARGING/{site}/{sn}/schedule/{slot}",
        patch_slot,
        "cloud_patch_schedule",
        "Change one slot.",
        "one slot",
        slot=True,
    ),
    _route(
        "DELETE",
        "/SCHEDULED_CHARGING/{site}/{sn}/schedule/{slot}",
        delete_slot,
        "cloud_delete_schedule",
        "Delete one slot.",
        slot=True,
    ),
)
