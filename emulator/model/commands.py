"""Every command users can give the model, declared once with typed parameters.

This registry is the one place where an event's name, its parameters, their types,
ranges, defaults and which are required are written down. The model's methods take the
typed values (``World.start_charging(serial, amps=16)``); each front translates its own
wire names into the canonical ones through a :class:`Dialect`, then :meth:`Command.bind`
checks and types them. The scenario JSON Schema's event section, the timeline checks, the
OpenAPI request schemas and the admin API's validation all come from here (a test fails
when a front and the registry disagree).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import invalid
from .roles import Role
from .schedule import ChargeMode

Target = Literal["charger", "gateway"]
Kind = Literal["integer", "number", "string", "vehicle", "schedule", "mode", "role"]

MAX_SLOTS = 48
"""Schedule slots one charger keeps (a ``set_mode`` with more is refused with a 400)."""
MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class VehicleRequest:
    """A car described by its parameters (``plug_in``'s ``vehicle`` as an object)."""

    name: str = "EV"
    capacity_kwh: float = 60.0
    soc: float = 50.0
    max_kw: float = 7.4
    efficiency_mi_per_kwh: float = 3.5


VEHICLE_FIELDS: dict[str, tuple[float, float]] = {
    "capacity_kwh": (0, 500),
    "soc": (0, 100),
    "max_kw": (0, 350),
    "efficiency_mi_per_kwh": (0, 20),
}
"""A car's numeric parameters and their bounds (exclusive low except ``soc``)."""


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise invalid(f"'{name}' must be a number, got {value!r}", name)
    return float(value)


def parse_vehicle(value: object) -> str | VehicleRequest | None:
    if value is None or value is True:
        return None  # the default car
    if isinstance(value, str):
        if not value or len(value) > 64:
            raise invalid("'vehicle' as a preset name must have 1 to 64 characters", "vehicle")
        return value
    if not isinstance(value, Mapping):
        raise invalid("'vehicle' must be a preset name or an object", "vehicle")
    allowed = {"name", *VEHICLE_FIELDS}
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise invalid(
            f"vehicle: unknown field(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}",
            unknown[0],
        )
    numbers: dict[str, float] = {}
    for name, (low, high) in VEHICLE_FIELDS.items():
        if name not in value:
            continue
        number = _number(name, value[name])
        inside = low <= number <= high if name == "soc" else low < number <= high
        if not inside:
            bounds = f"from {low:g} to {high:g}" if name == "soc" else f"> {low:g} and <= {high:g}"
            raise invalid(f"{name} must be {bounds}, got {number:g}", name)
        numbers[name] = number
    name = value.get("name", "EV")
    if not isinstance(name, str) or not name or len(name) > 64:
        raise invalid("vehicle name must be a string of 1 to 64 characters", "name")
    return VehicleRequest(name=name, **numbers)


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a command: its canonical name, type and limits."""

    name: str
    kind: Kind
    doc: str
    required: bool = False
    default: Any = None
    low: float | None = None
    high: float | None = None
    max_len: int = MAX_TEXT
    choices: tuple[str, ...] = ()

    def parse(self, value: object) -> Any:
        """The typed value, or an InvalidRequest naming this parameter."""
        name = self.name
        if self.kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise invalid(f"'{name}' must be a whole number, got {value!r}", name)
            self._check_range(value)
            return value
        if self.kind == "number":
            number = _number(name, value)
            self._check_range(number)
            return number
        if self.kind == "string":
            if not isinstance(value, str) or not value or len(value) > self.max_len:
                raise invalid(
                    f"'{name}' must be a non-empty string of at most {self.max_len} characters",
                    name,
                )
            return value
        if self.kind == "mode":
            if not isinstance(value, str):
                raise invalid(f"'{name}' must be one of {', '.join(self.choices)}", name)
            return ChargeMode.parse(value)
        if self.kind == "role":
            if not isinstance(value, str):
                raise invalid(f"'{name}' must be a role name such as owner or installer", name)
            try:
                return Role.parse(value)
            except ValueError as exc:
                raise invalid(str(exc), name) from None
        if self.kind == "schedule":
            if not isinstance(value, list):
                raise invalid(f"'{name}' must be a list of slots", name)
            if len(value) > MAX_SLOTS:
                raise invalid(
                    f"'{name}' has {len(value)} slots; a charger keeps at most {MAX_SLOTS}", name
                )
            return tuple(value)
        return parse_vehicle(value)

    def _check_range(self, value: float) -> None:
        low, high = self.low, self.high
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = " and ".join(
                b
                for b in (
                    f">= {low:g}" if low is not None else "",
                    f"<= {high:g}" if high is not None else "",
                )
                if b
            )
            raise invalid(f"'{self.name}' must be {bounds}, got {value:g}", self.name)

    def json_schema(self) -> dict[str, Any]:
        """This parameter as JSON Schema (what a wire body or scenario step may hold)."""
        schema: dict[str, Any]
        if self.kind in ("integer", "number"):
            schema = {"type": self.kind}
            if self.low is not None:
                schema["minimum"] = self.low
            if self.high is not None:
                schema["maximum"] = self.high
        elif self.kind == "string":
            schema = {"type": "string", "minLength": 1, "maxLength": self.max_len}
        elif self.kind in ("mode", "role"):
            schema = {"type": "string", "enum": list(self.choices)}
        elif self.kind == "schedule":
            schema = {"type": "array", "maxItems": MAX_SLOTS, "items": {"type": "object"}}
        else:
            schema = {
                "oneOf": [
                    {"type": "string", "minLength": 1, "maxLength": 64},
                    {"type": "boolean", "enum": [True]},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string", "minLength": 1, "maxLength": 64},
                            **{k: {"type": "number"} for k in VEHICLE_FIELDS},
                        },
                    },
                ]
            }
        schema["description"] = self.doc
        return schema


@dataclass(frozen=True, slots=True)
class Command:
    """A charger or gateway event: its name, what it acts on and its parameters."""

    name: str
    target: Target
    summary: str
    params: tuple[Param, ...] = ()

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def bind(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Check canonical parameters and type them; defaults fill what is missing."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            hint = (
                f"allowed: {', '.join(self.param_names)}" if self.params else "it takes no fields"
            )
            raise invalid(f"{self.name}: unknown field(s) {', '.join(unknown)}; {hint}", unknown[0])
        bound: dict[str, Any] = {}
        for param in self.params:
            value = raw.get(param.name)
            if value is None:
                if param.required:
                    raise invalid(f"{self.name} needs '{param.name}': {param.doc}", param.name)
                bound[param.name] = param.default
            else:
                bound[param.name] = param.parse(value)
        return bound

    def json_schema(self, dialect: Dialect | None = None) -> dict[str, Any]:
        """The parameters as a JSON Schema object, under the dialect's wire names."""
        properties: dict[str, Any] = {}
        for param in self.params:
            for wire in (dialect or CANONICAL).wire_names(self, param.name):
                properties[wire] = param.json_schema()
        schema: dict[str, Any] = {
            "type": "object",
            "description": self.summary,
            "properties": properties,
            "additionalProperties": False,
        }
        required = [p.name for p in self.params if p.required]
        if required and dialect in (None, CANONICAL):
            schema["required"] = required
        return schema


@dataclass(frozen=True)
class Dialect:
    """How one front names parameters on its wire: ``{command: {wire name: canonical}}``.

    Canonical names are always accepted too. Two wire names for the same parameter in one
    request are refused (it would be unclear which one counts)."""

    name: str
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def wire_names(self, command: Command, canonical: str) -> list[str]:
        extra = [w for w, c in self.aliases.get(command.name, {}).items() if c == canonical]
        return [canonical, *(w for w in extra if w != canonical)]

    def accepted(self, command: Command) -> list[str]:
        return [w for p in command.param_names for w in self.wire_names(command, p)]

    def translate(self, command: Command, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Wire names to canonical names (values untouched; :meth:`Command.bind` types them)."""
        aliases = self.aliases.get(command.name, {})
        out: dict[str, Any] = {}
        given: dict[str, str] = {}
        for wire, value in raw.items():
            canonical = aliases.get(wire, wire)
            if canonical in given and value is not None:
                raise invalid(
                    f"{command.name}: '{given[canonical]}' and '{wire}' name the same thing; "
                    "give one",
                    wire,
                )
            if value is not None:
                given[canonical] = wire
            if canonical not in command.param_names and wire not in aliases:
                canonical = wire  # unknown: bind() names it with the allowed list
            out[canonical] = value if value is not None else out.get(canonical)
        return out

    def bind(self, command: Command, raw: Mapping[str, Any]) -> dict[str, Any]:
        return command.bind(self.translate(command, raw))


CANONICAL = Dialect("canonical")

_AMPS = "amps"
_CONNECTOR = Param(
    "connector_id", "integer", "the connector; an IQ EV Charger has one, id 1", default=1
)
_MODES = tuple(m.value for m in ChargeMode)

CHARGER_COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command(
            "plug_in",
            "charger",
            "Plug a car in: a preset name, an object of parameters, or the default car.",
            (Param("vehicle", "vehicle", "a vehicle preset name or {capacity_kwh, soc, ...}"),),
        ),
        Command("unplug", "charger", "Unplug the car; the session ends."),
        Command(
            "start_charging",
            "charger",
            "Start a session (or change its level) at the given current.",
            (
                Param(_AMPS, "integer", "charging current in amps (the charger's range)"),
                _CONNECTOR,
            ),
        ),
        Command("stop_charging", "charger", "Stop the running session.", (_CONNECTOR,)),
        Command(
            "set_current",
            "charger",
            "Change the charging level without starting or stopping.",
            (Param(_AMPS, "integer", "charging current in amps", required=True),),
        ),
        Command(
            "fault",
            "charger",
            "Fault the charger (it stops delivering power).",
            (Param("code", "string", "the OCPP error code", default="GroundFailure", max_len=64),),
        ),
        Command("clear_fault", "charger", "Clear the fault."),
        Command("car_full", "charger", "The car stops taking power by itself."),
        Command("car_resumes", "charger", "The car takes power again."),
        Command("disconnect", "charger", "The charger loses its link to the cloud."),
        Command("reconnect", "charger", "The charger's link comes back."),
        Command(
            "set_mode",
            "charger",
            "Change the charge mode and, optionally, the schedule slots.",
            (
                Param("mode", "mode", "the charge mode", required=True, choices=_MODES),
                Param("schedule", "schedule", "schedule slots (replace the charger's slots)"),
            ),
        ),
    )
}

GATEWAY_COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("reboot", "gateway", "Reboot the gateway: every session is dropped."),
        Command("revoke_tokens", "gateway", "Every token issued so far stops working."),
        Command(
            "set_firmware",
            "gateway",
            "Report another firmware version in /info.",
            (
                Param(
                    "firmware", "string", "the version, e.g. D8.2.4345", required=True, max_len=32
                ),
            ),
        ),
        Command(
            "set_ev_min_role",
            "gateway",
            "Who may use the EV routes (installer on 7.6.175).",
            (
                Param(
                    "role",
                    "role",
                    "the lowest role the EV routes accept",
                    required=True,
                    choices=tuple(r.label for r in Role if r.label != "anybody"),
                ),
            ),
        ),
    )
}

CHARGER_EVENTS = tuple(CHARGER_COMMANDS)
GATEWAY_EVENTS = tuple(GATEWAY_COMMANDS)

EV_API = Dialect(
    "ev-api",
    {
        "start_charging": {
            "chargingLevel": _AMPS,
            "charging_level": _AMPS,
            "level": _AMPS,
            "connectorId": "connector_id",
        },
        "stop_charging": {"connectorId": "connector_id"},
        "set_current": {"chargingLevel": _AMPS},
    },
)
"""The names of the Enlighten API and the local EV routes (``chargingLevel``,
``connectorId``). Scenario files and the admin API accept them beside the canonical
names, as they always have."""


def _suggest(word: str, choices: Iterable[str]) -> str:
    import difflib  # only a refusal needs it: not loaded at start-up

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def find(name: object, target: Target) -> Command:
    """The command by name, or an InvalidRequest listing the names (with a suggestion)."""
    table = CHARGER_COMMANDS if target == "charger" else GATEWAY_COMMANDS
    if isinstance(name, str) and name in table:
        return table[name]
    what = "event" if target == "charger" else "gateway event"
    hint = _suggest(name, table) if isinstance(name, str) else ""
    raise invalid(f"unknown {what} {name!r}{hint}; one of: {', '.join(table)}", "event")
