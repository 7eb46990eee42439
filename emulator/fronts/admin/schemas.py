"""JSON Schemas of the admin API's bodies. Event names, roles and OCPP messages come from
the model, imported here and nowhere else in the fronts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...control import MAX_ADVANCE_S, MAX_TOKEN_TTL_S
from ...model.clock import MAX_RATE
from ...model.commands import CHARGER_COMMANDS, EV_API, GATEWAY_COMMANDS, Command
from ...model.roles import TOKEN_ROLES
from ..schemas import ANY_ARRAY, ANY_OBJECT, INT, NUM, STR, Component, Schema, enum, obj

CLOCK = Component("Clock", obj(["mode", "rate", "now"], mode=STR, rate=NUM, now=STR))
WITH_CLOCK = obj(["clock"], clock=CLOCK)

HEALTH = obj(["status", "gateway", "chargers"], status=STR, gateway=STR, firmware=STR, chargers=INT)
TOKEN = obj(["token", "role", "expires_at"], token=STR, role=STR, expires_at=INT)
RESET = obj(["status", "clock"], status=STR, clock=CLOCK)
STATE = obj(["gateway", "chargers"], gateway=ANY_OBJECT, chargers=ANY_ARRAY)
CHARGER_EVENT = obj(
    ["serial", "event", "state", "charger"], serial=STR, event=STR, state=STR, charger=ANY_OBJECT
)
GATEWAY_EVENT = obj(["event"], event=STR)
OCPP = obj(["messages"], messages=ANY_ARRAY)
OPENAPI = obj(["openapi", "paths"], openapi=STR, paths=ANY_OBJECT)

TOKEN_REQUEST: Schema = {
    "type": "object",
    "required": ["role"],
    "properties": {
        "role": enum(TOKEN_ROLES),
        "ttl_s": {"type": "number", "minimum": 1, "maximum": MAX_TOKEN_TTL_S},
        "username": {"type": "string", "minLength": 1, "maxLength": 128},
    },
    "additionalProperties": False,
}


def _event(table: Mapping[str, Command], description: str) -> dict[str, Any]:
    """One alternative per registered command: ``event`` plus that command's fields (the
    EV API's names are accepted beside the canonical ones)."""
    branches = []
    for name, command in table.items():
        branch = command.json_schema(EV_API)
        branch["properties"] = {"event": {"type": "string", "enum": [name]}, **branch["properties"]}
        branch["required"] = ["event", *branch.get("required", [])]
        branches.append(branch)
    return {"description": description, "oneOf": branches}


CHARGER_EVENT_REQUEST = _event(
    CHARGER_COMMANDS, "The event's own fields sit beside 'event' (e.g. 'amps', 'vehicle')."
)
GATEWAY_EVENT_REQUEST = _event(GATEWAY_COMMANDS, "A gateway event and its fields.")
ADVANCE_REQUEST: Schema = {
    "type": "object",
    "properties": {
        "seconds": {"type": "number", "minimum": 0, "maximum": MAX_ADVANCE_S},
        "duration": {"type": "string", "example": "2h30m"},
    },
    "additionalProperties": False,
}
SET_CLOCK_REQUEST: Schema = {
    "type": "object",
    "required": ["time"],
    "properties": {"time": {"type": "string", "format": "date-time"}},
    "additionalProperties": False,
}
RATE_REQUEST: Schema = {
    "type": "object",
    "required": ["rate"],
    "properties": {"rate": {"type": "number", "minimum": 0, "maximum": MAX_RATE}},
    "additionalProperties": False,
}
