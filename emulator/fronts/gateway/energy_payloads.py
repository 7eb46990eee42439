"""Bodies and headers of the gateway's owner-visible energy routes, firmware D7.6.175.

Pure functions from an :class:`EnergyView` to the captured SHAPES (keys, order, nesting,
types, units) of pyenphase's public fixtures; every value comes from the model. No HTTP
here: ``ROUTES`` says, per route, which headers the real gateway sent and how its body
was laid out, and ``encode`` reproduces that layout byte for byte. See docs/energy.md.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ...model.energy_view import EnergyView, Flow, Meter
from .energy_names import ROUTE_NAMES as ROUTE_NAMES  # re-exported beside ROUTES

BodyStyle = Literal["compact", "indent2_nl", "indent4", "indent4_fixed3"]

PRODUCTION_EID = 704643328
CONSUMPTION_EID = 704643584
"""[OBS] The same in every capture, 7.x and 8.x: firmware constants, not serials."""
CHANNEL_EID_OFFSET = 0x40000011
"""[OBS] channel k of a meter is ``eid + 0x40000011 + k``."""
CHANNELS = 3
"""[OBS] readings always list 3 channels; the unused ones read 0 (split-phase capture)."""
DEVICE_DATA_STATUS = 404
"""``/ivp/pdm/device_data`` was captured only on 8.2.4345 and later: on 7.6.175 it
answers like any unknown /ivp/ path (404, ``{ "error" : "404 - Not Found" }``), which
pyenphase's probe takes as "not supported" and falls back to /api/v1/production/inverters."""

_ZERO = Flow(**dict.fromkeys((f.name for f in fields(Flow)), 0.0))
_LINE_KEYS = (
    "wNow",
    "whLifetime",
    "varhLeadLifetime",
    "varhLagLifetime",
    "vahLifetime",
    "rmsCurrent",
    "rmsVoltage",
    "reactPwr",
    "apprntPwr",
    "pwrFactor",
    "whToday",
    "whLastSevenDays",
    "vahToday",
    "varhLeadToday",
    "varhLagToday",
)
_NET_ALWAYS_ZERO = ("whToday", "whLastSevenDays", "vahToday", "varhLeadToday", "varhLagToday")
"""[OBS] 7.6.175 (and 8.x) report these as the integer 0 for net-consumption."""


# -- /production.json, /production --------------------------------------------------------


def production_json(view: EnergyView, *, details: bool = False) -> dict[str, Any]:
    """``GET /production.json``; ``details=True`` for ``?details=1`` adds per-phase
    ``lines`` to every eim segment [OBS 7.6.175_with_cts_3phase, 8.2.4345 single-phase]."""
    inverters = {
        "type": "inverters",
        "activeCount": len(view.inverters),
        "readingTime": view.inverters_reading_time,
        "wNow": view.inverters_w,
        "whLifetime": round(view.inverters_lifetime_wh),
    }
    body: dict[str, Any] = {"production": [inverters]}
    if view.metered:
        shown = view.production if view.production_ct else _idle(view.production)
        body["production"].append(_eim("production", shown, view, details, view.production_ct))
        # Both consumption segments, in this order, whichever CT measures: pyenphase reads
        # them by position (0 total, 1 net); the other one is derived, net = total - prod.
        measured = view.consumption is not None and view.net is not None
        total = view.consumption or _idle(view.production)
        net = view.net or _idle(view.production)
        body["consumption"] = [
            _eim("total-consumption", total, view, details, measured),
            _eim("net-consumption", net, view, details, measured),
        ]
    body["storage"] = [
        {"type": "acb", "activeCount": 0, "readingTime": 0, "wNow": 0, "whNow": 0, "state": "idle"}
    ]
    return body


def production(view: EnergyView) -> dict[str, Any]:
    """``GET /production``: on 7.6.175 JSON, the same body as /production.json and never
    with ``lines`` [OBS 7.6.175_with_cts, _standard; the 3-phase fixture's readme]."""
    return production_json(view, details=False)


def _idle(meter: Meter) -> Meter:
    """A meter without its CT: zeros, but the gateway still sees the grid's voltage."""
    return Meter(
        replace(_ZERO, voltage=meter.total.voltage),
        tuple(replace(_ZERO, voltage=f.voltage) for f in meter.phases),
    )


def _eim(kind: str, meter: Meter, view: EnergyView, details: bool, enabled: bool) -> dict[str, Any]:
    net = kind == "net-consumption"
    segment: dict[str, Any] = {
        "type": "eim",
        "activeCount": 1 if enabled else 0,
        "measurementType": kind,
        "readingTime": view.reading_time,
        **_line(meter.total, net),
    }
    if details:
        segment["lines"] = [_line(flow, net) for flow in meter.phases]
    return segment


def _line(flow: Flow, net: bool) -> dict[str, Any]:
    sign = -1.0 if flow.w < 0 else 1.0
    values: dict[str, Any] = dict(
        zip(
            _LINE_KEYS,
            (
                flow.w,
                flow.lifetime_wh,
                flow.varh_lead_lifetime,
                flow.varh_lag_lifetime,
                flow.vah_lifetime,
                sign * flow.current,
                flow.voltage,
                flow.var,
                sign * flow.va,
                round(flow.power_factor, 2) + 0.0,
                flow.today_wh,
                flow.last_seven_days_wh,
                flow.vah_today,
                flow.varh_lead_today,
                flow.varh_lag_today,
            ),
            strict=True,
        )
    )
    if net:
        values.update(dict.fromkeys(_NET_ALWAYS_ZERO, 0))
    return values


# -- /api/v1/production, /api/v1/production/inverters ---------------------------------------


def api_v1_production(view: EnergyView) -> dict[str, int]:
    """Whole numbers [OBS]. From the production CT when there is one; on a standard
    gateway from the inverters; all zeros on a metered gateway whose production CT is
    not enabled [OBS 7.6.175_total], which pyenphase reads as "use the inverters"."""
    if view.metered and not view.production_ct:
        today = week = lifetime = now = 0
    else:
        flow = view.production.total
        today, week = round(flow.today_wh), round(flow.last_seven_days_wh)
        if view.production_ct:
            lifetime, now = round(flow.lifetime_wh), round(flow.w)
        else:
            lifetime, now = round(view.inverters_lifetime_wh), view.inverters_w
    return {
        "wattHoursToday": today,
        "wattHoursSevenDays": week,
        "wattHoursLifetime": lifetime,
        "wattsNow": now,
    }


def api_v1_production_inverters(view: EnergyView) -> list[dict[str, Any]]:
    return [
        {
            "serialNumber": inverter.serial,
            "lastReportDate": inverter.last_report_at,
            "devType": 1,
            "lastReportWatts": inverter.last_report_w,
            "maxReportWatts": inverter.max_report_w,
        }
        for inverter in view.inverters
    ]


# -- /ivp/meters, /ivp/meters/readings --------------------------------------------------------


def _meters(view: EnergyView) -> list[tuple[int, str, bool, Meter]]:
    """(eid, measurementType, enabled, what it reads): production first, then the
    consumption CT; a metered gateway without one lists net-consumption disabled [OBS
    7.3.130_no_consumption]. A standard gateway has none: ``[]`` [pyenphase: "non metered
    Envoy return empty list"; OBS 5.0.62]."""
    if not view.metered:
        return []
    kind = "total-consumption" if view.consumption_ct == "total" else "net-consumption"
    reads = view.consumption if view.consumption_ct == "total" else view.net
    return [
        (PRODUCTION_EID, "production", view.production_ct, view.production),
        (CONSUMPTION_EID, kind, reads is not None, reads or _idle(view.production)),
    ]


def ivp_meters(view: EnergyView) -> list[dict[str, Any]]:
    return [
        {
            "eid": eid,
            "state": "enabled" if enabled else "disabled",
            "measurementType": kind,
            "phaseMode": view.phase_mode,
            "phaseCount": view.phases,
            "meteringStatus": "normal",
            "statusFlags": [],
        }
        for eid, kind, enabled, _ in _meters(view)
    ]


def ivp_meters_readings(view: EnergyView) -> list[dict[str, Any]]:
    """Same eids as /ivp/meters (pyenphase pairs them by eid), one channel per phase."""
    body = []
    for eid, _, enabled, meter in _meters(view):
        shown = meter if enabled else _idle(meter)
        channels = [*shown.phases, *([_ZERO] * (CHANNELS - len(shown.phases)))]
        reading = _reading(eid, view.reading_time, shown.total, view.frequency_hz)
        reading["channels"] = [
            _reading(eid + CHANNEL_EID_OFFSET + k, view.reading_time, flow, view.frequency_hz)
            for k, flow in enumerate(channels)
        ]
        body.append(reading)
    return body


def _reading(eid: int, at: int, flow: Flow, hz: float) -> dict[str, Any]:
    """An unused channel (no voltage) reads 0 Hz too, as the split-phase capture shows."""
    return {
        "eid": eid,
        "timestamp": at,
        "actEnergyDlvd": flow.delivered_wh,
        "actEnergyRcvd": flow.received_wh,
        "apparentEnergy": flow.vah_lifetime,
        "reactEnergyLagg": flow.varh_lag_lifetime,
        "reactEnergyLead": flow.varh_lead_lifetime,
        "instantaneousDemand": flow.w,
        "activePower": flow.w,
        "apparentPower": flow.va,
        "reactivePower": flow.var,
        "pwrFactor": flow.power_factor,
        "voltage": flow.voltage,
        "current": flow.current,
        "freq": float(hz) if flow.voltage else 0.0,
    }


# -- the rest of pyenphase's probe --------------------------------------------------------------


def ensemble_inventory() -> list[Any]:
    """No Encharge, Enpower or collar: ``[]`` [OBS every 7.6.175 folder]."""
    return []


def admin_lib_tariff(
    currency: str, rate_per_kwh: float, configured_at: int, *, sell_per_kwh: float = 0.0
) -> dict[str, Any]:
    """One flat rate all year; no battery, so storage settings are the defaults a
    gateway without one shows [shape OBS 7.6.175_with_cts]."""
    stamp = str(configured_at)
    days = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
    idle = [{day: [{"start": 0, "duration": 1440, "setting": "ID"}]} for day in days]
    zero_net = {day: [{"start": 0, "duration": 1440, "setting": "ZN"}] for day in days}
    storage = {
        "mode": "self-consumption",
        "operation_mode_sub_type": "",
        "reserved_soc": 0.0,
        "very_low_soc": 5,
        "charge_from_grid": False,
        "date": stamp,
    }
    season = {
        "id": "all_year_long",
        "start": "1/1",
        "days": [
            {
                "id": "all_days",
                "days": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
                "must_charge_start": 0,
                "must_charge_duration": 0,
                "must_charge_mode": "CG",
                "enable_discharge_to_grid": False,
                "periods": [{"id": "filler", "start": 0, "rate": rate_per_kwh}],
            }
        ],
        "tiers": [],
    }
    return {
        "tariff": {
            "currency": {"code": currency},
            "logger": "mylogger",
            "date": stamp,
            "storage_settings": storage,
            "single_rate": {"rate": rate_per_kwh, "sell": sell_per_kwh},
            "seasons": [season],
            "seasons_sell": [],
        },
        "schedule": {
            "source": "Tariff",
            "date": datetime.fromtimestamp(configured_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "version": "00.00.02",
            "reserved_soc": 0.0,
            "operation_mode_sub_type": "",
            "very_low_soc": 5,
            "charge_from_grid": False,
            "battery_mode": "self-consumption",
            "schedule": {
                "Disable": idle,
                "tariff": [{"start": "1/1", "end": "1/1", **zero_net}],
            },
            "override": False,
            "override_backup_soc": 30.0,
            "override_chg_dischg_rate": 0.0,
            "override_tou_mode": "StorageTouMode_DEFAULT_TOU_MODE",
        },
    }


@dataclass(frozen=True)
class HomeIdentity:
    """What /home shows of the gateway itself."""

    time_zone: str
    mac: str
    ip: str
    software_build_epoch: int


def home(view: EnergyView, identity: HomeIdentity) -> dict[str, Any]:
    """[shape OBS 7.6.175/home]: Home Assistant reads the primary interface's MAC."""
    local = datetime.fromtimestamp(view.reading_time, ZoneInfo(identity.time_zone))
    octets = identity.mac.upper().split(":")
    wifi_mac = ":".join([*octets[:-1], f"{(int(octets[-1], 16) + 1) % 256:02X}"])
    count = len(view.inverters)
    return {
        "software_build_epoch": identity.software_build_epoch,
        "timezone": identity.time_zone,
        "current_date": local.strftime("%m/%d/%Y"),
        "current_time": local.strftime("%H:%M"),
        "network": {
            "web_comm": True,
            "ever_reported_to_enlighten": True,
            "last_enlighten_report_time": view.reading_time - view.reading_time % 900,
            "primary_interface": "eth0",
            "interfaces": [
                {
                    "type": "ethernet",
                    "interface": "eth0",
                    "mac": ":".join(octets),
                    "dhcp": True,
                    "ip": identity.ip,
                    "signal_strength": 1,
                    "signal_strength_max": 1,
                    "carrier": True,
                },
                {
                    "signal_strength": 0,
                    "signal_strength_max": 0,
                    "type": "wifi",
                    "interface": "wlan0",
                    "mac": wifi_mac,
                    "dhcp": True,
                    "ip": None,
                    "carrier": False,
                    "supported": True,
                    "present": True,
                    "configured": False,
                    "status": "connecting",
                },
            ],
        },
        "tariff": "single_rate",
        "comm": {
            "num": count,
            "level": 5,
            "pcu": {"num": count, "level": 5},
            "acb": {"num": 0, "level": 0},
            "nsrb": {"num": 0, "level": 0},
            "esub": {"num": 0, "level": 0},
            "encharge": [{"num": 0, "level": 0, "level_24g": 0, "level_subg": 0}],
        },
        "wireless_connection": [
            {"signal_strength": 0, "signal_strength_max": 0, "type": "BLE", "connected": True}
        ],
    }


# -- headers and layout, per route ------------------------------------------------------------


@dataclass(frozen=True)
class RouteShape:
    """How the real gateway answered: ``content_type`` None means NO Content-Type header
    at all; ``chunked`` means Transfer-Encoding: chunked instead of Content-Length;
    ``no_cache`` adds Pragma: no-cache, Expires: 1, Cache-Control: no-cache. Server,
    Date, Connection and the three security headers come with every answer."""

    content_type: str | None
    chunked: bool
    no_cache: bool
    style: BodyStyle
    evidence: str

    def extra_headers(self) -> tuple[tuple[str, str], ...]:
        """In the captured order, after Server/Date and before the security headers."""
        headers: list[tuple[str, str]] = []
        if self.content_type is not None:
            headers.append(("Content-Type", self.content_type))
        if self.no_cache:
            headers += [("Pragma", "no-cache"), ("Expires", "1"), ("Cache-Control", "no-cache")]
        return tuple(headers)


_JSON_NO_CACHE = ("application/json", True, True)
ROUTES: dict[str, RouteShape] = {
    "/production.json": RouteShape(*_JSON_NO_CACHE, "compact", "OBS 7.6.175_with_cts"),
    "/production": RouteShape(*_JSON_NO_CACHE, "compact", "OBS 7.6.175_with_cts"),
    "/api/v1/production": RouteShape(
        "application/json", False, False, "indent2_nl", "OBS 7.6.175_with_cts, _standard"
    ),
    "/api/v1/production/inverters": RouteShape(
        "application/json", False, False, "indent2_nl", "OBS 7.6.175_with_cts, _standard"
    ),
    "/ivp/meters": RouteShape(None, False, False, "indent4", "OBS 7.6.175_with_cts, _total"),
    "/ivp/meters/readings": RouteShape(
        None, False, False, "indent4_fixed3", "OBS 7.6.175_with_cts, _total"
    ),
    "/ivp/ensemble/inventory": RouteShape(None, False, False, "indent4", "OBS 7.6.175_*"),
    "/admin/lib/tariff": RouteShape(*_JSON_NO_CACHE, "compact", "OBS 7.6.175_with_cts"),
    "/home": RouteShape(
        *_JSON_NO_CACHE, "compact", "body OBS 7.6.175; headers OBS 8.3.x only; layout DESIGN"
    ),
}
"""Content-Length values in the captures match these layouts byte for byte."""


def encode(body: Any, style: BodyStyle) -> bytes:
    """The body laid out as the gateway lays it out for that route."""
    if style == "compact":
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    elif style == "indent2_nl":
        text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    elif style == "indent4":
        text = json.dumps(body, indent=4, ensure_ascii=False)
    else:
        text = _fixed3(body, 0)
    return text.encode("utf-8")


def _fixed3(value: Any, level: int) -> str:
    """4-space indent, every float with exactly 3 decimals (``50.000``)."""
    pad, end = "    " * (level + 1), "    " * level
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = (f"{pad}{json.dumps(k)}: {_fixed3(v, level + 1)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(pad + _fixed3(v, level + 1) for v in value) + "\n" + end + "]"
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.3f}"
    return json.dumps(value)
