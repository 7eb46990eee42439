"""OCPP 1.6 messages a charger sends, built from the model (designed payloads)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from ..clock import iso
from .errors import invalid

if TYPE_CHECKING:
    from .charger import Charger

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


def build(name: str, charger: Charger, t: float) -> dict[str, object]:
    if name == "MeterValues":
        return meter_values(charger, t)
    if name == "StatusNotification":
        return status_notification(charger, t)
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


def status_notification(charger: Charger, t: float) -> dict[str, object]:
    return {
        "connectorId": 1,
        "errorCode": charger.fault_code or "NoError",
        "status": charger.state.ocpp_name,
        "info": charger.reason,
        "timestamp": stamp(t),
    }


def meter_values(charger: Charger, t: float) -> dict[str, object]:
    spec = charger.spec
    current = charger.power_w / (spec.voltage * spec.phases) if charger.power_w else 0.0
    sampled = [
        _sample(round(charger.lifetime_wh(t), 1), "Energy.Active.Import.Register", "Wh"),
        _sample(round(charger.power_w, 1), "Power.Active.Import", "W"),
        _sample(round(current, 2), "Current.Import", "A"),
        _sample(spec.voltage, "Voltage", "V"),
        _sample(charger.amps, "Current.Offered", "A"),
    ]
    soc = charger.soc(t)
    if soc is not None:
        sampled.append(_sample(round(soc, 1), "SoC", "Percent"))
    payload: dict[str, object] = {
        "connectorId": 1,
        "meterValue": [{"timestamp": stamp(t), "sampledValue": sampled}],
    }
    if charger.session is not None:
        payload["transactionId"] = charger.session.number
    return payload


def _sample(value: object, measurand: str, unit: str) -> dict[str, str]:
    return {"value": str(value), "measurand": measurand, "unit": unit, "context": "Trigger"}
