"""Response bodies built from the model.

No real body of a local EV route has been published, so every shape here is
**designed**: it mirrors the Enlighten cloud shapes (status with ``session_d``,
``connectors[]``, ``sch_d``; summary v2 with string-typed ``chargeLevelDetails`` and
``operatingVoltage``). Scenario ``overrides`` can replace any of them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from .clock import iso
from .model.charger import Charger, ChargeSession
from .model.schedule import ChargeMode
from .model.states import ConnectorState
from .model.world import World

S = ConnectorState


def ms(t: float) -> int:
    return round(t * 1000)


@lru_cache(maxsize=4096)  # the same few session instants are formatted on every poll
def cloud_time(t: float) -> str:
    """The cloud's session timestamps: ``2026-06-01T18:00:00.000Z[UTC]``."""
    stamp = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return f"{stamp}Z[UTC]"


def envelope(world: World, data: Any, row_count: int | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"serverTimeStamp": ms(world.model_t)}
    if row_count is not None:
        meta["rowCount"] = row_count
    return {"meta": meta, "data": data, "error": {}}


def session_d(charger: Charger, t: float, tariff_per_kwh: float = 0.0) -> dict[str, Any]:
    session = charger.session or charger.last_session
    if session is None:
        return {
            "plg_in_at": None,
            "strt_chrg": 0,
            "plg_out_at": None,
            "e_c": 0,
            "miles": 0,
            "session_cost": 0,
            "auth_status": -1,
            "charge_level": None,
        }
    energy = charger.session_wh(t)
    return {
        "plg_in_at": cloud_time(session.plugged_in_at),
        "strt_chrg": ms(session.started_at) if session.started_at is not None else 0,
        "plg_out_at": cloud_time(session.unplugged_at) if session.unplugged_at else None,
        "e_c": round(energy, 2),
        "miles": round(energy / 1000 * session.efficiency_mi_per_kwh, 2),
        "session_cost": round(energy / 1000 * tariff_per_kwh, 2),
        "auth_status": -1,
        "charge_level": charger.charging_level if session is charger.session else None,
    }


def sch_d(charger: Charger, t: float) -> dict[str, Any]:
    info = []
    window = charger.calendar.window(t) if charger.mode.follows_schedule else None
    if window is not None:
        start, end, slot = window
        info.append(
            {
                "type": slot.schedule_type,
                "startTime": ms(start),
                "endTime": ms(end),
                "limit": slot.charging_level or 0,
            }
        )
    return {"status": 1 if charger.mode.follows_schedule else 0, "info": info}


def charger_status(world: World, charger: Charger) -> dict[str, Any]:
    t = world.model_t
    state = charger.state
    return {
        "sn": charger.serial,
        "name": charger.spec.name,
        "connected": charger.connected,
        "pluggedIn": charger.vehicle is not None,
        "charging": state is S.CHARGING,
        "faulted": state is S.FAULTED,
        "commissioned": 1,
        "mode": 1 if charger.mode is ChargeMode.GREEN else 0,
        "offGrid": "ON_GRID",
        "chargingLevel": charger.charging_level,
        "sch_d": sch_d(charger, t),
        "session_d": session_d(charger, t, world.site.tariff_per_kwh),
        "connectors": [
            {
                "connectorId": 1,
                "connectorStatusType": state.value,
                "connectorStatusInfo": charger.reason or "",
                "connectorStatusReason": charger.fault_code or "",
                "safeLimitState": 0,
                "dlbActive": charger.limited_by_site,
                "pluggedIn": charger.vehicle is not None,
            }
        ],
    }


def status_body(world: World, charger: Charger) -> dict[str, Any]:
    return envelope(world, {"chargers": [charger_status(world, charger)]})


def charger_summary(world: World, charger: Charger) -> dict[str, Any]:
    spec = charger.spec
    return {
        "serialNumber": spec.serial,
        "displayName": spec.name,
        "isConnected": charger.connected,
        "isLocallyConnected": charger.connected,
        "isRetired": False,
        "hoControl": True,
        "supportsUseBattery": True,
        "chargeLevelDetails": {
            "min": str(spec.min_amps),
            "max": str(spec.max_amps),
            "granularity": "1",
            "defaultChargeLevel": "disabled",
        },
        "activeConnection": spec.connection,
        "dlbEnabled": 1 if charger.serial in world._group_of else 0,
        "maxCurrent": spec.max_amps,
        "breakerRating": spec.breaker_rating,
        "ratedCurrent": str(spec.max_amps),
        "operatingVoltage": str(spec.voltage),
        "firmwareVersion": spec.firmware,
        "systemVersion": spec.system_version,
        "processorBoardVersion": spec.processor_board_version,
        "lifeTimeConsumption": round(charger.lifetime_wh(world.model_t), 2),
        "phaseMode": spec.phases,
        "phaseCount": spec.phases,
        "gridType": 2 if spec.phases == 1 else 3,
        "reportingInterval": 300,
        "status": "NORMAL" if charger.state is not S.FAULTED else "FAULTED",
        "skuScope": spec.sku,
        "partNumber": spec.part_number,
        "warrantyPeriod": 5,
        "commissioningStatus": 1,
        "timezone": world.gateway.time_zone,
    }


def summary_body(world: World, charger: Charger) -> dict[str, Any]:
    return envelope(world, charger_summary(world, charger))


def chargers_body(world: World) -> dict[str, Any]:
    rows = [charger_summary(world, c) for c in world.chargers.values()]
    return envelope(world, rows, row_count=len(rows))


def connectors_body(world: World) -> dict[str, Any]:
    return {
        "connectors": [
            {"sn": c.serial, **charger_status(world, c)["connectors"][0]}
            for c in world.chargers.values()
        ]
    }


def devices_body(world: World) -> dict[str, Any]:
    return {
        "devices": [
            {
                "sn": c.serial,
                "name": c.spec.name,
                "type": "EVSE",
                "sku": c.spec.sku,
                "mac": c.spec.mac,
                "ip": c.spec.ip,
                "firmware": c.spec.firmware,
                "connected": c.connected,
                "connection": c.spec.connection,
            }
            for c in world.chargers.values()
        ]
    }


def ev_chargers_body(world: World) -> dict[str, Any]:
    return {
        "ev_chargers": [
            {
                "serial_num": c.serial,
                "name": c.spec.name,
                "state": c.state.value,
                "connected": c.connected,
                "plugged_in": c.vehicle is not None,
                "power_w": round(c.power_w, 1),
            }
            for c in world.chargers.values()
        ]
    }


def power_body(world: World, charger: Charger) -> dict[str, Any]:
    spec = charger.spec
    current = charger.power_w / (spec.voltage * spec.phases) if charger.power_w else 0.0
    return {
        "sn": charger.serial,
        "timestamp": ms(world.model_t),
        "power_w": round(charger.power_w, 1),
        "current_a": round(current, 3),
        "offered_a": charger.amps,
        "voltage_v": spec.voltage,
        "phases": spec.phases,
    }


def metrics_body(world: World, charger: Charger) -> dict[str, Any]:
    t = world.model_t
    session = charger.session
    soc = charger.soc(t)
    return {
        "sn": charger.serial,
        "timestamp": ms(t),
        "lifetime_wh": round(charger.lifetime_wh(t), 2),
        "session_wh": round(charger.session_wh(t), 2) if session else 0,
        "session_duration_s": int(t - session.plugged_in_at) if session else 0,
        "soc": round(soc, 2) if soc is not None else None,
        "state": charger.state.value,
    }


def session_row(session: ChargeSession, energy_wh: float) -> dict[str, Any]:
    return {
        "id": session.number,
        "vehicle": session.vehicle_name,
        "plg_in_at": cloud_time(session.plugged_in_at),
        "strt_chrg": ms(session.started_at) if session.started_at is not None else 0,
        "plg_out_at": cloud_time(session.unplugged_at) if session.unplugged_at else None,
        "e_c": round(energy_wh, 2),
        "miles": round(energy_wh / 1000 * session.efficiency_mi_per_kwh, 2),
    }


def sessions_body(world: World, charger: Charger) -> dict[str, Any]:
    rows = [session_row(s, s.energy_wh) for s in charger.past_sessions]
    if charger.session is not None:
        rows.append(session_row(charger.session, charger.session_wh(world.model_t)))
    return {"sn": charger.serial, "sessions": rows}


MODE_KEYS = {
    ChargeMode.MANUAL: "manualCharging",
    ChargeMode.SCHEDULED: "scheduledCharging",
    ChargeMode.GREEN: "greenCharging",
    ChargeMode.SMART: "smartCharging",
}


def schedule_body(world: World, charger: Charger) -> dict[str, Any]:
    modes = {
        key: {"enabled": charger.mode is mode, "chargingMode": mode.value}
        for mode, key in MODE_KEYS.items()
    }
    return envelope(
        world,
        {
            "modes": modes,
            "chargingMode": charger.mode.value,
            "schedules": [slot.to_payload() for slot in charger.slots],
        },
    )


def charger_state(world: World, charger: Charger) -> dict[str, Any]:
    """Everything the model knows about a charger (admin API, not a gateway shape)."""
    t = world.model_t
    spec = charger.spec
    return {
        "serial": spec.serial,
        "name": spec.name,
        "state": charger.state.value,
        "reason": charger.reason,
        "fault_code": charger.fault_code,
        "connected": charger.connected,
        "mode": charger.mode.value,
        "charging_level": charger.charging_level,
        "offered_amps": charger.amps,
        "power_w": round(charger.power_w, 3),
        "lifetime_wh": round(charger.lifetime_wh(t), 3),
        "session_wh": round(charger.session_wh(t), 3) if charger.session else 0.0,
        "limited_by_site": charger.limited_by_site,
        "user_request": charger.user_request,
        "user_stopped": charger.user_stopped,
        "vehicle": charger.vehicle.describe(charger._pending_wh(t)) if charger.vehicle else None,
        "hardware": {
            "min_amps": spec.min_amps,
            "max_amps": spec.max_amps,
            "voltage": spec.voltage,
            "phases": spec.phases,
            "breaker_rating": spec.breaker_rating,
            "sku": spec.sku,
            "firmware": spec.firmware,
            "connection": spec.connection,
        },
        "schedule": [slot.to_payload() for slot in charger.slots],
        "charge_starts": charger.charge_starts,
        "history": [
            {
                "at": iso(h.at),
                "from": h.before.value,
                "to": h.after.value,
                "cause": h.cause,
                "reason": h.reason,
            }
            for h in charger.history
        ],
    }
