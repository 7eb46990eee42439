"""Cloud-only bodies keep the community-documented shapes (docs/cloud.md): keys and types."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from emulator.fronts.cloud import payloads as p
from emulator.model.accounts import (
    DEFAULT_OWNER,
    DEFAULT_PASSWORD,
    AccountError,
    AccountRefusal,
    LoginSession,
    default_accounts,
)
from emulator.model.errors import ModelError
from emulator.model.schedule import ChargeMode, Slot

T = 1_780_000_000.0  # 2026-05-28T20:26:40Z
UTC_TZ = ZoneInfo("UTC")
R = AccountRefusal


def shape(value: Any) -> Any:
    """A body's signature: dict keys kept, lists by their first item, leaves by JSON type."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return {bool: "bool", int: "int", float: "float", str: "str", type(None): "null"}[type(value)]


def login() -> tuple[Any, LoginSession]:
    accounts = default_accounts(lambda: T, "122312345678", ("202211110001",))
    session = accounts.login(DEFAULT_OWNER, DEFAULT_PASSWORD)
    assert isinstance(session, LoginSession)
    return accounts, session


def test_login_success_and_its_cookies() -> None:
    accounts, session = login()
    account = accounts.account_of(session)
    body = p.login_success(session, account, "jwt", accounts.sites[0].site_id)
    assert shape(body) == {
        "message": "str",
        "session_id": "str",
        "manager_token": "str",
        "is_consumer": "bool",
        "system_id": "int",
        "redirect_url": "str",
    }
    assert body["message"] == "success" and body["is_consumer"] is True
    assert p.otp_success(session, account, "jwt", None)["isValidMobileNumber"] is True
    assert set(p.login_cookies(session, "jwt")) == {
        "_enlighten_4_session",
        "enlighten_manager_token_production",
        "XSRF-TOKEN",
    }


def test_mfa_answers() -> None:
    assert p.mfa_required() == {"requires_mfa": True}
    assert p.otp_resent() == {"success": True, "isBlocked": False}
    wrong = p.otp_refusal(AccountError(R.MFA_INVALID, "x"))
    assert (wrong.status, wrong.body) == (200, {"isValid": False, "isBlocked": False})
    blocked = p.otp_refusal(AccountError(R.MFA_BLOCKED, "x"))
    assert (blocked.status, blocked.body) == (200, {"isValid": False, "isBlocked": True})
    resend = p.resend_refusal(AccountError(R.MFA_BLOCKED, "x"))
    assert resend.body == {"success": False, "isBlocked": True}
    assert p.otp_refusal(AccountError(R.UNAUTHORISED, "x")).status == 401


@pytest.mark.parametrize(
    ("reason", "status", "retry"),
    [
        (R.UNAUTHORISED, 401, None),
        (R.BLOCKED, 200, None),
        (R.TOO_MANY_SESSIONS, 400, None),
        (R.RATE_LIMITED, 429, 13),
    ],
)
def test_login_refusals(reason: AccountRefusal, status: int, retry: int | None) -> None:
    answer = p.login_refusal(AccountError(reason, "x", retry_after_s=12.2))
    assert (answer.status, answer.retry_after) == (status, retry)
    if reason is R.TOO_MANY_SESSIONS:  # what clients match, anywhere in the body
        assert "too many active sessions" in json.dumps(answer.body).lower()
    if reason is R.BLOCKED:
        assert answer.body == {"success": False, "isBlocked": True}


def test_entrez_answers() -> None:
    assert p.entrez_token("jwt", 1_780_086_400.9) == {"token": "jwt", "expires_at": 1_780_086_400}
    assert p.entrez_refusal(AccountError(R.FORBIDDEN, "x")).status == 403
    assert p.entrez_refusal(AccountError(R.UNAUTHORISED, "x")).status == 401


def test_search_sites() -> None:
    accounts, _ = login()
    body = p.search_sites(accounts.sites)
    assert shape(body) == {
        "sites": [{"id": "int", "path": "str", "title": "str", "favourite": "bool"}]
    }
    site = accounts.sites[0]
    assert body["sites"][0]["path"] == f"/web/{site.site_id}?v=3.4.0"
    assert p.search_sites(accounts.sites, search_text="HOM")["sites"]
    assert p.search_sites(accounts.sites, search_text="nothing")["sites"] == []
    assert p.search_sites(accounts.sites, favourite=True) == {"sites": []}


def test_devices_json() -> None:
    gateway = p.GatewayCard("122312345678", "SC100G-M000ROW", "D7.6.175", "192.168.1.5", True, T)
    charger = p.ChargerCard(
        "202211110001", "Garage", "IQ-EVSE-EU-3032", "25.37.1.14", None, False, T
    )
    body = p.devices_body(gateway, [charger], date(2026, 5, 28))
    envoy, evse, day = body["result"]
    assert envoy["type"] == "envoy" and evse["type"] == "iqevse"
    assert day == {"curr_date_site": "2026-05-28"}
    assert shape(envoy["devices"][0]) == {
        "name": "str",
        "serial_number": "str",
        "sku_id": "str",
        "connected": "bool",
        "status": "str",
        "statusText": "str",
        "ip": "str",
        "ap_mode": "bool",
        "envoy_sw_version": "str",
        "supportsEntrez": "bool",
        "last_report": "int",
        "show_connection_details": "bool",
    }
    assert evse["devices"][0]["serial_number"] == "202211110001"
    assert evse["devices"][0]["status"] == "comm"


def test_live_stream() -> None:
    started = p.live_stream_started(["202211110001"], T)
    assert shape(started) == {
        "meta": {"serverTimeStamp": "int"},
        "data": {"liveStreamTopicList": ["str"], "liveStreamDuration": "int"},
        "error": {},
    }
    assert started["data"]["liveStreamTopicList"] == ["v1/evse/prod/live-stream/202211110001"]
    assert started["data"]["liveStreamDuration"] == 900
    assert p.live_stream_stopped(T) == {
        "meta": {"serverTimeStamp": 1_780_000_000_000},
        "data": None,
        "error": {},
    }


def enabled_mode(body: dict[str, Any]) -> str | None:
    """What the HA integration reads: the first enabled of smart, green, scheduled, manual."""
    modes = body["data"]["modes"]
    for key in ("smartCharging", "greenCharging", "scheduledCharging", "manualCharging"):
        if modes.get(key, {}).get("enabled"):
            return str(modes[key]["chargingMode"])
    return None


@pytest.mark.parametrize("mode", list(ChargeMode))
def test_scheduler_preference(mode: ChargeMode) -> None:
    body = p.preference_body(mode, T, schedules_enabled=1)
    assert enabled_mode(body) == mode.value
    assert body["meta"] == {"serverTimeStamp": "2026-05-28T20:26:40.000+00:00"}
    assert body["error"] == {}
    manual = body["data"]["modes"]["manualCharging"]
    assert shape(manual) == {
        "chargingMode": "str",
        "enabled": "bool",
        "showSettings": "bool",
        "isHidden": "bool",
        "isDisabledByStorm": "bool",
    }
    assert body["data"]["modes"]["scheduledCharging"]["schedulesEnabled"] == 1
    assert ("smartCharging" in body["data"]["modes"]) == (mode is ChargeMode.SMART)


def test_green_settings() -> None:
    body = p.green_settings_body(True, T)
    assert shape(body) == {
        "meta": {"serverTimeStamp": "str", "rowCount": "int"},
        "data": [{"chargerSettingName": "str", "enabled": "bool", "value": "null"}],
        "error": {},
    }
    assert body["data"][0]["chargerSettingName"] == "USE_BATTERY_FOR_SELF_CONSUMPTION"
    assert shape(p.settings_written_body(T)) == {
        "meta": {"serverTimeStamp": "str"},
        "data": {"meta": {"serverTimeStamp": "str"}, "data": "null", "error": {}},
        "error": {},
    }


def test_schedules() -> None:
    slots = (
        Slot("night", "23:00", "06:00", charging_level=32, remind_flag=True, remind_time=10),
        Slot("off", "01:00", "05:00", schedule_type="OFF_PEAK", enabled=False),
    )
    body = p.schedules_body(1234567, "202211110001", slots, 16, ZoneInfo("Europe/Paris"), T)
    custom, off_peak = body["data"]["slots"]
    assert shape(custom) == {
        "id": "str",
        "startTime": "str",
        "endTime": "str",
        "chargingLevel": "int",
        "chargingLevelAmp": "int",
        "scheduleType": "str",
        "days": ["int"],
        "remindTime": "int",
        "remindFlag": "bool",
        "enabled": "bool",
        "recurringKind": "str",
        "chargeLevelType": "str",
        "sourceType": "str",
        "reminderTimeUtc": "str",
        "serializedDays": "null",
    }
    assert custom["id"] == "1234567:202211110001:night"
    assert custom["reminderTimeUtc"] == "20:50"  # 22:50 in Paris summer time
    assert (off_peak["chargingLevel"], off_peak["reminderTimeUtc"]) == (16, None)
    assert set(body["data"]["config"]) == {
        "isOffPeakEligible",
        "scheduleSyncStatus",
        "isModeCancellable",
        "pendingModesOffGrid",
        "pendingSchedulesOffGrid",
        "modeSyncStatus",
        "stormActive",
    }
    assert p.cloud_slot_id(1234567, "202211110001", custom["id"]) == custom["id"]


def history_rows() -> list[p.HistorySession]:
    day = 86400.0
    return [
        p.HistorySession(
            "202211110001", T - 2 * day, T - 2 * day + 3600, 7360.0, 3600, 25.76, 1.84
        ),
        p.HistorySession("202211110001", T - day, T - day + 1800, 3680.0, 1800, 12.88, None),
        p.HistorySession("202211110001", T, None, 120.0, 60, 0.42, 0.03),
    ]


def test_history_page_shape_and_paging() -> None:
    start, end = p.parse_history_date("26-05-2026", "startDate"), date(2026, 5, 28)
    body = p.history_body(history_rows(), start=start, end=end, offset=0, limit=2, tz=UTC_TZ, t=T)
    assert body["source"] == "evse" and body["timestamp"] == "2026-05-28T20:26:40.000000000Z"
    data = body["data"]
    assert (data["hasMore"], data["startDate"], data["endDate"], data["offset"], data["limit"]) == (
        True,
        "26-05-2026",
        "28-05-2026",
        0,
        2,
    )
    newest, older = data["result"]
    assert newest["endTime"] is None and newest["id"] == "202211110001:1780000000"
    assert shape(older) == {
        "id": "str",
        "sessionId": "int",
        "startTime": "str",
        "endTime": "str",
        "authType": "null",
        "authIdentifier": "null",
        "authToken": "null",
        "aggEnergyValue": "float",
        "activeChargeTime": "int",
        "milesAdded": "float",
        "sessionCost": "null",
        "costCalculated": "bool",
        "manualOverridden": "bool",
        "avgCostPerUnitEnergy": "null",
        "sessionCostState": "str",
        "chargeProfileStackLevel": "int",
    }
    assert older["aggEnergyValue"] == 3.68 and older["startTime"].endswith("Z[UTC]")
    last = p.history_body(history_rows(), start=start, end=end, offset=2, limit=2, tz=UTC_TZ, t=T)
    assert [r["aggEnergyValue"] for r in last["data"]["result"]] == [7.36]
    assert last["data"]["hasMore"] is False
    one_day = p.history_body(history_rows(), start=end, end=end, offset=0, limit=20, tz=UTC_TZ, t=T)
    assert len(one_day["data"]["result"]) == 1


def test_history_refuses_bad_dates_and_pages() -> None:
    with pytest.raises(ModelError):
        p.parse_history_date("2026-05-28", "startDate")
    with pytest.raises(ModelError):
        p.history_body(
            [], start=date(2026, 5, 2), end=date(2026, 5, 1), offset=0, limit=20, tz=UTC_TZ, t=T
        )
    with pytest.raises(ModelError):
        p.history_body(
            [], start=date(2026, 5, 1), end=date(2026, 5, 1), offset=0, limit=0, tz=UTC_TZ, t=T
        )


def test_history_criteria() -> None:
    body = p.history_criteria_body([("202211110001", "Garage")], T)
    assert body["data"] == [{"id": "202211110001", "name": "Garage"}]


def test_service_errors_carry_the_codes_clients_match() -> None:
    body = p.service_error(p.ALREADY_CHARGING, T)
    assert body == {
        "meta": {"serverTimeStamp": 1_780_000_000_000},
        "data": None,
        "error": {
            "displayMessage": "Charger is already in charging state",
            "code": "400",
            "errorMessageCode": "iqevc_ms-10012",
        },
    }
    assert p.NOT_PLUGGED.code == "iqevc_ms-10008" and "not plugged" in p.NOT_PLUGGED.message
    assert p.NO_SCHEDULES.code == "iqevc_sch_10031"
    assert p.service_refusal(AccountError(R.FORBIDDEN, "x"), T).status == 403
    assert p.service_refusal(AccountError(R.UNAUTHORISED, "x"), T).status == 401
    limited = p.service_refusal(AccountError(R.RATE_LIMITED, "x", retry_after_s=0.2), T)
    assert (limited.status, limited.retry_after) == (429, 1)


def test_time_formats() -> None:
    assert p.cloud_time(T + 0.826) == "2026-05-28T20:26:40.826Z[UTC]"
    assert p.scheduler_time(T) == "2026-05-28T20:26:40.000+00:00"
    assert p.ms(T + 0.0004) == 1_780_000_000_000
