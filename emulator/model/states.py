"""Connector states (OCPP's model, as the Enphase cloud reports them) and the legal moves."""

from __future__ import annotations

from enum import StrEnum


class ConnectorState(StrEnum):
    AVAILABLE = "AVAILABLE"
    PREPARING = "PREPARING"
    CHARGING = "CHARGING"
    SUSPENDED_EV = "SUSPENDED_EV"
    SUSPENDED_EVSE = "SUSPENDED_EVSE"
    FINISHING = "FINISHING"
    FAULTED = "FAULTED"

    @property
    def ocpp_name(self) -> str:
        """The OCPP 1.6 StatusNotification spelling (``SuspendedEV``)."""
        return OCPP_NAMES[self.value]


OCPP_NAMES: dict[str, str] = {
    state.value: {"SUSPENDED_EV": "SuspendedEV", "SUSPENDED_EVSE": "SuspendedEVSE"}.get(
        state.value, state.value.capitalize()
    )
    for state in ConnectorState
}
"""Each state's value (``SUSPENDED_EV``) to its OCPP 1.6 spelling (``SuspendedEV``)."""

S = ConnectorState
_PLUGGED = {S.PREPARING, S.CHARGING, S.SUSPENDED_EV, S.SUSPENDED_EVSE, S.FINISHING}

TRANSITIONS: dict[ConnectorState, frozenset[ConnectorState]] = {
    S.AVAILABLE: frozenset({S.PREPARING, S.FAULTED}),
    S.PREPARING: frozenset({S.CHARGING, S.SUSPENDED_EV, S.SUSPENDED_EVSE, S.AVAILABLE, S.FAULTED}),
    S.CHARGING: frozenset(
        {S.SUSPENDED_EV, S.SUSPENDED_EVSE, S.FINISHING, S.PREPARING, S.AVAILABLE, S.FAULTED}
    ),
    S.SUSPENDED_EV: frozenset(
        {S.CHARGING, S.SUSPENDED_EVSE, S.FINISHING, S.PREPARING, S.AVAILABLE, S.FAULTED}
    ),
    S.SUSPENDED_EVSE: frozenset(
        {S.CHARGING, S.SUSPENDED_EV, S.FINISHING, S.PREPARING, S.AVAILABLE, S.FAULTED}
    ),
    S.FINISHING: frozenset({S.CHARGING, S.SUSPENDED_EV, S.SUSPENDED_EVSE, S.AVAILABLE, S.FAULTED}),
    S.FAULTED: frozenset({S.AVAILABLE, S.PREPARING}),
}
"""Every move a connector may make; anything else is a bug in the controller."""

PLUGGED_STATES = frozenset(_PLUGGED)
ACTIVE_STATES = frozenset({S.CHARGING, S.SUSPENDED_EV, S.SUSPENDED_EVSE})
"""States in which a charging session is running (what ``stop_charging`` can end)."""


class IllegalTransition(RuntimeError):
    pass


def check_transition(current: ConnectorState, target: ConnectorState) -> None:
    if target is not current and target not in TRANSITIONS[current]:
        raise IllegalTransition(f"connector cannot go from {current} to {target}")
