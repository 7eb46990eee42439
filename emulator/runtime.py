"""The running emulator: certificates, the token key, the active scenario and its world.

This is what every front holds. Replacing the scenario builds a new world first and
swaps it in only when that succeeded, so a bad scenario changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .certs import Certificates, prepare
from .model.faults import FaultRules
from .fronts.journal import Journal
from .model.world import World
from .scenario.build import build_world
from .tokens import TokenAuthority

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
    extra: dict[str, Any] = field(default_factory=dict)


def load_scenario_text(text: str, source: str = "<scenario>") -> dict[str, Any]:
    from .scenario.load import load_scenario

    return load_scenario(text, source)


class Emulator:
    def __init__(self, settings: Settings, scenario: Mapping[str, Any] | None = None) -> None:
        self.settings = settings
        text = None
        if scenario is None:
            path = settings.scenario or DEFAULT_SCENARIO
            text = Path(path).read_text()
            scenario = load_scenario_text(text, str(path))
        self.scenario: dict[str, Any] = dict(scenario)
        self.scenario_text = text or yaml.safe_dump(self.scenario, sort_keys=False)
        """The active scenario as the user wrote it (comments kept) when it came as text."""
        names = (*settings.extra_names, *self.scenario.get("gateway", {}).get("extra_names", ()))
        self.certs: Certificates = prepare(settings.certs_dir, tuple(names))
        self.authority = TokenAuthority.from_dir(settings.certs_dir)
        self.journal = Journal()
        self.world: World = self._build(self.scenario)
        self.faults = FaultRules.from_scenario(self.scenario, self.world.seed)

    def _build(self, scenario: Mapping[str, Any]) -> World:
        mode = self.settings.clock
        if mode is None and "mode" not in (scenario.get("clock") or {}):
            mode = self.settings.default_clock
        return build_world(scenario, self.authority, seed=self.settings.seed, clock_mode=mode)

    def reset(self) -> World:
        """Back to the start of the active scenario (tokens already minted stay valid)."""
        self.world = self._build(self.scenario)
        self.faults = FaultRules.from_scenario(self.scenario, self.world.seed)
        return self.world

    def replace(self, scenario: Mapping[str, Any], text: str | None = None) -> World:
        world = self._build(scenario)  # raises before anything changes
        faults = FaultRules.from_scenario(scenario, world.seed)
        self.scenario = dict(scenario)
        self.faults = faults
        self.scenario_text = text or yaml.safe_dump(self.scenario, sort_keys=False)
        self.world = world
        return world
