"""The running emulator: certificates, the token key, the active scenario and its world.

This is what every front holds. Replacing the scenario builds a new world first and
swaps it in only when that succeeded, so a bad scenario changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .certs import Certificates, prepare
from .control import Control
from .fronts.cloud.reports import Reports
from .fronts.journal import Journal
from .model.accounts import Accounts
from .model.faults import FaultRules
from .model.tokens import TokenAuthority
from .model.world import World
from .scenario.accounts import build_accounts, reporting_interval
from .scenario.build import build_world, wall_minute
from .scenario.templates import Overrides

DEFAULT_SCENARIO = Path(__file__).parent / "scenario" / "default.yaml"


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8443
    certs_dir: Path = Path("certs")
    scenario: Path | None = None
    seed: int | None = None
    admin_token: str | None = None
    clock: str | None = None
    """Overrides the scenario's clock mode (``manual``, ``realtime``, ``scaled``)."""
    default_clock: str = "manual"
    """The clock mode when neither this nor the scenario names one (``serve``: realtime)."""
    extra_names: tuple[str, ...] = ()
    log_requests: bool = True
    mdns: bool = False
    """``serve --mdns``: advertise ``_enphase-envoy._tcp.local.`` (emulator/fronts/mdns.py)."""
    extra: dict[str, Any] = field(default_factory=dict)
    cloud_port: int | None = None
    """The cloud listener's port (``serve --cloud-port``; 0: any free one; None: none)."""


def load_scenario_text(text: str, source: str = "<scenario>") -> dict[str, Any]:
    from .scenario.load import load_scenario

    return load_scenario(text, source)


def _dump(scenario: Mapping[str, Any]) -> str:
    """A scenario given as a mapping, as YAML text (``scenario_text``)."""
    # pyyaml is imported here, not at the top: serve's default scenario comes as text, and
    # the import costs start-up ~15 ms (and 1 MB).
    import yaml

    return yaml.safe_dump(scenario, sort_keys=False)


Rebuilt = tuple[Mapping[str, Any], tuple[World, Overrides, FaultRules]]
"""A scenario and the world, overrides and fault rules built from it."""


class Emulator:
    def __init__(self, settings: Settings, scenario: Mapping[str, Any] | None = None) -> None:
        self.settings = settings
        text = None
        if scenario is None:
            path = settings.scenario or DEFAULT_SCENARIO
            text = Path(path).read_text()
            if Path(path) == DEFAULT_SCENARIO:
                from .scenario.load import load_packaged

                scenario = load_packaged(text, str(path))
            else:
                scenario = load_scenario_text(text, str(path))
        self.scenario: dict[str, Any] = dict(scenario)
        self._scenario_text = text or None
        names = (*settings.extra_names, *self.scenario.get("gateway", {}).get("extra_names", ()))
        self.certs: Certificates = prepare(settings.certs_dir, tuple(names))
        self.authority = TokenAuthority.from_dir(settings.certs_dir)
        self.journal = Journal()
        self.control = Control(self)
        """The operations users drive (admin API, test doubles, dashboard, ctl)."""
        self._world_listeners: list[Callable[[World], None]] = []
        self.default_start = wall_minute()
        """Where the clock starts if the scenario does not pin clock.start: the wall time
        at start-up (a reset goes back to it; a new scenario takes a fresh one)."""
        self.world, self.overrides, self.faults = self._build(self.scenario)
        self.accounts, self.reports = self._cloud(self.scenario, self.world)

    @property
    def scenario_text(self) -> str:
        """The active scenario as the user wrote it (comments kept) when it came as text,
        else as YAML: dumped when first read (``GET /__emulator/scenario``), not at
        start-up, where it cost a big scenario given as a mapping a YAML dump."""
        if self._scenario_text is None:
            self._scenario_text = _dump(self.scenario)
        return self._scenario_text

    def _build(
        self, scenario: Mapping[str, Any], start: float | None = None
    ) -> tuple[World, Overrides, FaultRules]:
        """Everything a scenario makes; raises before anything is swapped in."""
        mode = self.settings.clock
        if mode is None and "mode" not in (scenario.get("clock") or {}):
            mode = self.settings.default_clock
        world = build_world(
            scenario,
            self.authority,
            seed=self.settings.seed,
            clock_mode=mode,
            default_start=self.default_start if start is None else start,
        )
        overrides = Overrides.from_scenario(scenario, world)
        return world, overrides, FaultRules.from_scenario(scenario, world.seed)

    @staticmethod
    def _cloud(scenario: Mapping[str, Any], world: World) -> tuple[Accounts, Reports]:
        """The cloud's view of a world: its accounts and its chargers' last reports."""
        return build_accounts(scenario, world), Reports(reporting_interval(scenario))

    def on_world(self, listener: Callable[[World], None]) -> Callable[[], None]:
        """Call ``listener(world)`` whenever a reset or a scenario load replaces the world
        (live views re-subscribe to the new world's change feed); returns the remover."""
        self._world_listeners.append(listener)
        return lambda: self._world_listeners.remove(listener)

    def _swap(self, built: tuple[World, Overrides, FaultRules]) -> World:
        self.world, self.overrides, self.faults = built
        self.accounts, self.reports = self._cloud(self.scenario, self.world)
        for listener in tuple(self._world_listeners):
            listener(self.world)
        return self.world

    def rebuild(self) -> Rebuilt:
        """The active scenario's start, built aside (touches nothing running, so the admin
        API runs it in a thread and hands it to :meth:`reset` on the event loop)."""
        scenario = self.scenario
        return scenario, self._build(scenario)

    def reset(
        self,
        rebuilt: Rebuilt | None = None,
    ) -> World:
        """Back to the start of the active scenario (tokens stay valid unless revoked).
        A ``rebuilt`` world made before another scenario was loaded is not used."""
        if rebuilt is not None and rebuilt[0] is self.scenario:
            return self._swap(rebuilt[1])
        return self._swap(self._build(self.scenario))

    def prepare(
        self, scenario: Mapping[str, Any]
    ) -> tuple[float, tuple[World, Overrides, FaultRules]]:
        """A scenario's new world, built aside: touches nothing running, so the admin API
        runs it in a thread and then calls :meth:`replace` with it on the event loop."""
        start = wall_minute()
        return start, self._build(scenario, start)

    def replace(
        self,
        scenario: Mapping[str, Any],
        text: str | None = None,
        prepared: tuple[float, tuple[World, Overrides, FaultRules]] | None = None,
    ) -> World:
        start, built = self.prepare(scenario) if prepared is None else prepared
        self.default_start = start
        self.scenario = dict(scenario)
        self._scenario_text = text or None
        return self._swap(built)
