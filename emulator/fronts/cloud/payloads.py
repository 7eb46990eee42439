"""Bodies only the cloud answers: login, MFA, Entrez, sites, devices, scheduler, history, errors.

Pure builders from typed inputs; no HTTP, no clock of their own (``t`` is the model time).
Key names, nesting and types copy the community-documented shapes (docs/cloud.md gives the
evidence for each); values come from the model. The EV status and summary bodies are not
here: they come from the same read model as the gateway's (docs/cloud.md lists the keys
the cloud wrapper adds).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ...model.accounts import (
    Account,
    AccountError,
    AccountRefusal,
    LoginSession,
    PendingLogin,
    Site,
)
from ...model.errors import invalid
from ...model.schedule import ChargeMode, Slot

SESSION_COOKIE = "_enlighten_4_session"
MANAGER_COOKIE = "enlighten_manager_token_production"
XSRF_COOKIE = "XSRF-TOKEN"
OTP_NONCE_COOKIE = "login_otp_nonce"
WEB_APP_VERSION = "3.4.0"
"""The web app version in ``search_sites.json`` paths (``/web/<id>?v=3.4.0``)."""
LIVE_STREAM_S = 900
GREEN_BATTERY_SETTING = "USE_BATTERY_FOR_SELF_CONSUMPTION"
TOO_MANY_SESSIONS_MESSAGE = "Too many active sessions.."
"""The text clients match (case-insensitively, "too many active sessions")."""
HISTORY_DATE = "%d-%m-%Y"
MAX_HISTORY_LIMIT = 100


@dataclass(frozen=True)
class Answer:
    """A status and JSON body for the front to send; ``retry_after`` (s) → Retry-After."""

    status: int
    body: Any
    retry_after: int | None = None


@dataclass(frozen=True)
class CloudError:
    """An EV-service error: HTTP status, ``errorMessageCode`` (None where unknown), text."""

    status: int
    code: str | None
    message: str


ALREADY_CHARGING = CloudError(400, "iqevc_ms-10012", "Charger is already in charging state")
NOT_PLUGGED = CloudError(400, "iqevc_ms-10008", "Charger is not plugged to EV")
NOT_CHARGING = CloudError(400, None, "Charger is not in charging state")
NO_SCHEDULES = CloudError(400, "iqevc_sch_10031", "No Schedules enabled for Scheduled Charging")
BAD_LEVEL = CloudError(400, None, "Charging level should be in the range [0-100]")
BAD_CONNECTOR = CloudError(400, None, "Connector Id must be greater than 0")
UNKNOWN_CHARGER = CloudError(404, None, "Charger not found")
NOT_AUTHORISED = CloudError(401, None, "Not Authorized")
FORBIDDEN = CloudError(403, None, "Forbidden")
RATE_LIMITED = CloudError(429, None, "Too Many Requests")


# -- time formats ---------------------------------------------------------------------------


def ms(t: float) -> int:
    return round(t * 1000)


def scheduler_time(t: float) -> str:
    """The scheduler family's ``serverTimeStamp``: ``2025-01-01T00:00:00.000+00:00``."""
    stamp = datetime.fromtimestamp(t, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}+00:00"


def cloud_time(t: float) -> str:
    """The EV services' instants: ``2025-10-16T00:02:08.826Z[UTC]``."""
    stamp = datetime.fromtimestamp(t, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z[UTC]"


def nano_time(t: float) -> str:
    """The history service's ``timestamp``: nine fraction digits and ``Z``."""
    stamp = datetime.fromtimestamp(t, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond:06d}000Z"


def _meta(t: float) -> dict[str, Any]:
    return {"serverTimeStamp": ms(t)}


# -- login, MFA and Entrez -----------------------------------------------------------------


def login_cookies(session: LoginSession, manager_token: str) -> dict[str, str]:
    """What a successful login (or OTP check) sets; the client keeps them in its jar."""
    return {
        SESSION_COOKIE: session.session_id,
        MANAGER_COOKIE: manager_token,
        XSRF_COOKIE: session.xsrf_token,
    }


def pending_cookies(pending: PendingLogin) -> dict[str, str]:
    """What an MFA-pending login (or a resend) sets: the nonce finds the pending login."""
    return {OTP_NONCE_COOKIE: pending.nonce, XSRF_COOKIE: pending.xsrf_token}


def login_success(
    session: LoginSession, account: Account, manager_token: str, system_id: int | None
) -> dict[str, Any]:
    return {
        "message": "success",
        "session_id": session.session_id,
        "manager_token": manager_token,
        "is_consumer": account.is_consumer,
        "system_id": system_id,
        "redirect_url": "",
    }


def otp_success(
    session: LoginSession, account: Account, manager_token: str, system_id: int | None
) -> dict[str, Any]:
    return {
        **login_success(session, account, manager_token, system_id),
        "isValidMobileNumber": True,
    }


def mfa_required() -> dict[str, Any]:
    return {"requires_mfa": True}


def otp_resent() -> dict[str, Any]:
    return {"success": True, "isBlocked": False}


def entrez_token(token: str, expires_at: float) -> dict[str, Any]:
    """Entrez's JSON answer (the HA integration's form); pyenphase's form gets the JWT as text."""
    return {"token": token, "expires_at": int(expires_at)}


def _retry(err: AccountError) -> int | None:
    return None if err.retry_after_s is None else max(1, math.ceil(err.retry_after_s))


def _message(text: str) -> dict[str, Any]:
    return {"message": text}


def login_refusal(err: AccountError) -> Answer:
    """``POST /login/login.json`` refused."""
    reason = err.reason
    if reason is AccountRefusal.BLOCKED:
        return Answer(200, {"success": False, "isBlocked": True})
    if reason is AccountRefusal.TOO_MANY_SESSIONS:
        return Answer(400, _message(TOO_MANY_SESSIONS_MESSAGE))
    if reason is AccountRefusal.RATE_LIMITED:
        return Answer(429, _message(RATE_LIMITED.message), _retry(err))
    return Answer(401, _message("Invalid email or password"))


def otp_refusal(err: AccountError) -> Answer:
    """``POST /app-api/validate_login_otp`` refused."""
    reason = err.reason
    if reason is AccountRefusal.MFA_INVALID:
        return Answer(200, {"isValid": False, "isBlocked": False})
    if reason in (AccountRefusal.MFA_BLOCKED, AccountRefusal.BLOCKED):
        return Answer(200, {"isValid": False, "isBlocked": True})
    if reason in (AccountRefusal.TOO_MANY_SESSIONS, AccountRefusal.RATE_LIMITED):
        return login_refusal(err)
    return Answer(401, _message("Login expired; sign in again"))


def resend_refusal(err: AccountError) -> Answer:
    """``POST /app-api/generate_mfa_login_otp`` refused."""
    if err.reason in (AccountRefusal.MFA_BLOCKED, AccountRefusal.BLOCKED):
        return Answer(200, {"success": False, "isBlocked": True})
    return Answer(401, _message("Login expired; sign in again"))


def entrez_refusal(err: AccountError) -> Answer:
    """``POST /tokens`` refused (both forms)."""
    if err.reason is AccountRefusal.FORBIDDEN:
        return Answer(403, _message(err.message))
    return Answer(401, _message(err.message))


def service_error(error: CloudError, t: float, message: str | None = None) -> dict[str, Any]:
    """The EV services' error envelope (``/service/evse_*``)."""
    return {
        "meta": _meta(t),
        "data": None,
        "error": {
            "displayMessage": message or error.message,
            "code": str(error.status),
            "errorMessageCode": error.code,
        },
    }


def service_refusal(err: AccountError, t: float) -> Answer:
    """An EV-service or app-api request whose session or site check failed."""
    if err.reason is AccountRefusal.FORBIDDEN:
        return Answer(403, service_error(FORBIDDEN, t))
    if err.reason is AccountRefusal.RATE_LIMITED:
        return Answer(429, service_error(RATE_LIMITED, t), _retry(err))
    return Answer(401, service_error(NOT_AUTHORISED, t))


# -- sites and devices ---------------------------------------------------------------------


def search_sites(
    sites: Iterable[Site], search_text: str = "", favourite: bool = False
) -> dict[str, Any]:
    """``GET /app-api/search_sites.json``; no site is a favourite in the emulator."""
    needle = search_text.strip().lower()
    rows = [
        {
            "id": s.site_id,
            "path": f"/web/{s.site_id}?v={WEB_APP_VERSION}",
            "title": s.name,
            "favourite": False,
        }
        for s in sites
        if not favourite and (not needle or needle in s.name.lower() or needle in str(s.site_id))
    ]
    return {"sites": rows}


@dataclass(frozen=True)
class GatewayCard:
    serial: str
    sku: str
    firmware: str
    ip: str | None
    connected: bool
    last_report: float
    name: str = "IQ Gateway"


@dataclass(frozen=True)
class ChargerCard:
    serial: str
    name: str
    sku: str
    firmware: str
    ip: str | None
    connected: bool
    last_report: float


def devices_body(
    gateway: GatewayCard, chargers: Sequence[ChargerCard], today: date
) -> dict[str, Any]:
    """``GET /app-api/<site>/devices.json``: typed buckets, then the site's local date."""
    envoy = {
        "name": gateway.name,
        "serial_number": gateway.serial,
        "sku_id": gateway.sku,
        "connected": gateway.connected,
        "status": "normal",
        "statusText": "Normal",
        "ip": gateway.ip,
        "ap_mode": False,
        "envoy_sw_version": gateway.firmware,
        "supportsEntrez": True,
        "last_report": int(gateway.last_report),
        "show_connection_details": True,
    }
    evses = [
        {
            "name": c.name,
            "serial_number": c.serial,
            "sku_id": c.sku,
            "connected": c.connected,
            "status": "normal" if c.connected else "comm",
            "statusText": "Normal" if c.connected else "Not Reporting",
            "ip": c.ip,
            "sw_version": c.firmware,
            "last_report": int(c.last_report),
        }
        for c in chargers
    ]
    return {
        "result": [
            {"type": "envoy", "devices": [envoy]},
            {"type": "iqevse", "devices": evses},
            {"curr_date_site": today.isoformat()},
        ]
    }


# -- EV controller extras ------------------------------------------------------------------


def live_stream_started(
    serials: Sequence[str], t: float, duration_s: int = LIVE_STREAM_S
) -> dict[str, Any]:
    return {
        "meta": _meta(t),
        "data": {
            "liveStreamTopicList": [f"v1/evse/prod/live-stream/{sn}" for sn in serials],
            "liveStreamDuration": duration_s,
        },
        "error": {},
    }


def live_stream_stopped(t: float) -> dict[str, Any]:
    return {"meta": _meta(t), "data": None, "error": {}}


# -- scheduler -----------------------------------------------------------------------------

_MODE_KEYS = (
    ("manualCharging", ChargeMode.MANUAL),
    ("scheduledCharging", ChargeMode.SCHEDULED),
    ("greenCharging", ChargeMode.GREEN),
)


def _config() -> dict[str, Any]:
    return {
        "modeSyncStatus": "synced",
        "stormActive": False,
        "isModeCancellable": True,
        "pendingModesOffGrid": False,
        "pendingSchedulesOffGrid": False,
    }


def preference_body(
    mode: ChargeMode, t: float, *, schedules_enabled: int, smart: bool = False
) -> dict[str, Any]:
    """Scheduler ``.../charging-mode/<site>/<sn>/preference``, GET and PUT alike. The
    smartCharging entry appears only where the site offers it (or the charger is in it)."""
    keys = list(_MODE_KEYS)
    if smart or mode is ChargeMode.SMART:
        keys.insert(0, ("smartCharging", ChargeMode.SMART))
    modes: dict[str, Any] = {}
    for key, each in keys:
        entry: dict[str, Any] = {
            "chargingMode": each.value,
            "enabled": mode is each,
            "showSettings": False,
            "isHidden": False,
            "isDisabledByStorm": False,
        }
        if each is ChargeMode.SCHEDULED:
            entry["schedulesEnabled"] = schedules_enabled
        if each is ChargeMode.SMART:
            entry.update(goalsEnabled=0, defaultGoalAdded=False)
        modes[key] = entry
    return {
        "meta": {"serverTimeStamp": scheduler_time(t)},
        "data": {"config": _config(), "modes": modes},
        "error": {},
    }


def green_settings_body(use_battery: bool, t: float) -> dict[str, Any]:
    """``GET .../GREEN_CHARGING/<site>/<sn>/settings``."""
    return {
        "meta": {"serverTimeStamp": scheduler_time(t), "rowCount": 1},
        "data": [
            {"chargerSettingName": GREEN_BATTERY_SETTING, "enabled": use_battery, "value": None}
        ],
        "error": {},
    }


def settings_written_body(t: float) -> dict[str, Any]:
    """``PUT .../settings``: an envelope wrapping an empty envelope, as observed."""
    stamp = {"serverTimeStamp": scheduler_time(t)}
    return {"meta": stamp, "data": {"meta": dict(stamp), "data": None, "error": {}}, "error": {}}


def cloud_slot_id(site_id: int, serial: str, slot_id: str) -> str:
    """Scheduler slot ids read ``<site_id>:<sn>:<id>``."""
    prefix = f"{site_id}:{serial}:"
    return slot_id if slot_id.startswith(prefix) else prefix + slot_id


def _reminder_utc(slot: Slot, tz: ZoneInfo, t: float) -> str | None:
    if not slot.remind_flag:
        return None
    local = datetime.fromtimestamp(t, tz).replace(
        hour=slot.start_minute // 60, minute=slot.start_minute % 60, second=0, microsecond=0
    )
    return (local - timedelta(minutes=slot.remind_time)).astimezone(UTC).strftime("%H:%M")


def slot_body(
    site_id: int, serial: str, slot: Slot, default_level: int, tz: ZoneInfo, t: float
) -> dict[str, Any]:
    level = slot.charging_level if slot.charging_level is not None else default_level
    return {
        "id": cloud_slot_id(site_id, serial, slot.id),
        "startTime": slot.start,
        "endTime": slot.end,
        "chargingLevel": level,
        "chargingLevelAmp": level,
        "scheduleType": slot.schedule_type,
        "days": list(slot.days),
        "remindTime": slot.remind_time,
        "remindFlag": slot.remind_flag,
        "enabled": slot.enabled,
        "recurringKind": "Recurring",
        "chargeLevelType": "Weekly",
        "sourceType": "SYSTEM",
        "reminderTimeUtc": _reminder_utc(slot, tz, t),
        "serializedDays": None,
    }


def schedules_body(
    site_id: int,
    serial: str,
    slots: Sequence[Slot],
    default_level: int,
    tz: ZoneInfo,
    t: float,
) -> dict[str, Any]:
    """``GET .../SCHEDULED_CHARGING/<site>/<sn>/schedules`` (PATCH answers the same)."""
    return {
        "meta": {"serverTimeStamp": scheduler_time(t)},
        "data": {
            "config": {"isOffPeakEligible": True, "scheduleSyncStatus": "synced", **_config()},
            "slots": [slot_body(site_id, serial, s, default_level, tz, t) for s in slots],
        },
        "error": {},
    }


# -- session history -----------------------------------------------------------------------


@dataclass(frozen=True)
class HistorySession:
    """One charge session as the history service lists it; the front maps the read model."""

    serial: str
    plugged_in_at: float
    unplugged_at: float | None
    energy_wh: float
    active_charge_s: int
    miles: float | None
    cost: float | None


def parse_history_date(text: object, name: str) -> date:
    """``DD-MM-YYYY``, the history service's date format."""
    try:
        return datetime.strptime(str(text), HISTORY_DATE).date()
    except ValueError:
        raise invalid(f"{name} must be a date DD-MM-YYYY, not {text!r}", name) from None


def history_body(
    rows: Iterable[HistorySession],
    *,
    start: date,
    end: date,
    offset: int,
    limit: int,
    tz: ZoneInfo,
    t: float,
) -> dict[str, Any]:
    """``POST .../sessions/<sn>/history``: sessions that began on a local day in
    [start, end], newest first, one page of them."""
    if end < start:
        raise invalid("endDate must not be before startDate", "endDate")
    if offset < 0 or not 1 <= limit <= MAX_HISTORY_LIMIT:
        raise invalid(f"need offset >= 0 and 1 <= limit <= {MAX_HISTORY_LIMIT}", "limit")
    chosen = sorted(
        (r for r in rows if start <= datetime.fromtimestamp(r.plugged_in_at, tz).date() <= end),
        key=lambda r: r.plugged_in_at,
        reverse=True,
    )
    page = chosen[offset : offset + limit]
    return {
        "source": "evse",
        "timestamp": nano_time(t),
        "data": {
            "result": [_history_row(r) for r in page],
            "hasMore": offset + limit < len(chosen),
            "startDate": start.strftime(HISTORY_DATE),
            "endDate": end.strftime(HISTORY_DATE),
            "offset": offset,
            "limit": limit,
        },
    }


def _history_row(row: HistorySession) -> dict[str, Any]:
    kwh = round(row.energy_wh / 1000, 2)
    session_id = int(row.plugged_in_at)
    return {
        "id": f"{row.serial}:{session_id}",
        "sessionId": session_id,
        "startTime": cloud_time(row.plugged_in_at),
        "endTime": cloud_time(row.unplugged_at) if row.unplugged_at is not None else None,
        "authType": None,
        "authIdentifier": None,
        "authToken": None,
        "aggEnergyValue": kwh,
        "activeChargeTime": row.active_charge_s,
        "milesAdded": row.miles,
        "sessionCost": row.cost,
        "costCalculated": row.cost is not None,
        "manualOverridden": False,
        "avgCostPerUnitEnergy": round(row.cost / kwh, 2) if row.cost is not None and kwh else None,
        "sessionCostState": "COST_CALCULATED" if row.cost is not None else "COST_NOT_CALCULATED",
        "chargeProfileStackLevel": 4,
    }


def history_criteria_body(chargers: Sequence[tuple[str, str]], t: float) -> dict[str, Any]:
    """``GET .../filter_criteria``: the site's chargers as (serial, name)."""
    return {
        "source": "evse",
        "timestamp": nano_time(t),
        "data": [{"id": sn, "name": name} for sn, name in chargers],
    }
