"""One model, many fronts: the command registry, the read model and the change feed.

Each fact (an event, its parameters, a number's rounding) is written once; these tests
fail when a front drifts from the registry or reads the model past the snapshot.
"""

from __future__ import annotations

import inspect
import json

import pytest

from emulator.model.commands import CHARGER_COMMANDS, EV_API, GATEWAY_COMMANDS
from emulator.model.feed import Change, ChangeFeed, ChangeKind
from emulator.model.world import World
from emulator.scenario.load import load_scenario
from emulator.scenario.runner import run_scenario
from emulator.scenario.timeline import STEP_KEYS
from emulator.scenario.validate import schema
from emulator.testing import Gateway

STATUS = "/ivp/pdm/charger/{sn}/status"


def test_every_registered_command_is_a_world_method_with_the_same_parameters() -> None:
    for table, leading in ((CHARGER_COMMANDS, ["serial"]), (GATEWAY_COMMANDS, [])):
        for name, command in table.items():
            method = getattr(World, name)
            params = list(inspect.signature(method).parameters)[1:]  # without self
            assert params == [*leading, *command.param_names], name


def test_the_scenario_schema_names_exactly_the_registered_events_and_parameters() -> None:
    step = schema()["$defs"]["step"]["properties"]
    assert step["event"]["enum"] == list(CHARGER_COMMANDS)
    assert step["gateway"]["enum"] == list(GATEWAY_COMMANDS)
    wire = {
        name
        for table in (CHARGER_COMMANDS, GATEWAY_COMMANDS)
        for command in table.values()
        for name in EV_API.accepted(command)
    }
    assert set(step) - set(STEP_KEYS) == wire


def test_a_scenario_may_stop_charging_with_connector_id() -> None:
    """Regression: the model took connector_id on stop_charging, the scenario refused it."""
    scenario = load_scenario(
        """
chargers:
  - id: garage
timeline:
  - after: 1m
    charger: garage
    event: plug_in
  - after: 1m
    charger: garage
    event: start_charging
    amps: 16
    connector_id: 1
  - after: 1h
    charger: garage
    event: stop_charging
    connector_id: 1
  - after: 1m
    expect: {charger: garage, state: FINISHING, session_wh: 3680}
""",
        "stop.yaml",
    )
    result = run_scenario(scenario, 3 * 3600)
    assert not result.failed, [s.as_dict() for s in result.failed]
    assert result.delivered_wh("garage") == pytest.approx(3680)


async def test_template_session_cost_equals_the_status_body() -> None:
    """Regression: the status body said 3.68 while {{ session.session_cost }} rendered 0.0."""
    scenario = {
        "site": {"tariff_per_kwh": 0.5},
        "chargers": [
            {
                "id": "garage",
                "overrides": {"metrics": {"cost": "{{ session.session_cost }}"}},
            }
        ],
    }
    async with Gateway.start(scenario) as gw:
        gw.plug_in()
        token = gw.token("installer")
        async with gw.client(token=token) as http:
            started = await http.post(
                f"/ivp/pdm/charger/{gw.sn}/start_charging", json={"chargingLevel": 16}
            )
            assert started.status == 200
            await gw.advance("1h")
            status = await (await http.get(STATUS.format(sn=gw.sn))).json()
            metrics = await (await http.get(f"/ivp/peb/ev_charger/{gw.sn}/metrics")).json()
    cost = status["data"]["chargers"][0]["session_d"]["session_cost"]
    assert cost == pytest.approx(1.84)  # 3.68 kWh at 0.5 a kWh
    assert metrics["cost"] == cost


async def test_every_reader_sees_the_same_numbers() -> None:
    """Status body, admin state, expectation values and templates read one snapshot."""
    from emulator.scenario.timeline import expectation_values

    scenario = {
        "chargers": [
            {"id": "garage", "overrides": {"power": {"w": "{{ charger.power_w }}"}}},
        ]
    }
    async with Gateway.start(scenario) as gw:
        gw.plug_in(car={"capacity_kwh": 40, "soc": 10, "max_kw": 3.3})
        gw.event(None, "start_charging", amps=32)
        await gw.advance("37m13s")
        state = gw.charger()
        view = gw.world.charger_view(gw.sn)
        async with gw.client(token=gw.token("installer")) as http:
            status = await (await http.get(STATUS.format(sn=gw.sn))).json()
            power = await (await http.get(f"/ivp/peb/ev_charger/{gw.sn}/power")).json()
    session = status["data"]["chargers"][0]["session_d"]
    assert session["e_c"] == state["session_wh"] == view.session_wh
    assert power["w"] == state["power_w"] == expectation_values(view)["power_w"] == 3300.0
    assert state["vehicle"]["soc"] == view.soc == expectation_values(view)["soc"]


def test_the_feed_counts_every_change_and_delivers_only_the_kinds_asked_for() -> None:
    """Versions move with every change, listened to or not (caches compare them); a
    subscriber that names kinds gets only those, in order with the others."""
    feed = ChangeFeed()
    feed.notify(ChangeKind.POWER, 1.0, "a", power_w=7.0)  # nobody listens: still counted
    assert (feed.version, feed.charger_version("a"), feed.charger_version("b")) == (1, 1, 0)
    everything: list[Change] = []
    steps: list[Change] = []
    feed.subscribe(everything.append)
    stop = feed.subscribe(steps.append, (ChangeKind.STEP,))
    feed.notify(ChangeKind.POWER, 2.0, "b", power_w=0.0)
    feed.publish(ChangeKind.STEP, 3.0, step={"index": 0})
    assert [(c.seq, c.kind) for c in everything] == [(2, "power"), (3, "step")]
    assert [(c.seq, c.at, dict(c.data)) for c in steps] == [(3, 3.0, {"step": {"index": 0}})]
    assert feed.charger_version("b") == 2
    stop()
    feed.notify(ChangeKind.STEP, 4.0)
    assert len(steps) == 1 and len(everything) == 3 and feed.version == 4


def test_the_change_feed_reports_transitions_sessions_power_and_commands() -> None:
    from emulator.model.charger import ChargerSpec
    from emulator.model.clock import Clock
    from emulator.model.gateway import GatewaySpec
    from emulator.model.tokens import TokenAuthority

    world = World(GatewaySpec(), Clock(rate=0, start=1_780_000_000), TokenAuthority.ephemeral())
    world.add_charger(ChargerSpec("202200000001", "Garage"))
    seen: list[tuple[str, str | None]] = []
    unsubscribe = world.feed.subscribe(lambda c: seen.append((c.kind.value, c.serial)))
    world.plug_in("202200000001")
    world.start_charging("202200000001", amps=16)
    world.advance(60)
    world.reboot()
    unsubscribe()
    world.unplug("202200000001")
    kinds = [k for k, _ in seen]
    assert set(kinds[:2]) == {ChangeKind.SESSION_STARTED, ChangeKind.TRANSITION}
    assert ChangeKind.POWER in kinds and ChangeKind.COMMAND in kinds
    assert kinds[-2:] == [ChangeKind.CLOCK, ChangeKind.GATEWAY]
    assert ChangeKind.SESSION_ENDED not in kinds  # unsubscribed before the unplug
    # the OCPP log is a subscriber too: one StatusNotification per transition
    transitions = sum(1 for h in world.chargers["202200000001"].history)
    assert len(world.ocpp.select(action="StatusNotification")) == transitions


def test_the_read_model_is_json_ready_and_immutable() -> None:
    from dataclasses import FrozenInstanceError

    from emulator.model.charger import ChargerSpec
    from emulator.model.clock import Clock
    from emulator.model.gateway import GatewaySpec
    from emulator.model.tokens import TokenAuthority

    world = World(GatewaySpec(), Clock(rate=0, start=1_780_000_000), TokenAuthority.ephemeral())
    world.add_charger(ChargerSpec("202200000001", "Garage"))
    view = world.view()
    json.dumps(view.as_dict())
    with pytest.raises(FrozenInstanceError):
        view.chargers[0].power_w = 1.0  # type: ignore[misc]


async def test_the_python_api_raises_only_the_emulator_error_tree() -> None:
    import emulator
    from emulator import (
        ClockError,
        Conflict,
        EmulatorError,
        InvalidRequest,
        NotFound,
        ScenarioError,
        ScenarioFileNotFound,
    )

    assert set(emulator.__all__) >= {"EmulatorError", "Gateway", "SyncGateway"}
    with pytest.raises(ScenarioError) as bad:
        await Gateway.start({"chargers": [{"id": "x", "max_amps": 99}]})
    assert "max_amps" in str(bad.value)
    with pytest.raises(ScenarioFileNotFound):
        await Gateway.start("missing-scenario.yaml")
    async with Gateway.start() as gw:
        with pytest.raises(ClockError, match="not a duration"):
            gw.advance("two hours")
        with pytest.raises(NotFound, match="no charger"):
            gw.charger("nope")
        with pytest.raises(Conflict, match="nothing to unplug"):
            gw.unplug()
        with pytest.raises(InvalidRequest, match="unknown event 'teleport'"):
            gw.event(None, "teleport")
        with pytest.raises(InvalidRequest, match="did you mean 'plug_in'"):
            gw.event(None, "plugin")
        with pytest.raises(InvalidRequest, match="role must be one of"):
            gw.token("king")
        for error in (ClockError, NotFound, Conflict, InvalidRequest, ScenarioError):
            assert issubclass(error, EmulatorError)
        with pytest.raises(TypeError):
            gw.set_time([2026])  # type: ignore[arg-type]


def test_the_embedded_default_scenario_is_valid() -> None:
    """serve loads it without the validation passes (start-up time): they run here."""
    from emulator.runtime import DEFAULT_SCENARIO
    from emulator.scenario.load import load_packaged

    text = DEFAULT_SCENARIO.read_text()
    assert load_scenario(text, str(DEFAULT_SCENARIO)) == load_packaged(text, "default")
