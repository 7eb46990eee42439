"""An OpenAPI 3 document of everything the emulator serves, built from the route table.

The document is generated on each request from the routes the running application
actually registered (``ROUTE_TABLE`` plus the OPTIONS preflights), so a route another
module adds appears here without anyone editing this file. Routes it knows nothing
special about still get their path parameters, security, a permissive JSON request
body when ``RouteSpec.body`` says there is one, and the shared error responses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from ..model import ocpp
from ..model.world import CHARGER_EVENTS, GATEWAY_EVENTS
from ..roles import Role
from .context import emulator_of
from .responses import json_response
from .table import ADMIN, EV, RouteSpec

OPENAPI_VERSION = "3.0.3"
PATH = "/__emulator/openapi.json"
UNGATED_ADMIN = ("health", "ca")
"""Admin routes that stay open even when an admin token is set (see ``admin_allowed``)."""

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")

# -- schemas -------------------------------------------------------------------------------

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        }
    },
}
IVP_NOT_FOUND = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string", "example": "404 - Not Found"}},
    "description": "[OBS] the gateway's body for an unknown /ivp/ path.",
}
ANY_JSON: dict[str, Any] = {"description": "Any JSON value (shape not pinned down here)."}
INT = {"type": "integer"}
NUM = {"type": "number"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
NULLABLE_STR = {"type": "string", "nullable": True}
NULLABLE_NUM = {"type": "number", "nullable": True}


def _obj(required: Iterable[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": props}


def _envelope(data: dict[str, Any], row_count: bool = False) -> dict[str, Any]:
    meta = _obj(["serverTimeStamp"], serverTimeStamp=INT)
    if row_count:
        meta = _obj(["serverTimeStamp", "rowCount"], serverTimeStamp=INT, rowCount=INT)
    return _obj(["meta", "data", "error"], meta=meta, data=data, error={"type": "object"})


REF = "#/components/schemas/"
CONNECTOR = _obj(
    ["connectorId", "connectorStatusType", "pluggedIn"],
    connectorId=INT,
    connectorStatusType={
        "type": "string",
        "enum": [
            "AVAILABLE",
            "PREPARING",
            "CHARGING",
            "SUSPENDED_EV",
            "SUSPENDED_EVSE",
            "FINISHING",
            "FAULTED",
        ],
    },
    connectorStatusInfo=STR,
    connectorStatusReason=STR,
    safeLimitState=INT,
    dlbActive=BOOL,
    pluggedIn=BOOL,
)
CHARGER_STATUS = _obj(
    ["sn", "pluggedIn", "charging", "faulted", "chargingLevel", "session_d", "connectors"],
    sn=STR,
    name=STR,
    connected=BOOL,
    pluggedIn=BOOL,
    charging=BOOL,
    faulted=BOOL,
    commissioned=INT,
    mode=INT,
    offGrid=STR,
    chargingLevel=INT,
    sch_d=_obj(["status", "info"], status=INT, info={"type": "array"}),
    session_d=_obj(
        ["e_c"],
        plg_in_at=NULLABLE_STR,
        strt_chrg=INT,
        plg_out_at=NULLABLE_STR,
        e_c={"type": "number", "minimum": 0},
        miles={"type": "number", "minimum": 0},
        charge_level={"type": "integer", "nullable": True},
    ),
    connectors={"type": "array", "items": {"$ref": REF + "Connector"}},
)
CHARGER_SUMMARY = _obj(
    ["serialNumber", "displayName", "chargeLevelDetails", "lifeTimeConsumption"],
    serialNumber=STR,
    displayName=STR,
    isConnected=BOOL,
    chargeLevelDetails=_obj(
        ["min", "max", "granularity"], min=STR, max=STR, granularity=STR, defaultChargeLevel=STR
    ),
    maxCurrent=INT,
    operatingVoltage=STR,
    firmwareVersion=STR,
    lifeTimeConsumption={"type": "number", "minimum": 0},
)
ACCEPTED = _obj(["status"], status={"type": "string", "enum": ["accepted"]})
SLOT = {
    "type": "object",
    "required": ["startTime", "endTime"],
    "properties": {
        "id": STR,
        "startTime": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
        "endTime": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
        "chargingLevel": {"type": "integer", "nullable": True},
        "scheduleType": {"type": "string", "enum": ["CUSTOM", "OFF_PEAK"]},
        "days": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7}},
        "enabled": BOOL,
        "remindTime": {"type": "integer", "minimum": 0},
        "remindFlag": BOOL,
    },
    "additionalProperties": False,
}
MODES = ["MANUAL_CHARGING", "SCHEDULED_CHARGING", "GREEN_CHARGING", "SMART_CHARGING"]
SCHEDULE = _envelope(
    _obj(
        ["modes", "chargingMode", "schedules"],
        modes={"type": "object"},
        chargingMode={"type": "string", "enum": MODES},
        schedules={"type": "array", "items": {"$ref": REF + "Slot"}},
    )
)
CLOCK = _obj(["mode", "rate", "now"], mode=STR, rate=NUM, now=STR)

COMPONENT_SCHEMAS: dict[str, Any] = {
    "Error": ERROR,
    "IvpNotFound": IVP_NOT_FOUND,
    "Connector": CONNECTOR,
    "ChargerStatus": CHARGER_STATUS,
    "ChargerSummary": CHARGER_SUMMARY,
    "Accepted": ACCEPTED,
    "Slot": SLOT,
    "Clock": CLOCK,
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


RESPONSE_SCHEMAS: dict[str, dict[str, Any]] = {
    "chargers": _envelope({"type": "array", "items": _ref("ChargerSummary")}, row_count=True),
    "status": _envelope(
        _obj(["chargers"], chargers={"type": "array", "items": _ref("ChargerStatus")})
    ),
    "summary": _envelope(_ref("ChargerSummary")),
    "start_charging": {
        "allOf": [_ref("Accepted"), _obj(["chargingLevel"], chargingLevel=INT)],
    },
    "stop_charging": _ref("Accepted"),
    "trigger_message": {
        "allOf": [
            _ref("Accepted"),
            _obj(["message", "details"], message=STR, details={"type": "object"}),
        ]
    },
    "schedule": SCHEDULE,
    "put_schedule": SCHEDULE,
    "connectors": _obj(["connectors"], connectors={"type": "array"}),
    "devices": _obj(["devices"], devices={"type": "array"}),
    "ev_chargers": _obj(["ev_chargers"], ev_chargers={"type": "array"}),
    "power": _obj(
        ["sn", "power_w", "current_a", "offered_a"],
        sn=STR,
        timestamp=INT,
        power_w={"type": "number", "minimum": 0},
        current_a={"type": "number", "minimum": 0},
        offered_a={"type": "integer", "minimum": 0},
        voltage_v=INT,
        phases=INT,
    ),
    "metrics": _obj(
        ["sn", "lifetime_wh", "session_wh", "state"],
        sn=STR,
        timestamp=INT,
        lifetime_wh={"type": "number", "minimum": 0},
        session_wh={"type": "number", "minimum": 0},
        session_duration_s={"type": "integer", "minimum": 0},
        soc=NULLABLE_NUM,
        state=STR,
    ),
    "sessions": _obj(["sn", "sessions"], sn=STR, sessions={"type": "array"}),
    "start_live_stream": {"allOf": [_ref("Accepted"), _obj(["sn"], sn=STR)]},
    "stop_live_stream": {"allOf": [_ref("Accepted"), _obj(["sn"], sn=STR)]},
    "health": _obj(
        ["status", "gateway", "chargers"], status=STR, gateway=STR, firmware=STR, chargers=INT
    ),
    "tokens": _obj(["token", "role", "expires_at"], token=STR, role=STR, expires_at=INT),
    "reset": _obj(["status", "clock"], status=STR, clock=_ref("Clock")),
    "state": _obj(["gateway", "chargers"], gateway={"type": "object"}, chargers={"type": "array"}),
    "charger_event": _obj(
        ["serial", "event", "state", "charger"],
        serial=STR,
        event=STR,
        state=STR,
        charger={"type": "object"},
    ),
    "gateway_event": _obj(["event"], event=STR),
    "clock": _obj(["clock"], clock=_ref("Clock")),
    "clock_advance": _obj(["clock"], clock=_ref("Clock")),
    "clock_set": _obj(["clock"], clock=_ref("Clock")),
    "ocpp": _obj(["messages"], messages={"type": "array"}),
    "openapi": _obj(["openapi", "paths"], openapi=STR, paths={"type": "object"}),
}
"""The 200 body of routes whose shape is known (by RouteSpec.name); others: any JSON."""

NON_JSON_200 = {
    "info": "text/xml",
    "check_jwt": "text/html",
    "ca": "application/x-pem-file",
    "scenario": "application/yaml",
}

LEVEL = {"type": "integer", "description": "amps, within the charger's min..max"}
REQUEST_SCHEMAS: dict[str, dict[str, Any]] = {
    "start_charging": {
        "type": "object",
        "properties": {
            "chargingLevel": LEVEL,
            "charging_level": LEVEL,
            "level": LEVEL,
            "amps": LEVEL,
            "connectorId": {"type": "integer", "minimum": 1, "maximum": 1},
            "connector_id": {"type": "integer", "minimum": 1, "maximum": 1},
        },
        "additionalProperties": False,
    },
    "stop_charging": {
        "type": "object",
        "properties": {"connectorId": INT, "connector_id": INT},
        "additionalProperties": False,
    },
    "trigger_message": {
        "type": "object",
        "required": ["requestedMessage"],
        "properties": {
            "requestedMessage": {
                "type": "string",
                "enum": list(ocpp.SUPPORTED),
            }
        },
    },
    "put_schedule": {
        "type": "object",
        "description": "The cloud's {'data': {'modes': ...}} or a flat {'chargingMode': ...}.",
        "properties": {
            "chargingMode": {"type": "string", "enum": MODES},
            "mode": {"type": "string", "enum": MODES},
            "modes": {"type": "object"},
            "schedules": {"type": "array", "items": _ref("Slot")},
            "schedule": {"type": "array", "items": _ref("Slot")},
            "data": {"type": "object"},
        },
    },
    "tokens": {
        "type": "object",
        "required": ["role"],
        "properties": {
            "role": {"type": "string", "enum": ["owner", "installer"]},
            "ttl_s": {"type": "number", "minimum": 1, "maximum": 10 * 365 * 86400},
            "username": {"type": "string", "minLength": 1, "maxLength": 128},
        },
        "additionalProperties": False,
    },
    "charger_event": {
        "type": "object",
        "required": ["event"],
        "properties": {
            "event": {
                "type": "string",
                "enum": list(CHARGER_EVENTS),
            }
        },
        "description": "The event's own fields sit beside 'event' (e.g. 'amps', 'vehicle').",
    },
    "gateway_event": {
        "type": "object",
        "required": ["event"],
        "properties": {
            "event": {
                "type": "string",
                "enum": list(GATEWAY_EVENTS),
            }
        },
    },
    "clock_advance": {
        "type": "object",
        "properties": {
            "seconds": {"type": "number", "minimum": 0, "maximum": 20 * 365 * 86400},
            "duration": {"type": "string", "example": "2h30m"},
        },
        "additionalProperties": False,
    },
    "clock_set": {
        "type": "object",
        "required": ["time"],
        "properties": {"time": {"type": "string", "format": "date-time"}},
        "additionalProperties": False,
    },
}
"""Request bodies of known routes; a route with ``body`` not listed here gets any object."""

OPTIONAL_BODY = ("start_charging", "stop_charging")
"""Routes that accept an empty body as ``{}``."""


# -- building ------------------------------------------------------------------------------


def _example(text: str) -> Any:
    """The JSON example at the start of a RouteSpec.body description, if it has one."""
    try:
        value, _ = json.JSONDecoder().raw_decode(text.strip())
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _unauthorized_html() -> dict[str, Any]:
    return {
        "description": "[OBS] the gateway's 401: an HTML page, no WWW-Authenticate header.",
        "content": {"text/html": {}},
    }


def _security(spec: RouteSpec, admin_gated: bool) -> list[dict[str, list[str]]]:
    if spec.min_role == EV:
        return [{"bearer": []}, {"sessionCookie": []}]
    if spec.min_role == ADMIN:
        if admin_gated and spec.name not in UNGATED_ADMIN:
            return [{"adminToken": []}]
        return [{}]
    if spec.name == "check_jwt":
        return [{"bearer": []}]
    if spec.min_role == Role.ANYBODY:
        return [{}]
    return [{"bearer": []}, {"sessionCookie": []}]


def _can_401(spec: RouteSpec) -> str | None:
    """'html' (the gateway's page), 'json' (the admin API) or None (never 401)."""
    if spec.method == "OPTIONS":
        return None
    if spec.min_role == ADMIN:
        return None if spec.name in UNGATED_ADMIN else "json"
    if spec.min_role == Role.ANYBODY:
        return "html" if spec.name == "check_jwt" else None
    return "html"


def operation(
    spec: RouteSpec,
    *,
    ev_min_role: Role,
    admin_gated: bool,
    overridden: bool,
    serials: list[str],
) -> dict[str, Any]:
    params = _PARAM.findall(spec.path)
    op: dict[str, Any] = {
        "operationId": f"{spec.name}_{spec.method.lower()}"
        if spec.method == "OPTIONS"
        else spec.name,
        "summary": spec.summary,
        "tags": [{"ev": "ev", "admin": "admin"}.get(str(spec.min_role), "gateway")],
        "x-shape": spec.shape,
        "security": _security(spec, admin_gated),
    }
    if spec.min_role == EV:
        op["x-min-role"] = f"ev ({ev_min_role.label} on this gateway)"
    elif spec.min_role == ADMIN:
        op["x-min-role"] = "admin"
    else:
        op["x-min-role"] = Role(spec.min_role).label
    if params:
        op["parameters"] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "minLength": 1},
                **(
                    {"example": serials[0], "description": "charger serial or scenario id"}
                    if name == "sn" and serials
                    else {}
                ),
            }
            for name in params
        ]
    if spec.body is not None:
        if spec.name not in REQUEST_SCHEMAS and "yaml" in spec.body.lower():
            content = {"application/yaml": {}}
        else:
            media: dict[str, Any] = {"schema": REQUEST_SCHEMAS.get(spec.name, {"type": "object"})}
            example = _example(spec.body)
            if example is not None:
                media["example"] = example
            content = {"application/json": media}
        op["requestBody"] = {
            "description": spec.body,
            "required": spec.name not in OPTIONAL_BODY,
            "content": content,
        }
    elif spec.name in OPTIONAL_BODY:
        op["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": REQUEST_SCHEMAS[spec.name]}},
        }
    op["responses"] = responses(spec, overridden)
    return op


def responses(spec: RouteSpec, overridden: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if spec.method == "OPTIONS":
        out["204"] = {
            "description": "[COMM] preflight without auth; the Allow header lists the methods.",
            "headers": {"Allow": {"schema": STR}},
        }
    elif spec.name in NON_JSON_200 and not overridden:
        media = NON_JSON_200[spec.name]
        out["200"] = {"description": spec.summary, "content": {media: {}}}  # text: any
    else:
        schema = ANY_JSON if overridden else RESPONSE_SCHEMAS.get(spec.name, ANY_JSON)
        out["200"] = _json(schema, spec.summary)
    out["400"] = _error("The request is malformed or a field is invalid ('field' names it).")
    kind = _can_401(spec)
    if kind == "html":
        out["401"] = _unauthorized_html()
    elif kind == "json":
        out["401"] = _error("The admin API needs the X-Emulator-Admin-Token header.")
    not_found = _ref("Error")
    if spec.path.startswith("/ivp/"):
        not_found = {"anyOf": [_ref("Error"), _ref("IvpNotFound")]}
    out["404"] = _json(not_found, "No such charger (or, under /ivp/, no such path).")
    out["405"] = {
        **_error("Wrong method for this path; the Allow header lists the right ones."),
        "headers": {"Allow": {"schema": STR}},
    }
    out["409"] = _error("Right request, wrong moment (e.g. no car plugged in).")
    if spec.body is not None or spec.name in OPTIONAL_BODY:
        out["413"] = _error("The body is larger than the server accepts (1 MiB).")
    return out


def build_document(
    specs: Iterable[RouteSpec],
    *,
    ev_min_role: Role = Role.INSTALLER,
    admin_gated: bool = False,
    overridden: Iterable[str] = (),
    serials: Iterable[str] = (),
    server_url: str | None = None,
) -> dict[str, Any]:
    """The OpenAPI document for these routes (pure: no request, no app needed)."""
    overridden = set(overridden)
    serial_list = list(serials)
    paths: dict[str, dict[str, Any]] = {}
    for spec in specs:
        item = paths.setdefault(spec.path, {})
        item[spec.method.lower()] = operation(
            spec,
            ev_min_role=ev_min_role,
            admin_gated=admin_gated,
            overridden=spec.name in overridden,
            serials=serial_list,
        )
    doc: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Enphase IQ Gateway emulator",
            "version": _version(),
            "description": (
                "The emulated IQ Gateway surface (observed gateway routes and designed EV "
                "routes, see x-shape) and the emulator's admin API under /__emulator/. "
                "Generated from the route table on each request."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": COMPONENT_SCHEMAS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "An ES256 gateway token (POST /__emulator/tokens mints one).",
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "sessionId",
                    "description": "The session GET /auth/check_jwt hands out.",
                },
                "adminToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Emulator-Admin-Token",
                    "description": "Only when the server runs with --admin-token.",
                },
            },
        },
        "tags": [
            {"name": "gateway", "description": "Routes observed on a real gateway."},
            {"name": "ev", "description": "Local EV routes (designed bodies)."},
            {"name": "admin", "description": "The emulator's own API."},
        ],
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("iq-gateway-emulator")
    except Exception:  # not installed (running from a source tree)
        return "0"


async def openapi_json(request: web.Request) -> web.Response:
    from .app import SPECS_KEY  # the served routes, read now: routes added later appear

    emulator = emulator_of(request)
    world = emulator.world
    specs = sorted(
        {id(s): s for s in request.app[SPECS_KEY].values()}.values(),
        key=lambda s: (s.path, s.method),
    )
    doc = build_document(
        specs,
        ev_min_role=world.gateway.ev_min_role,
        admin_gated=bool(emulator.settings.admin_token),
        overridden={route for route, _ in world.overrides},
        serials=list(world.chargers),
        server_url=f"{request.scheme}://{request.host}",
    )
    return json_response(doc)


ROUTES = (
    RouteSpec(
        "GET",
        PATH,
        openapi_json,
        ADMIN,
        "openapi",
        "admin",
        "This API as an OpenAPI 3 document, generated from the route table.",
    ),
)
