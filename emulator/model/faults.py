"""Fault rules from a scenario's ``faults:`` section: which requests they pick, and when.

A rule matches requests by method, a path pattern (:mod:`emulator.patterns`, the language
journal filters use too) and optionally the caller's role, and says what answers instead
of the gateway: a status and body, a delay, a connection reset, or a 429 with
``Retry-After``. A rule can be limited to its first ``times`` matches, to a share of them
(``probability``, drawn from a generator seeded by the scenario seed, so the same requests
get the same answers every run), and to a time window on the emulator's clock
(``from``/``until``).

Rules are part of the world: this module decides and counts, and knows nothing of HTTP.
The fronts' fault middleware (:mod:`emulator.fronts.middleware.faults`) asks
:meth:`FaultRules.pick` after the surface's own auth check and sends the rule's answer.
The admin API under ``/__emulator/`` is never faulted, so a test can always reset or
inspect the emulator. ``Emulator.reset`` builds new rules: counters and draws start again.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..patterns import PathPattern, PatternError, path_pattern
from .clock import ClockError, parse_duration, parse_time
from .errors import ModelError, invalid
from .roles import Role

if TYPE_CHECKING:
    from .world import World

MAX_DELAY_S = 30.0
"""Delays simulate a slow network in real time; longer ones would only stall test suites."""
ADMIN_PREFIX = "/__emulator"
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
RULE_KEYS = {
    "name",
    "method",
    "path",
    "role",
    "status",
    "body",
    "content_type",
    "headers",
    "delay",
    "reset",
    "retry_after",
    "times",
    "probability",
    "from",
    "until",
}
_LOCAL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_DELAY_MS = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*ms\s*$")


def parse_delay(value: object) -> float:
    """``0.2``, ``"200ms"``, ``"1.5s"`` → seconds."""
    if isinstance(value, str):
        match = _DELAY_MS.match(value)
        if match:
            return float(match.group(1)) / 1000
    try:
        return parse_duration(value)  # type: ignore[arg-type]
    except ClockError as exc:
        raise invalid(f"delay: {exc} (e.g. 200ms, 1.5s)", "delay") from None


@dataclass(frozen=True)
class WindowEdge:
    """A bound of a rule's time window: a daily local time, or an instant (absolute, or
    relative to the scenario clock's start)."""

    kind: str  # "daily", "absolute" or "relative"
    value: float  # seconds after local midnight / epoch seconds / seconds after the start

    @classmethod
    def parse(cls, raw: object, name: str) -> WindowEdge:
        text = str(raw).strip()
        match = _LOCAL.match(text)
        if match:
            seconds = int(match.group(1)) * 3600 + int(match.group(2)) * 60
            return cls("daily", seconds + int(match.group(3) or 0))
        try:
            if text.startswith("+"):
                return cls("relative", parse_duration(text[1:]))
            return cls("absolute", parse_time(text))
        except ClockError:
            raise invalid(
                f"{name} must be a daily local time 'HH:MM', an ISO time like "
                f"2026-06-01T18:00:00Z, or '+DURATION' after the clock start (e.g. +10m); "
                f"got {raw!r}",
                name,
            ) from None

    def instant(self, world: World) -> float:
        return self.value + (world.started_at if self.kind == "relative" else 0.0)


@dataclass
class Rule:
    index: int
    name: str
    methods: frozenset[str] | None
    path: str
    roles: frozenset[str] | None
    status: int | None
    body: Any
    content_type: str | None
    headers: dict[str, str]
    delay_s: float
    reset: bool
    retry_after: int | None
    times: int | None
    probability: float | None
    start: WindowEdge | None
    end: WindowEdge | None
    pattern: PathPattern = field(repr=False)
    rng: random.Random = field(repr=False, default_factory=random.Random)
    fired: int = 0
    seen: int = 0

    @classmethod
    def parse(cls, index: int, raw: Mapping[str, Any], seed: int) -> Rule:
        """A rule from its scenario mapping; a ModelError names the bad field."""
        if not isinstance(raw, Mapping):
            raise invalid(f"faults[{index}] must be a mapping")
        unknown = sorted(set(raw) - RULE_KEYS)
        if unknown:
            raise invalid(f"unknown key '{unknown[0]}' in a fault rule", unknown[0])
        path = raw.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise invalid(
                "'path' is required: a pattern starting with '/', e.g. /ivp/pdm/*", "path"
            )
        if path.startswith(ADMIN_PREFIX):
            raise invalid(
                f"the admin API ({ADMIN_PREFIX}/...) cannot be faulted: tests need it to "
                "reset and inspect the emulator",
                "path",
            )
        try:
            pattern = path_pattern(path)
        except PatternError as exc:
            raise invalid(f"'path': {exc}", "path") from None
        methods = _names(raw.get("method"), "method", upper=True)
        if methods is not None:
            bad = sorted(m for m in methods if m not in (*METHODS, "*"))
            if bad:
                raise invalid(f"unknown method {bad[0]!r}; one of {', '.join(METHODS)}", "method")
            if "*" in methods:
                methods = None
        roles = _names(raw.get("role"), "role", upper=False)
        if roles is not None:
            for role in roles:
                try:
                    Role.parse(role)
                except ValueError as exc:
                    raise invalid(str(exc), "role") from None
        reset = raw.get("reset", False) is True
        status = raw.get("status")
        retry_after = raw.get("retry_after")
        if reset:
            clash = [k for k in ("status", "body", "retry_after", "headers") if k in raw]
            if clash:
                raise invalid(
                    f"'reset' closes the connection without an answer, so '{clash[0]}' "
                    "cannot be sent; remove one of them",
                    clash[0],
                )
        if retry_after is not None and status is None:
            status = 429
        if status is None and "body" in raw:
            status = 200
        delay = parse_delay(raw["delay"]) if "delay" in raw else 0.0
        if delay > MAX_DELAY_S:
            raise invalid(
                f"delay {delay:g} s is above the {MAX_DELAY_S:g} s limit (a delay holds a "
                "real connection open; use a time window on the emulator clock for longer "
                "outages)",
                "delay",
            )
        if not reset and status is None and delay == 0:
            raise invalid(
                "this rule does nothing: give it a status (and body), a delay, reset: true "
                "or retry_after",
                "status",
            )
        start = WindowEdge.parse(raw["from"], "from") if "from" in raw else None
        end = WindowEdge.parse(raw["until"], "until") if "until" in raw else None
        if start and end:
            if (start.kind == "daily") != (end.kind == "daily"):
                raise invalid(
                    "'from' and 'until' must both be daily times (HH:MM) or both instants "
                    "(ISO or +DURATION)",
                    "until",
                )
            if start.kind == end.kind != "daily" and end.value <= start.value:
                raise invalid("'until' must be after 'from'", "until")
        headers = {str(k): str(v) for k, v in (raw.get("headers") or {}).items()}
        if retry_after is not None:
            headers.setdefault("Retry-After", str(retry_after))
        name = str(raw.get("name") or f"faults[{index}]")
        return cls(
            index=index,
            name=name,
            methods=methods,
            path=path,
            roles=roles,
            status=status,
            body=raw.get("body"),
            content_type=raw.get("content_type"),
            headers=headers,
            delay_s=delay,
            reset=reset,
            retry_after=retry_after,
            times=raw.get("times"),
            probability=raw.get("probability"),
            start=start,
            end=end,
            pattern=pattern,
            rng=random.Random(f"{seed}:fault:{index}"),
        )

    # -- deciding ---------------------------------------------------------------------

    def matches(self, method: str, path: str, role: Role) -> bool:
        if self.methods is not None and method.upper() not in self.methods:
            return False
        if self.roles is not None and role.label not in self.roles:
            return False
        return self.pattern.match(path)

    def in_window(self, world: World) -> bool:
        if self.start is None and self.end is None:
            return True
        t = world.model_t
        edge = self.start or self.end
        assert edge is not None
        if edge.kind == "daily":
            local = datetime.fromtimestamp(t, world.tz)
            now = local.hour * 3600 + local.minute * 60 + local.second
            low = self.start.value if self.start else 0.0
            high = self.end.value if self.end else 86400.0
            return low <= now < high if low <= high else (now >= low or now < high)
        low = self.start.instant(world) if self.start else float("-inf")
        high = self.end.instant(world) if self.end else float("inf")
        return low <= t < high

    def fires(self, world: World) -> bool:
        """Called for a matching request: counts it and decides (and draws) once."""
        if self.times is not None and self.fired >= self.times:
            return False
        if not self.in_window(world):
            return False
        self.seen += 1
        if self.probability is not None and self.rng.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "fired": self.fired, "matched": self.seen}


def _names(raw: object, name: str, *, upper: bool) -> frozenset[str] | None:
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    names = [i for i in items if isinstance(i, str) and i]
    if not items or len(names) != len(items):
        raise invalid(f"'{name}' must be a name or a list of names", name)
    return frozenset(i.upper() if upper else i.lower() for i in names)


class FaultRules:
    """Decides, per request, whether a scenario rule answers instead of the gateway."""

    def __init__(self, rules: list[Rule] | None = None) -> None:
        self.rules = list(rules or [])

    @classmethod
    def from_scenario(cls, scenario: Mapping[str, Any], seed: int) -> FaultRules:
        rules = []
        for index, raw in enumerate(scenario.get("faults") or []):
            try:
                rules.append(Rule.parse(index, raw, seed))
            except ModelError as exc:
                raise invalid(f"faults[{index}]: {exc.message}", exc.field) from None
        return cls(rules)

    def pick(self, method: str, path: str, role: Role, world: World) -> Rule | None:
        """The first rule that fires for this request (counting it), or None."""
        if path.startswith(ADMIN_PREFIX + "/") or path == ADMIN_PREFIX:
            return None
        for rule in self.rules:
            if rule.matches(method, path, role) and rule.fires(world):
                return rule
        return None
