"""Response bodies built from the read model (:mod:`emulator.model.views`).

No real body of a local EV route has been published, so every shape here is
**designed**: it mirrors the Enlighten cloud shapes (status with ``session_d``,
``connectors[]``, ``sch_d``; summary v2 with string-typed ``chargeLevelDetails`` and
``operatingVoltage``). Scenario ``overrides`` can replace any of them. Numbers come from
the snapshot as it rounded them; nothing here computes or rounds model values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ...model.schedule import ChargeMode
from ...model.views import ChargerView, SessionView
from ...model.world import World


def ms(t: float) -> int:
    return round(t * 1000)


@lru_cache(maxsize=4096)  # the same few session instants are formatted on every poll
def cloud_time(t: float) -> str:
    """The cloud's session timestamps: ``2026-06-01T18:00:00.000Z[UTC]``."""
    stamp = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    return f"{stamp}Z[UTC]"


def envelope(t: float, data: Any, row_count: int | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"serverTimeStamp": ms(t)}
    if row_count is not None:
        meta["rowCount"] = row_count
    return {"meta": meta, "data": data, "error": {}}


NO_SESSION: dict[str, Any] = {
    "plg_in_at": None,
    "strt_chrg": 0,
    "plg_out_at": None,
    "e_c": 0,
    "miles": 0,
    "session_cost": 0,
    "auth_status": -1,
    "charge_level": None,
}


def session_d(session: SessionView | None) -> dict[str, Any]:
    """The current (or last) session as the status body's ``session_d``."""
    if session is None:
        return dict(NO_SESSION)
    return {
        "plg_in_at": cloud_time(session.plugged_in_at),
        "strt_chrg": ms(session.started_at) if session.started_at is not None else 0,
        "plg_out_at": cloud_time(session.unplugged_at) if session.unplugged_at else None,
        "e_c": session.energy_wh,
        "miles": session.miles,
        "session_cost": session.cost,
        "auth_status": -1,
        "charge_level": session.charge_level,
    }


def sch_d(view: ChargerView) -> dict[str, Any]:
    info = []
    if view.window is not None:
        window = view.window
        info.append(
            {
                "type": window.schedule_type,
                "startTime": ms(window.start),
                "endTime": ms(window.end),
                "limit": window.limit,
            }
        )
    return {"status": 1 if view.mode.follows_schedule else 0, "info": info}


def connector(view: ChargerView) -> dict[str, Any]:
    return {
        "connectorId": 1,
        "connectorStatusType": view.state.value,
        "connectorStatusInfo": view.reason or "",
        "connectorStatusReason": view.fault_code or "",
        "safeLimitState": 0,
        "dlbActive": view.limited_by_site,
        "pluggedIn": view.plugged_in,
    }


def charger_status(view: ChargerView, session: Any = None) -> dict[str, Any]:
    """``session``: the ``session_d`` member as given instead of built from the view (the
    status cache's stand-in, see :mod:`.status_cache`)."""
    return {
        "sn": view.serial,
        "name": view.name,
        "connected": view.connected,
        "pluggedIn": view.plugged_in,
        "charging": view.charging,
        "faulted": view.faulted,
        "commissioned": 1,
        "mode": 1 if view.mode is ChargeMode.GREEN else 0,
        "offGrid": "ON_GRID",
        "chargingLevel": view.charging_level,
        "sch_d": sch_d(view),
        "session_d": session_d(view.session) if session is None else session,
        "connectors": [connector(view)],
    }


def status_data(view: ChargerView, session: Any = None) -> dict[str, Any]:
    return {"chargers": [charger_status(view, session)]}


def status_body(world: World, view: ChargerView) -> dict[str, Any]:
    return envelope(view.at, status_data(view))


def charger_summary(view: ChargerView, time_zone: str) -> dict[str, Any]:
    spec = view.spec
    return {
        "serialNumber": spec.serial,
        "displayName": spec.name,
        "isConnected": view.connected,
        "isLocallyConnected": view.connected,
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
        "dlbEnabled": 1 if view.dlb_enabled else 0,
        "maxCurrent": spec.max_amps,
        "breakerRating": spec.breaker_rating,
        "ratedCurrent": str(spec.max_amps),
        "operatingVoltage": str(spec.voltage),
        "firmwareVersion": spec.firmware,
        "systemVersion": spec.system_version,
        "processorBoardVersion": spec.processor_board_version,
        "lifeTimeConsumption": view.lifetime_wh,
        "phaseMode": spec.phases,
        "phaseCount": spec.phases,
        "gridType": 2 if spec.phases == 1 else 3,
        "reportingInterval": 300,
        "status": "FAULTED" if view.faulted else "NORMAL",
        "skuScope": spec.sku,
        "partNumber": spec.part_number,
        "warrantyPeriod": 5,
        "commissioningStatus": 1,
        "timezone": time_zone,
    }


def summary_body(world: World, view: ChargerView) -> dict[str, Any]:
    return envelope(view.at, charger_summary(view, world.gateway.time_zone))


def chargers_body(world: World) -> dict[str, Any]:
    site = world.view()
    rows = [charger_summary(v, site.gateway.time_zone) for v in site.chargers]
    return envelope(site.at, rows, row_count=len(rows))


def connectors_body(world: World) -> dict[str, Any]:
    return {"connectors": [{"sn": v.serial, **connector(v)} for v in world.view().chargers]}


def devices_body(world: World) -> dict[str, Any]:
    return {
        "devices": [
            {
                "sn": v.serial,
                "name": v.name,
                "type": "EVSE",
                "sku": v.spec.sku,
                "mac": v.spec.mac,
                "ip": v.spec.ip,
                "firmware": v.spec.firmware,
                "connected": v.connected,
                "connection": v.spec.connection,
            }
            for v in world.view().chargers
        ]
    }


def ev_chargers_body(world: World) -> dict[str, Any]:
    rows = [
        {
            "serial_num": v.serial,
            "name": v.name,
            "state": v.state.value,
            "connected": v.connected,
            "plugged_in": v.plugged_in,
            "power_w": v.power_w,
        }
        for v in world.view().chargers
    ]
    return {"ev_chargers": rows}


def power_body(world: World, view: ChargerView) -> dict[str, Any]:
    return {
        "sn": view.serial,
        "timestamp": ms(view.at),
        "power_w": view.power_w,
        "current_a": view.current_a,
        "offered_a": view.offered_amps,
        "voltage_v": view.spec.voltage,
        "phases": view.spec.phases,
    }


def metrics_body(world: World, view: ChargerView) -> dict[str, Any]:
    running = view.session if view.session is not None and view.session.active else None
    return {
        "sn": view.serial,
        "timestamp": ms(view.at),
        "lifetime_wh": view.lifetime_wh,
        "session_wh": view.session_wh,
        "session_duration_s": int(view.at - running.plugged_in_at) if running else 0,
        "soc": view.soc,
        "state": view.state.value,
    }


def session_row(session: SessionView) -> dict[str, Any]:
    return {
        "id": session.number,
        "vehicle": session.vehicle,
        "plg_in_at": cloud_time(session.plugged_in_at),
        "strt_chrg": ms(session.started_at) if session.started_at is not None else 0,
        "plg_out_at": cloud_time(session.unplugged_at) if session.unplugged_at else None,
        "e_c": session.energy_wh,
        "miles": session.miles,
    }


def sessions_body(world: World, view: ChargerView) -> dict[str, Any]:
    rows = [session_row(s) for s in world.session_history(view.serial)]
    return {"sn": view.serial, "sessions": rows}


MODE_KEYS = {
    ChargeMode.MANUAL: "manualCharging",
    ChargeMode.SCHEDULED: "scheduledCharging",
    ChargeMode.GREEN: "greenCharging",
    ChargeMode.SMART: "smartCharging",
}


def schedule_body(world: World, view: ChargerView) -> dict[str, Any]:
    modes = {
        key: {"enabled": view.mode is mode, "chargingMode": mode.value}
        for mode, key in MODE_KEYS.items()
    }
    return envelope(
        view.at,
        {
            "modes": modes,
            "chargingMode": view.mode.value,
            "schedules": [slot.to_payload() for slot in view.slots],
        },
    )
