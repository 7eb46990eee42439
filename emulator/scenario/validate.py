"""Checking a scenario before anything runs, with every problem's line and column.

Three passes, each reporting everything it finds:

1. **structure** against the published JSON Schema (emulator/schema/scenario.json, served
   at ``GET /__emulator/scenario/schema``): unknown keys, wrong types, values out of range;
2. **meaning**, in Python: references (charger ids, breakers, vehicle presets), min <= max,
   slots, time zone, time order of the timeline, fault rules, override templates;
3. a **dry run**, only when 1 and 2 found nothing: the world is built and the timeline run
   on a manual clock, so a step the model would refuse (``start_charging`` before any car
   is plugged in) is reported at its line instead of failing later.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ..model.clock import ClockError, parse_time
from ..model.commands import CHARGER_COMMANDS, GATEWAY_COMMANDS
from ..model.errors import ModelError
from ..model.faults import Rule
from ..model.schedule import slot_from_payload
from ..model.tokens import TokenAuthority
from .build import DEFAULT_START, build_world
from .errors import BuildError, Problem
from .source import Document, Path, describe_path
from .templates import PER_CHARGER_ROUTES, SITE_ROUTES, check_name, placeholders
from .timeline import (
    CHARGER_EVENT_PARAMS,
    GATEWAY_EVENT_PARAMS,
    SCENARIO_NAMES,
    STEP_KEYS,
    StepTimeError,
    step_times,
    timeline_log,
)

DRY_RUN_DAYS = 31
"""The dry run follows the model this far past the clock start; later steps are checked
for structure and meaning only (docs/limits.md)."""
if TYPE_CHECKING:  # jsonschema is imported when a file is validated, not at start-up
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_FILE = FilePath(__file__).resolve().parent.parent / "schema" / "scenario.json"
HARDWARE_DEFAULTS = {"min_amps": 6, "max_amps": 32, "breaker_rating": 40}
TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


@functools.cache
def schema() -> dict[str, Any]:
    """The scenario format as JSON Schema (draft 2020-12)."""
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text())
    return loaded


@functools.cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value!r}"
    return repr(value)


def _suggest(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


class Checker:
    def __init__(self, doc: Document, source: str) -> None:
        self.doc = doc
        self.data: dict[str, Any] = doc.data
        self.source = source
        self.problems: list[Problem] = []
        self._flagged: set[Path] = set()
        """Every flagged path and all its prefixes: :meth:`clean` is one look-up."""
        self.sorted_refs: tuple[str, ...] = ()

    # -- recording ------------------------------------------------------------------------

    def add(self, path: Path, message: str, *, key: bool = False, prefix: bool = True) -> None:
        """Record a problem at ``path`` (at its key with ``key``). Unless the message already
        names its place, it is prefixed with the path (the parent's, for a key)."""
        mark = self.doc.mark(path, key=key)
        place = tuple(path[:-1] if key else path)
        if prefix and place and not message.startswith(describe_path(path[:1])):
            message = f"{describe_path(place)}: {message}"
        self.problems.append(
            Problem(self.source, mark.line, mark.column, describe_path(path), message)
        )
        flagged = tuple(path)
        for end in range(len(flagged) + 1):
            self._flagged.add(flagged[:end])

    def note(self, path: Path, message: str, *, key: bool = False) -> None:
        """Record a problem whose message already says where (the schema's)."""
        self.add(path, message, key=key, prefix=False)

    def clean(self, path: Path) -> bool:
        """No problem was reported at or under ``path`` (its parts can be checked further)."""
        return tuple(path) not in self._flagged

    def run(self) -> list[Problem]:
        for path, _mark in self.doc.duplicates:
            self.note(path, f"'{path[-1]}' is given twice; the second would win", key=True)
        for error in _validator().iter_errors(self.data):
            self.schema_error(error)
        self.semantics()
        if not self.problems:
            self.dry_run()
        unique = {(p.line, p.column, p.message): p for p in self.problems}
        return sorted(unique.values(), key=lambda p: (p.line, p.column, p.message))

    # -- pass 1: the schema -------------------------------------------------------------

    def schema_error(self, error: ValidationError, outer_hint: str | None = None) -> None:
        path: Path = tuple(error.absolute_path)
        where = describe_path(path)
        keyword = error.validator
        rule = error.schema if isinstance(error.schema, dict) else {}
        value: Any = error.instance
        expected: Any = error.validator_value
        hint = rule.get("x-error")
        if hint is None and not error.relative_path:
            hint = outer_hint  # an alternative of an anyOf failed on the value itself
        if keyword in ("anyOf", "oneOf"):
            branch = self._branch(error)
            if branch is not None:
                for sub in branch:
                    self.schema_error(sub, hint)
                return
            self.note(path, f"{where} must be {hint or 'something else'}, got {_kind(value)}")
        elif keyword == "additionalProperties":
            allowed = list(rule.get("properties", {}))
            patterns = list(rule.get("patternProperties", {}))
            for name in value:
                if name in allowed or any(
                    p == "^x-" and str(name).startswith("x-") for p in patterns
                ):
                    continue
                listing = _suggest(name, allowed) or f"; allowed: {', '.join(allowed)}"
                self.note((*path, name), f"unknown key '{name}' in {where}{listing}", key=True)
        elif keyword == "required":
            for name in expected:
                if isinstance(value, dict) and name not in value:
                    self.note(path, f"{where}: '{name}' is required")
        elif "propertyNames" in error.schema_path:
            name = value
            parent = path
            if keyword == "enum":
                choices = [str(c) for c in expected]
                self.note(
                    (*parent, name),
                    f"unknown route '{name}' in {describe_path(parent)}{_suggest(name, choices)}"
                    f" (routes: {', '.join(choices)})",
                    key=True,
                )
            else:
                self.note(
                    (*parent, name),
                    f"'{name}' in {describe_path(parent)} must be a name of letters, digits, "
                    "'_', '.' or '-' (at most 64)",
                    key=True,
                )
        elif keyword == "type":
            wanted = expected
            names = [wanted] if isinstance(wanted, str) else list(wanted)
            expected = hint or " or ".join(TYPE_NAMES.get(n, n) for n in names)
            self.note(path, f"{where} must be {expected}, got {_kind(value)}")
        elif keyword == "enum":
            choices = [str(c) for c in expected]
            self.note(
                path,
                f"{where} must be one of {', '.join(choices)}, got {_kind(value)}"
                f"{_suggest(value, choices)}",
            )
        elif keyword in ("pattern", "const"):
            self.note(path, f"{where} must be {hint or 'valid'}, got {_kind(value)}")
        elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            sign = {
                "minimum": ">=",
                "maximum": "<=",
                "exclusiveMinimum": ">",
                "exclusiveMaximum": "<",
            }[keyword]
            self.note(path, f"{where} must be {sign} {expected}, got {value}")
        elif keyword == "minLength":
            self.note(path, f"{where} must not be empty")
        elif keyword == "maxLength":
            self.note(path, f"{where} is too long (at most {expected} characters)")
        elif keyword == "minItems":
            self.note(path, f"{where} needs at least {expected} item(s), got {len(value)}")
        elif keyword == "maxItems":
            self.note(path, f"{where} takes at most {expected} items, got {len(value)}")
        elif keyword == "minProperties":
            self.note(path, f"{where} must not be empty (give min and/or max)")
        else:  # a keyword added to the schema later: jsonschema's own words
            self.note(path, f"{where}: {error.message}")

    @staticmethod
    def _branch(error: ValidationError) -> list[ValidationError] | None:
        """For anyOf/oneOf: the errors of the one alternative whose type fits the value."""
        by_branch: dict[int, list[ValidationError]] = {}
        for sub in error.context or []:
            by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
        fitting = [
            errors
            for errors in by_branch.values()
            if not any(
                not e.relative_path and e.validator in ("type", "const", "enum") for e in errors
            )
        ]
        return fitting[0] if len(fitting) == 1 else None

    # -- pass 2: meaning ----------------------------------------------------------------

    def semantics(self) -> None:
        data = self.data
        self.tz = ZoneInfo("UTC")
        self.gateway(_map(data.get("gateway")))
        self.clock(_map(data.get("clock")))
        self.breakers = self.site(_map(data.get("site")))
        self.presets = set(_map(data.get("vehicles")))
        self.solar(_map(data.get("solar")))
        self.site_energy(_map(data.get("site")), _map(data.get("solar")))
        self.ranges: dict[str, tuple[int, int]] = {}
        # Past its schema limit (already reported) a list is checked no further: the
        # checks' cost stays bounded by the documented limits.
        self.chargers(_bounded(data.get("chargers"), "chargers"))
        self.overrides(("overrides",), _map(data.get("overrides")), per_charger=None)
        self.timeline(_bounded(data.get("timeline"), "timeline"))
        self.faults(_bounded(data.get("faults"), "faults"))
        self.accounts(_map(data.get("accounts")))

    def gateway(self, gw: Mapping[str, Any]) -> None:
        zone = gw.get("time_zone")
        if isinstance(zone, str) and zone:
            try:
                self.tz = ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                self.add(
                    ("gateway", "time_zone"),
                    f"unknown time zone {zone!r}{_suggest(zone, available_timezones())} "
                    "(an IANA name such as Europe/Paris or America/New_York)",
                )

    def clock(self, clock: Mapping[str, Any]) -> None:
        self.start: float | None = None
        start = clock.get("start")
        if isinstance(start, str) and self.clean(("clock", "start")):
            try:
                self.start = parse_time(start)
            except ClockError as exc:
                self.add(("clock", "start"), f"clock.start: {exc}")
        if "rate" in clock and clock.get("mode") != "scaled":
            self.add(("clock", "rate"), "clock.rate only applies to mode: scaled", key=True)

    def site(self, site: Mapping[str, Any]) -> dict[str, int]:
        breakers: dict[str, int] = {}
        for index, breaker in enumerate(_list(site.get("breakers"))):
            if not isinstance(breaker, Mapping) or not isinstance(breaker.get("name"), str):
                continue
            name = breaker["name"]
            if name in breakers:
                self.add(("site", "breakers", index, "name"), f"breaker '{name}' is defined twice")
            limit = breaker.get("limit_amps")
            breakers[name] = limit if isinstance(limit, int) else 0
        return breakers

    def solar(self, solar: Mapping[str, Any]) -> None:
        sun = [k for k in ("peak_kw", "sunrise", "sunset") if k in solar]
        if "hourly_kw" in solar and sun:
            self.add(
                ("solar", sun[0]),
                f"solar: give hourly_kw or peak_kw with sunrise/sunset, not both ({sun[0]})",
                key=True,
            )
        rise, set_ = solar.get("sunrise", "06:00"), solar.get("sunset", "20:00")
        if (
            self.clean(("solar", "sunrise"))
            and self.clean(("solar", "sunset"))
            and isinstance(rise, str)
            and isinstance(set_, str)
            and rise >= set_
        ):
            self.add(("solar", "sunset"), f"solar.sunset ({set_}) must be after sunrise ({rise})")

    def site_energy(self, site: Mapping[str, Any], solar: Mapping[str, Any]) -> None:
        """The site's metering, load and counters as the model takes them; a load CSV is
        read (next to the scenario file) and its path made absolute for the build."""
        if not {"metering", "house_load", "lifetime"} & site.keys():
            return
        from .site_energy import csv_path, metering, read_csv_load, site_energy

        load = site.get("house_load")
        if isinstance(load, dict) and self.clean(("site", "house_load")):
            given = [k for k in ("watts", "hourly_w", "csv") if k in load]
            if len(given) != 1:
                which = f" (not {' and '.join(given)})" if given else ""
                self.add(("site", "house_load"), f"give one of watts, hourly_w or csv{which}")
            elif isinstance(load.get("csv"), str):
                path = csv_path(load["csv"], _base_dir(self.source))
                try:
                    read_csv_load(path)
                except ModelError as exc:
                    self.add(("site", "house_load", "csv"), exc.message)
                else:
                    load["csv"] = str(path.resolve())
            if "house_load_kw" in solar:
                self.add(
                    ("solar", "house_load_kw"),
                    "the house load is given twice: keep site.house_load, drop solar.house_load_kw",
                    key=True,
                )
        meters = site.get("metering")
        if isinstance(meters, Mapping) and self.clean(("site", "metering")):
            try:
                metering(meters)
            except ModelError as exc:
                key = exc.field if exc.field in meters else None
                self.add(("site", "metering", *((key,) if key else ())), exc.message)
        if isinstance(site.get("lifetime"), Mapping) and self.clean(("site", "lifetime")):
            try:
                site_energy({"lifetime": site["lifetime"]}, self.tz)
            except ModelError as exc:
                self.add(("site", "lifetime"), exc.message)

    def chargers(self, chargers: list[Any]) -> None:
        self.ids: dict[str, int] = {}
        serials: dict[str, int] = {}
        self.refs: set[str] = set()
        for raw in chargers:
            if isinstance(raw, Mapping):
                self.refs.update(v for k in ("id", "serial") if isinstance(v := raw.get(k), str))
        self.sorted_refs = tuple(sorted(self.refs))
        for index, raw in enumerate(chargers):
            if not isinstance(raw, Mapping):
                continue
            here: Path = ("chargers", index)
            nested = _map(raw.get("hardware"))
            for name in nested:
                if name in raw:
                    self.add(
                        (*here, "hardware", name),
                        f"{name} is given both on the charger and under hardware; keep one",
                        key=True,
                    )
            hw = {**nested, **raw}
            serial, alias = raw.get("serial"), raw.get("id")
            if isinstance(serial, str):
                if serial in serials:
                    self.add((*here, "serial"), f"two chargers have the serial {serial}")
                serials[serial] = index
            if isinstance(alias, str):
                if alias in self.ids:
                    self.add((*here, "id"), f"two chargers have the id '{alias}'")
                self.ids[alias] = index
            low = hw.get("min_amps", 6)
            high = hw.get("max_amps", 32)
            low = low if isinstance(low, int) else 6
            high = high if isinstance(high, int) else 32
            amps_ok = all(self.clean(self._hw_path(here, raw, k)) for k in ("min_amps", "max_amps"))
            self.ranges[str(alias or serial or index)] = (low, high)
            if isinstance(serial, str) and serial != alias:
                self.ranges[serial] = (low, high)
            amps_key = "min_amps" if "min_amps" in hw else "max_amps"
            if low > high and amps_ok:
                self.add(
                    self._hw_path(here, raw, amps_key),
                    f"{low} A is above max_amps ({high} A)"
                    if amps_key == "min_amps"
                    else f"{high} A is below min_amps (default {low} A)",
                )
            rating = hw.get("breaker_rating", 40)
            rating_ok = self.clean(self._hw_path(here, raw, "breaker_rating"))
            if isinstance(rating, int) and rating < high and amps_ok and rating_ok:
                key = "breaker_rating" if "breaker_rating" in hw else "max_amps"
                self.add(
                    self._hw_path(here, raw, key),
                    f"{rating} A is below max_amps ({high} A); a breaker must carry it"
                    if key == "breaker_rating"
                    else f"{high} A needs breaker_rating >= {high} (the default is {rating} A)",
                )
            level = raw.get("charging_level")
            if isinstance(level, int) and not low <= level <= high and low <= high and amps_ok:
                self.add(
                    (*here, "charging_level"),
                    f"{level} A is outside this charger's range [{low}-{high}] A",
                )
            breaker = raw.get("breaker")
            if isinstance(breaker, str):
                if breaker not in self.breakers:
                    defined = ", ".join(self.breakers) or "none: add site.breakers"
                    self.add(
                        (*here, "breaker"),
                        f"'{breaker}' is not defined under site.breakers"
                        f"{_suggest(breaker, self.breakers)} (defined: {defined})",
                    )
                elif 0 < self.breakers[breaker] < low:
                    self.add(
                        (*here, "breaker"),
                        f"'{breaker}' allows {self.breakers[breaker]} A, below this "
                        f"charger's min_amps ({low} A): it could never charge",
                    )
            car = raw.get("plugged_in")
            self.vehicle_ref((*here, "plugged_in"), car)
            if raw.get("charging") is True and (car is None or car is False):
                self.add((*here, "charging"), "needs a car: add plugged_in")
            for i, slot in enumerate(_list(raw.get("schedule"))):
                self.slot((*here, "schedule", i), slot, i, low, high)
            self.overrides((*here, "overrides"), _map(raw.get("overrides")), per_charger=True)
        for alias, index in self.ids.items():
            other = serials.get(alias)
            if other is not None and other != index:
                self.add(
                    ("chargers", index, "id"),
                    f"id '{alias}' is the serial of chargers[{other}]; ids must not be "
                    "another charger's serial",
                )

    @staticmethod
    def _hw_path(here: Path, raw: Mapping[str, Any], key: str) -> Path:
        return (*here, key) if key in raw else (*here, "hardware", key)

    def vehicle_ref(self, path: Path, car: Any) -> None:
        if isinstance(car, str) and car not in self.presets:
            known = ", ".join(sorted(self.presets)) or "none: define them under vehicles"
            self.add(
                path,
                f"unknown vehicle preset '{car}'{_suggest(car, self.presets)} (known: {known})",
            )

    def slot(self, path: Path, slot: Any, index: int, low: int, high: int) -> None:
        if not self.clean(path):
            return
        try:
            slot_from_payload(slot, index, low, high)
        except ModelError as exc:
            field = (exc.field or "").rpartition(".")[2]
            target = (*path, field) if isinstance(slot, dict) and field in slot else path
            self.add(target, f"{describe_path(path[:-2])}.{exc.message}")

    def overrides(self, path: Path, overrides: Mapping[str, Any], per_charger: bool | None) -> None:
        refs = self.sorted_refs
        for route, value in overrides.items():
            if route in SITE_ROUTES and per_charger:
                self.add(
                    (*path, route),
                    f"'{route}' is a site-wide route: override it under the top-level "
                    "overrides:, not on a charger",
                    key=True,
                )
                continue
            charger_scope = route in PER_CHARGER_ROUTES
            for where, name in placeholders(value):
                problem = check_name(name, per_charger=charger_scope, charger_ids=refs)
                if problem:
                    self.add((*path, route, *where), f"{describe_path((*path, route))}: {problem}")

    def timeline(self, steps: list[Any]) -> None:
        refs = self.refs
        for index, step in enumerate(steps):
            if not isinstance(step, Mapping):
                continue
            here: Path = ("timeline", index)
            actions = [k for k in ("event", "gateway", "expect") if k in step]
            if len(actions) > 1:
                self.add(
                    (*here, actions[1]),
                    f"a step does one thing, this one has {' and '.join(actions)}: split it",
                    key=True,
                )
            if "at" in step and "after" in step:
                self.add((*here, "after"), "give 'at' or 'after', not both", key=True)
            at = step.get("at")
            iso_at = isinstance(at, str) and "-" in at
            if iso_at and self.start is None and self.clean(("clock", "start")):
                self.add(
                    (*here, "at"),
                    "an ISO time in the timeline needs clock.start (steps are placed "
                    "relative to the start); or use 'HH:MM' or 'after:'",
                )
            charger = step.get("charger")
            if "event" in step and "charger" not in step:
                self.add(here, f"timeline[{index}]: event '{step['event']}' needs charger: ID")
            if isinstance(charger, str) and charger not in refs:
                self.add(
                    (*here, "charger"),
                    f"no charger with id or serial '{charger}'{_suggest(charger, refs)} "
                    f"(chargers: {', '.join(sorted(refs)) or 'none defined'})",
                )
            if "charger" in step and not actions:
                self.add((*here, "charger"), "charger is given but the step has no event", key=True)
            elif "charger" in step and "event" not in step:
                self.add(
                    (*here, "charger"),
                    f"charger does not apply to {'an' if actions[0] == 'expect' else 'a'} "
                    f"{actions[0]} step"
                    + (" (write expect: {charger: ...})" if actions[0] == "expect" else ""),
                    key=True,
                )
            self.step_params(here, step, charger if isinstance(charger, str) else None)
            expect = step.get("expect")
            if isinstance(expect, Mapping):
                who = expect.get("charger")
                if isinstance(who, str) and who not in refs:
                    self.add(
                        (*here, "expect", "charger"),
                        f"no charger with id or serial '{who}'{_suggest(who, refs)}",
                    )
        start = self.start if self.start is not None else parse_time(DEFAULT_START)
        timed = [
            s
            if isinstance(s, Mapping)
            and self.clean(("timeline", i, "at"))
            and self.clean(("timeline", i, "after"))
            else {}
            for i, s in enumerate(steps)
        ]
        errors: list[StepTimeError] = []
        step_times(timed, start, self.tz, errors)
        for exc in errors:
            self.add(("timeline", exc.index, exc.key), f"timeline[{exc.index}].{exc.key}: {exc}")

    def step_params(self, here: Path, step: Mapping[str, Any], charger: str | None) -> None:
        params = [k for k in step if k not in STEP_KEYS]
        event, gateway = step.get("event"), step.get("gateway")
        if isinstance(event, str) and event in CHARGER_EVENT_PARAMS:
            allowed, what = CHARGER_EVENT_PARAMS[event], event
        elif isinstance(gateway, str) and gateway in GATEWAY_EVENT_PARAMS:
            allowed, what = GATEWAY_EVENT_PARAMS[gateway], f"gateway {gateway}"
        elif "event" in step or "gateway" in step:
            return  # the schema reported the unknown event
        else:
            allowed, what = frozenset(), "a step without an event"
        for name in params:
            if name not in allowed:
                takes = f"it takes {', '.join(sorted(allowed))}" if allowed else "it takes none"
                self.add((*here, name), f"'{name}' does not apply to {what} ({takes})", key=True)
        command = CHARGER_COMMANDS.get(event) if isinstance(event, str) else None
        if command is None and isinstance(gateway, str):
            command = GATEWAY_COMMANDS.get(gateway)
        if command is None:
            return
        for param in command.params:
            names = SCENARIO_NAMES.wire_names(command, param.name)
            if param.required and not any(n in step for n in names):
                self.add(here, f"{what} needs {param.name}: {param.doc}")
        low, high = self.ranges.get(charger or "", (6, 32))
        if event == "plug_in":
            self.vehicle_ref((*here, "vehicle"), step.get("vehicle"))
        if command.name in ("start_charging", "set_current"):
            for key in SCENARIO_NAMES.wire_names(command, "amps"):
                amps = step.get(key)
                if isinstance(amps, int) and not low <= amps <= high:
                    self.add(
                        (*here, key),
                        f"{key} {amps} A is outside charger '{charger}''s range [{low}-{high}] A",
                    )
        if event == "set_mode":
            for i, slot in enumerate(_list(step.get("schedule"))):
                self.slot((*here, "schedule", i), slot, i, low, high)

    def faults(self, rules: list[Any]) -> None:
        for index, raw in enumerate(rules):
            here: Path = ("faults", index)
            if not isinstance(raw, Mapping) or not self.clean(here):
                continue
            try:
                Rule.parse(index, raw, 0)
            except ModelError as exc:
                target = (*here, exc.field) if exc.field is not None and exc.field in raw else here
                self.add(target, f"faults[{index}]: {exc.message}")

    def accounts(self, section: Mapping[str, Any]) -> None:
        """Cloud accounts: one per email, case-insensitively (see scenario/accounts.py)."""
        seen: set[str] = set()
        for index, raw in enumerate(_list(section.get("users"))):
            here: Path = ("accounts", "users", index, "email")
            if not isinstance(raw, Mapping) or not isinstance(raw.get("email"), str):
                continue
            email = raw["email"].strip().lower()
            if email in seen and self.clean(here):
                self.add(here, f"two accounts share the email {email!r}")
            seen.add(email)

    # -- pass 3: a dry run ----------------------------------------------------------------

    def dry_run(self) -> None:
        try:
            start = parse_time(DEFAULT_START)  # a verdict must not depend on the day
            world = build_world(self.data, _authority(), clock_mode="manual", default_start=start)
        except BuildError as exc:
            self.add(exc.path, f"{describe_path(exc.path)}: {exc.message}")
            return
        except ModelError as exc:  # a refusal the checks above did not foresee
            self.add((), f"the scenario cannot be built: {exc.message}")
            return
        log = timeline_log(world)
        if log.steps:
            horizon = world.started_at + DRY_RUN_DAYS * 86400.0
            world.sync(until=min(max(s.time for s in log.steps), horizon))
        for record in log.steps:
            if record.status == "failed":
                self.add(
                    ("timeline", record.index),
                    f"timeline[{record.index}] ({record.label}) would be refused: {record.message}",
                )


@functools.cache
def _authority() -> TokenAuthority:
    return TokenAuthority.ephemeral()


def _base_dir(source: str) -> FilePath | None:
    """The scenario file's folder, when the source names a file."""
    path = FilePath(source)
    return path.parent if path.is_file() else None


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _bounded(value: Any, section: str) -> list[Any]:
    """The section's list cut at its schema ``maxItems`` (past it the schema complained)."""
    limit = schema()["properties"][section].get("maxItems")
    items = _list(value)
    return items[:limit] if isinstance(limit, int) else items


def check(doc: Document, source: str) -> list[Problem]:
    """Every problem of a parsed scenario, in file order (empty: it can run)."""
    if doc.data is None:
        doc.data = {}
    if not isinstance(doc.data, dict):
        mark = doc.mark(())
        return [
            Problem(
                source,
                mark.line,
                mark.column,
                describe_path(()),
                f"a scenario is a mapping of sections (gateway:, chargers:, ...), "
                f"not {_kind(doc.data)}",
            )
        ]
    return Checker(doc, source).run()
