"""Admin routes for scenarios: read, replace, validate, the schema and the timeline's outcome.

Loading a scenario (parse, validate, dry run, build) can take seconds for a big file, so it
runs in a worker thread, never on the event loop; only the swap of the built world happens
on the loop, in one step, one PUT at a time in arrival order.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ...scenario.errors import ScenarioError
from ..context import emulator_of, world_of
from ..offload import off_loop
from ..routing import Param
from ..schemas import ANY_ARRAY, ANY_OBJECT, BOOL, obj
from .control import admin
from .replies import json_response

if TYPE_CHECKING:
    from ...model.world import World
    from ...scenario.timeline import TimelineLog

P = "/scenario"
SOURCE = "<request>"
NAME = Param("name", "a file name for the problems' messages", "query")
YAML = "application/yaml"
log = logging.getLogger("emulator.scenario")


def problems_response(exc: ScenarioError) -> web.Response:
    """400 with one entry per problem, each with its line and column."""
    return json_response(
        {
            "error": {
                "code": 400,
                "message": exc.message,
                "problems": [p.as_dict() for p in exc.problems],
            }
        },
        400,
    )


@dataclass
class _Order:
    """Per event loop: PUTs swap their worlds in the order they arrived."""

    swap: asyncio.Lock = field(default_factory=asyncio.Lock)


_ORDER: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Order] = weakref.WeakKeyDictionary()


def _order() -> _Order:
    loop = asyncio.get_running_loop()
    order = _ORDER.get(loop)
    if order is None:
        order = _ORDER[loop] = _Order()
    return order


def load_scenario(text: str, source: str) -> dict[str, Any]:
    """:func:`emulator.scenario.load.load_scenario`, imported on first use (in the worker
    thread that runs it): it brings pyyaml, the JSON Schema and the checks, ~30 ms of
    ``serve``'s start-up that only these routes need."""
    from ...scenario import load

    return load.load_scenario(text, source)


def _source(request: web.Request) -> str:
    name = request.query.get("name", "").strip()
    return name[:200] if name else SOURCE


async def get_scenario(request: web.Request) -> web.Response:
    return web.Response(
        text=emulator_of(request).scenario_text,
        content_type="application/yaml",
        charset="utf-8",
    )


def timeline_log(world: World) -> TimelineLog:
    """:func:`emulator.scenario.timeline.timeline_log`, imported on first use (start-up
    has no timeline to run unless its scenario has one)."""
    from ...scenario import timeline

    return timeline.timeline_log(world)


def _summary(request: web.Request) -> dict[str, Any]:
    world = world_of(request)
    by_serial = {serial: alias for alias, serial in world.aliases.items()}
    return {
        "gateway": world.gateway.serial,
        "firmware": world.gateway.firmware,
        "seed": world.seed,
        "chargers": [
            {"id": by_serial.get(c.serial, c.serial), "serial": c.serial, "name": c.spec.name}
            for c in world.chargers.values()
        ],
        "timeline_steps": len(timeline_log(world).steps),
        "fault_rules": len(emulator_of(request).faults.rules),
        "clock": world.clock.describe(),
    }


async def put_scenario(request: web.Request) -> web.Response:
    """Validate, build a new world, swap it in. Anything wrong: 400, nothing changes."""
    try:
        text = (await request.read()).decode("utf-8")
    except UnicodeDecodeError:
        return json_response(
            {"error": {"code": 400, "message": "the scenario must be UTF-8 text", "problems": []}},
            400,
        )
    emulator = emulator_of(request)
    async with _order().swap:  # PUTs apply in the order they arrived
        try:
            scenario = await off_loop(load_scenario, text, _source(request))
        except ScenarioError as exc:
            return problems_response(exc)
        prepared = await off_loop(emulator.prepare, scenario)
        before = world_of(request).gateway.serial
        emulator.replace(scenario, text, prepared)  # on the loop: one step, nothing between
    summary: dict[str, Any] = {"status": "replaced", **_summary(request)}
    if summary["gateway"] != before:  # tokens carry aud = the serial: all of them die
        summary["warning"] = serial_warning(before, summary["gateway"])
        log.warning("%s", summary["warning"])
    return json_response(summary)


def serial_warning(before: str, after: str) -> str:
    return (
        f"the gateway serial changed from {before} to {after}: every token minted before "
        "(aud = the old serial) and every session now answers 401; mint new tokens "
        "(POST /__emulator/tokens)"
    )


async def validate_scenario(request: web.Request) -> web.Response:
    """Check a scenario without applying it: 200 with ``valid`` and ``problems``."""
    try:
        text = (await request.read()).decode("utf-8")
        await off_loop(load_scenario, text, _source(request))
    except UnicodeDecodeError:
        return json_response({"valid": False, "problems": [], "message": "not UTF-8 text"})
    except ScenarioError as exc:
        return json_response({"valid": False, "problems": [p.as_dict() for p in exc.problems]})
    return json_response({"valid": True, "problems": []})


async def get_schema(request: web.Request) -> web.Response:
    from ...scenario.validate import schema  # imported on first use: see load_scenario

    return json_response(schema())


async def get_timeline(request: web.Request) -> web.Response:
    world = world_of(request)
    steps = timeline_log(world).steps
    return json_response(
        {
            "steps": [s.as_dict() for s in steps],
            "faults": [rule.describe() for rule in emulator_of(request).faults.rules],
        }
    )


ROUTES = (
    admin("GET", P, get_scenario, "scenario", "The active scenario (YAML text).", media=YAML),
    admin(
        "PUT",
        P,
        put_scenario,
        "scenario_put",
        "Replace the scenario (and the world) atomically; 400 with every problem's line.",
        body="scenario YAML (application/yaml); ?name=FILE names it in messages",
        body_media=YAML,
        params=(NAME,),
        response=ANY_OBJECT,
    ),
    admin(
        "POST",
        P + "/validate",
        validate_scenario,
        "scenario_validate",
        "Check a scenario without applying it.",
        body="scenario YAML",
        body_media=YAML,
        params=(NAME,),
        response=obj(["valid", "problems"], valid=BOOL, problems=ANY_ARRAY),
    ),
    admin(
        "GET",
        P + "/schema",
        get_schema,
        "scenario_schema",
        "The scenario format (JSON Schema).",
        response=ANY_OBJECT,
    ),
    admin(
        "GET",
        P + "/timeline",
        get_timeline,
        "scenario_timeline",
        "Each timeline step's outcome and each fault rule's counters.",
        response=obj(["steps", "faults"], steps=ANY_ARRAY, faults=ANY_ARRAY),
    ),
)
