"""OCPP 1.6 messages a charger sends, built from the read model (designed payloads), and
the log of them: a change-feed subscriber that records a StatusNotification for every
connector transition, plus whatever ``trigger_message`` asks for."""

from __future__ import annotations

from collections import deque
from functools import lru_cache
from typing import Any

from .clock import iso
from .errors import invalid
from .feed import Change, ChangeKind
from .states import OCPP_NAMES, ConnectorState
from .views import ChargerView

LOG_LIMIT = 5000
"""OCPP messages kept (oldest dropped first)."""

stamp = lru_cache(maxsize=1024)(iso)
"""``iso`` for message timestamps: many chargers change at the same instant (a slot edge)."""

SUPPORTED = (
    "Heartbeat",
    "MeterValues",
    "StatusNotification",
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
)


def check_requested(name: object) -> str:
    if name not in SUPPORTED:
        raise invalid(
            f"requestedMessage {name!r} is not supported; one of: {', '.join(SUPPORTED)}",
            "requestedMessage",
        )
    return str(name)


def build(name: str, charger: ChargerView) -> dict[str, object]:
    if name == "MeterValues":
        return meter_values(charger)
    if name == "StatusNotification":
        return status_notification(charger)
    if name == "BootNotification":
        return {
            "chargePointVendor": "Enphase Energy",
            "chargePointModel": charger.spec.sku,
            "chargePointSerialNumber": charger.serial,
            "firmwareVersion": charger.spec.firmware,
        }
    if name in ("DiagnosticsStatusNotification", "FirmwareStatusNotification"):
        return {"status": "Idle"}
    return {}  # Heartbeat carries no payload


def status_notification(charger: ChargerView) -> dict[str, object]:
    return _status(charger.state, charger.fault_code, charger.reason, charger.at)


def _status(
    state: ConnectorState, fault_code: str | None, reason: str | None, t: float
) -> dict[str, object]:
    return {
        "connectorId": 1,
        "errorCode": fault_code or "NoError",
        "status": state.ocpp_name,
        "info": reason,
        "timestamp": stamp(t),
    }


def meter_values(charger: ChargerView) -> dict[str, object]:
    sampled = [
        _sample(charger.lifetime_wh, "Energy.Active.Import.Register", "Wh"),
        _sample(charger.power_w, "Power.Active.Import", "W"),
        _sample(charger.current_a, "Current.Import", "A"),
        _sample(charger.spec.voltage, "Voltage", "V"),
        _sample(charger.offered_amps, "Current.Offered", "A"),
    ]
    if charger.soc is not None:
        sampled.append(_sample(charger.soc, "SoC", "Percent"))
    payload: dict[str, object] = {
        "connectorId": 1,
        "meterValue": [{"timestamp": stamp(charger.at), "sampledValue": sampled}],
    }
    if charger.session is not None and charger.session.active:
        payload["transactionId"] = charger.session.number
    return payload


def _sample(value: object, measurand: str, unit: str) -> dict[str, str]:
    return {"value": str(value), "measurand": measurand, "unit": unit, "context": "Trigger"}


class OcppLog:
    """The messages chargers sent, newest last, bounded by :data:`LOG_LIMIT`."""

    def __init__(self) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=LOG_LIMIT)

    def on_change(self, change: Change) -> None:
        """Every connector transition is a StatusNotification (built from the change
        itself: no snapshot needed, which keeps long clock jumps cheap)."""
        if change.kind is ChangeKind.TRANSITION and change.serial is not None:
            data = change.data
            payload = {
                "connectorId": 1,
                "errorCode": data["fault_code"] or "NoError",
                "status": OCPP_NAMES[data["after"]],
                "info": data["reason"],
                "timestamp": stamp(change.at),
            }
            self._append(change.at, change.serial, "StatusNotification", payload)

    def record(self, charger: ChargerView, message: str) -> dict[str, Any]:
        return self._append(charger.at, charger.serial, message, build(message, charger))

    def _append(
        self, t: float, serial: str, message: str, payload: dict[str, object]
    ) -> dict[str, Any]:
        entry = {"time": stamp(t), "serial": serial, "action": message, "payload": payload}
        self.entries.append(entry)
        return entry

    def select(self, serial: str | None = None, action: str | None = None) -> list[dict[str, Any]]:
        return [
            e
            for e in self.entries
            if (serial is None or e["serial"] == serial)
            and (action is None or e["action"] == action)
        ]
