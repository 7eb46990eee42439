"""JSON Schemas of the gateway's EV bodies (designed shapes: ``payloads.py`` beside this).

Enumerations come from the model (connector states, charge modes, slot types, OCPP
messages), so the document cannot drift from what the emulator accepts and answers.
"""

from __future__ import annotations

from typing import Any

from ...model import ocpp
from ...model.commands import CHARGER_COMMANDS, EV_API
from ...model.schedule import SCHEDULE_TYPES, ChargeMode
from ...model.states import ConnectorState
from ..schemas import (
    ANY_ARRAY,
    ANY_OBJECT,
    BOOL,
    INT,
    NULLABLE_NUM,
    NULLABLE_STR,
    STR,
    Component,
    Schema,
    array,
    enum,
    obj,
)

MODES = [m.value for m in ChargeMode]
HHMM: Schema = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
NON_NEGATIVE: Schema = {"type": "number", "minimum": 0}


def envelope(data: Schema, row_count: bool = False) -> dict[str, Any]:
    """The cloud's ``{"meta", "data", "error"}`` wrapper."""
    meta = obj(["serverTimeStamp"], serverTimeStamp=INT)
    if row_count:
        meta = obj(["serverTimeStamp", "rowCount"], serverTimeStamp=INT, rowCount=INT)
    return obj(["meta", "data", "error"], meta=meta, data=data, error=ANY_OBJECT)


CONNECTOR = Component(
    "Connector",
    obj(
        ["connectorId", "connectorStatusType", "pluggedIn"],
        connectorId=INT,
        connectorStatusType=enum(s.value for s in ConnectorState),
        connectorStatusInfo=STR,
        connectorStatusReason=STR,
        safeLimitState=INT,
        dlbActive=BOOL,
        pluggedIn=BOOL,
    ),
)
CHARGER_STATUS = Component(
    "ChargerStatus",
    obj(
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
        sch_d=obj(["status", "info"], status=INT, info=ANY_ARRAY),
        session_d=obj(
            ["e_c"],
            plg_in_at=NULLABLE_STR,
            strt_chrg=INT,
            plg_out_at=NULLABLE_STR,
            e_c=NON_NEGATIVE,
            miles=NON_NEGATIVE,
            charge_level={"type": "integer", "nullable": True},
        ),
        connectors=array(CONNECTOR),
    ),
)
CHARGER_SUMMARY = Component(
    "ChargerSummary",
    obj(
        ["serialNumber", "displayName", "chargeLevelDetails", "lifeTimeConsumption"],
        serialNumber=STR,
        displayName=STR,
        isConnected=BOOL,
        chargeLevelDetails=obj(
            ["min", "max", "granularity"],
            min=STR,
            max=STR,
            granularity=STR,
            defaultChargeLevel=STR,
        ),
        maxCurrent=INT,
        operatingVoltage=STR,
        firmwareVersion=STR,
        lifeTimeConsumption=NON_NEGATIVE,
    ),
)
ACCEPTED = Component("Accepted", obj(["status"], status=enum(["accepted"])))
SLOT = Component(
    "Slot",
    {
        "type": "object",
        "required": ["startTime", "endTime"],
        "properties": {
            "id": STR,
            "startTime": HHMM,
            "endTime": HHMM,
            "chargingLevel": {"type": "integer", "nullable": True},
            "scheduleType": enum(SCHEDULE_TYPES),
            "days": array({"type": "integer", "minimum": 1, "maximum": 7}),
            "enabled": BOOL,
            "remindTime": {"type": "integer", "minimum": 0},
            "remindFlag": BOOL,
        },
        "additionalProperties": False,
    },
)


def accepted(**extra: Schema) -> dict[str, Any]:
    """``{"status": "accepted", ...extra}``."""
    return {"allOf": [ACCEPTED, obj(list(extra), **extra)]} if extra else {"allOf": [ACCEPTED]}


SCHEDULE = envelope(
    obj(
        ["modes", "chargingMode", "schedules"],
        modes=ANY_OBJECT,
        chargingMode=enum(MODES),
        schedules=array(SLOT),
    )
)
CHARGERS = envelope(array(CHARGER_SUMMARY), row_count=True)
STATUS = envelope(obj(["chargers"], chargers=array(CHARGER_STATUS)))
SUMMARY = envelope(CHARGER_SUMMARY)
POWER = obj(
    ["sn", "power_w", "current_a", "offered_a"],
    sn=STR,
    timestamp=INT,
    power_w=NON_NEGATIVE,
    current_a=NON_NEGATIVE,
    offered_a={"type": "integer", "minimum": 0},
    voltage_v=INT,
    phases=INT,
)
METRICS = obj(
    ["sn", "lifetime_wh", "session_wh", "state"],
    sn=STR,
    timestamp=INT,
    lifetime_wh=NON_NEGATIVE,
    session_wh=NON_NEGATIVE,
    session_duration_s={"type": "integer", "minimum": 0},
    soc=NULLABLE_NUM,
    state=STR,
)

START_REQUEST: Schema = CHARGER_COMMANDS["start_charging"].json_schema(EV_API)
STOP_REQUEST: Schema = CHARGER_COMMANDS["stop_charging"].json_schema(EV_API)
TRIGGER_REQUEST: Schema = obj(["requestedMessage"], requestedMessage=enum(ocpp.SUPPORTED))
SCHEDULE_REQUEST: Schema = {
    "type": "object",
    "description": "The cloud's {'data': {'modes': ...}} or a flat {'chargingMode': ...}.",
    "properties": {
        "chargingMode": enum(MODES),
        "mode": enum(MODES),
        "modes": ANY_OBJECT,
        "schedules": array(SLOT),
        "schedule": array(SLOT),
        "data": ANY_OBJECT,
    },
}
