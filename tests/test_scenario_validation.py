"""Issue 4: broken scenario files, each with its message, line and column."""

from __future__ import annotations

import textwrap

import pytest

from emulator.scenario.errors import ScenarioError
from emulator.scenario.load import load_scenario

CHARGER = """\
chargers:
  - id: garage
    max_amps: 16
"""

# (name, file text, expected message fragment, line, column or None)
BROKEN: list[tuple[str, str, str, int, int | None]] = [
    (
        "yaml syntax",
        "chargers:\n  - id: a\n    max_amps: [16\n",
        "not valid YAML",
        4,
        None,
    ),
    ("top level is a list", "- a\n- b\n", "a scenario is a mapping of sections", 1, 1),
    (
        "unknown top-level key",
        "seed: 1\nchargerz: []\n",
        "unknown key 'chargerz' in (top level); did you mean 'chargers'?",
        2,
        1,
    ),
    ("wrong type", "seed: many\n", "seed must be a whole number, got the string 'many'", 1, 7),
    (
        "min above max",
        "chargers:\n  - id: a\n    min_amps: 16\n    max_amps: 10\n",
        "chargers[0].min_amps: 16 A is above max_amps (10 A)",
        3,
        15,
    ),
    (
        "step for an undefined charger",
        CHARGER + "timeline:\n  - at: '18:00'\n    charger: garag\n    event: plug_in\n",
        "no charger with id or serial 'garag'; did you mean 'garage'?",
        6,
        14,
    ),
    (
        "unknown vehicle preset on a charger",
        "vehicles:\n  family: {soc: 20}\nchargers:\n  - id: a\n    plugged_in: famly\n",
        "unknown vehicle preset 'famly'; did you mean 'family'? (known: family)",
        5,
        17,
    ),
    (
        "unknown vehicle preset in the timeline",
        CHARGER + "timeline:\n  - charger: garage\n    event: plug_in\n    vehicle: tesla\n",
        "unknown vehicle preset 'tesla' (known: none: define them under vehicles)",
        7,
        14,
    ),
    (
        "times going backwards",
        'clock: {start: "2026-06-01T12:00:00Z"}\n'
        + CHARGER
        + "timeline:\n"
        + "  - {at: '2026-06-01T18:00:00Z', charger: garage, event: plug_in}\n"
        + "  - {at: '2026-06-01T17:00:00Z', charger: garage, event: unplug}\n",
        "time goes backwards: 2026-06-01T17:00:00Z is before timeline[0] at 2026-06-01T18:00:00Z",
        7,
        10,
    ),
    (
        "unknown breaker",
        "site:\n  breakers: [{name: main, limit_amps: 40}]\n"
        "chargers:\n  - id: a\n    breaker: mian\n",
        "chargers[0].breaker: 'mian' is not defined under site.breakers; did you mean 'main'?",
        5,
        14,
    ),
    (
        "bad time zone",
        "gateway:\n  time_zone: Europe/Pariss\n",
        "gateway.time_zone: unknown time zone 'Europe/Pariss'; did you mean 'Europe/Paris'?",
        2,
        14,
    ),
    (
        "bad slot time",
        CHARGER + "    schedule:\n      - {startTime: '23:00', endTime: '25:00'}\n",
        "chargers[0].schedule[0].endTime must be a local time 'HH:MM' (00:00-23:59)",
        5,
        39,
    ),
    (
        "slot level above the charger's maximum",
        CHARGER
        + "    schedule:\n      - {startTime: '23:00', endTime: '06:00', chargingLevel: 32}\n",
        "chargers[0].schedule[0].chargingLevel must be a whole number of amps in [6-16]",
        5,
        63,
    ),
    (
        "slot of zero length",
        CHARGER + "    schedule:\n      - {startTime: '23:00', endTime: '23:00'}\n",
        "startTime and endTime are equal",
        5,
        9,
    ),
    ("key given twice", "seed: 1\nseed: 2\n", "'seed' is given twice", 2, 1),
    (
        "two chargers with one id",
        "chargers:\n  - id: a\n  - id: a\n",
        "two chargers have the id 'a'",
        3,
        9,
    ),
    (
        "charging without a car",
        "chargers:\n  - id: a\n    charging: true\n",
        "chargers[0].charging: needs a car: add plugged_in",
        3,
        15,
    ),
    (
        "unknown event",
        CHARGER + "timeline:\n  - charger: garage\n    event: plug\n",
        "must be one of plug_in, unplug, start_charging",
        6,
        12,
    ),
    (
        "parameter that does not apply",
        CHARGER + "timeline:\n  - charger: garage\n    event: unplug\n    vehicle: x\n",
        "timeline[0]: 'vehicle' does not apply to unplug (it takes none)",
        7,
        5,
    ),
    (
        "fault delay above the limit",
        "faults:\n  - path: /ivp/pdm/*\n    delay: 45s\n",
        "delay 45 s is above the 30 s limit",
        3,
        12,
    ),
    (
        "fault rule that does nothing",
        "faults:\n  - path: /ivp/pdm/*\n    times: 3\n",
        "this rule does nothing",
        2,
        5,
    ),
    (
        "fault rule on the admin API",
        "faults:\n  - {path: /__emulator/state, status: 503}\n",
        "the admin API (/__emulator/...) cannot be faulted",
        2,
        12,
    ),
    (
        "reset with a status",
        "faults:\n  - {path: /ivp/*, reset: true, status: 503}\n",
        "'reset' closes the connection without an answer, so 'status' cannot be sent",
        2,
        41,
    ),
    (
        "unknown override route",
        CHARGER + "    overrides:\n      statuss: {}\n",
        "unknown route 'statuss' in chargers[0].overrides; did you mean 'status'?",
        5,
        7,
    ),
    (
        "site-wide route on a charger",
        CHARGER + "    overrides:\n      chargers: {}\n",
        "'chargers' is a site-wide route",
        5,
        7,
    ),
    (
        "unknown template name",
        CHARGER + "    overrides:\n      power: {watts: '{{ charger.powr_w }}'}\n",
        "unknown template name 'charger.powr_w'; did you mean 'charger.power_w'?",
        5,
        22,
    ),
    (
        "charger field in a site-wide template",
        CHARGER + "overrides:\n  ev_chargers: {total: '{{ charger.power_w }}'}\n",
        "'charger.power_w' needs a charger, and this route is site-wide",
        5,
        24,
    ),
    (
        "a step the model would refuse",
        CHARGER + "timeline:\n  - after: 1h\n    charger: garage\n    event: start_charging\n",
        "timeline[0] (garage start_charging) would be refused: not plugged",
        5,
        5,
    ),
    (
        "rate without a scaled clock",
        "clock: {mode: manual, rate: 60}\n",
        "clock.rate only applies to mode: scaled",
        1,
        23,
    ),
    (
        "at and after together",
        CHARGER + "timeline:\n  - {at: '18:00', after: 1h, charger: garage, event: unplug}\n",
        "give 'at' or 'after', not both",
        5,
        19,
    ),
    (
        "charging level out of range",
        "chargers:\n  - {id: a, max_amps: 16, charging_level: 32}\n",
        "chargers[0].charging_level: 32 A is outside this charger's range [6-16] A",
        2,
        43,
    ),
    (
        "serial written as a number",
        "chargers:\n  - serial: 202200000001\n",
        'chargers[0].serial must be a serial of 1-32 letters and digits, quoted (e.g. "2022',
        2,
        13,
    ),
    (
        "sunset before sunrise",
        "solar: {peak_kw: 5, sunrise: '20:00', sunset: '06:00'}\n",
        "solar.sunset (06:00) must be after sunrise (20:00)",
        1,
        47,
    ),
    (
        "unknown connector state in an expectation",
        CHARGER + "timeline:\n  - expect: {charger: garage, state: CHARGNG}\n",
        "timeline[0].expect.state must be a connector state or a list of them",
        5,
        38,
    ),
    (
        "set_current outside the range",
        CHARGER + "timeline:\n  - {charger: garage, event: set_current, amps: 20}\n",
        "amps 20 A is outside charger 'garage''s range [6-16] A",
        5,
        49,
    ),
    (
        "ISO time without clock.start",
        CHARGER + "timeline:\n  - {at: '2026-06-01T18:00:00Z', charger: garage, event: unplug}\n",
        "an ISO time in the timeline needs clock.start",
        5,
        10,
    ),
    (
        "unknown key in a vehicle, inline",
        "chargers:\n  - plugged_in: {capacity_kwh: 60, colour: red}\n",
        "unknown key 'colour' in chargers[0].plugged_in",
        2,
        36,
    ),
    (
        "value out of range",
        "vehicles:\n  car: {soc: 120}\n",
        "vehicles.car.soc must be <= 100, got 120",
        2,
        14,
    ),
    (
        "duration that is not one",
        CHARGER + "timeline:\n  - {after: 40x, charger: garage, event: unplug}\n",
        "timeline[0].after must be a duration like 90s, 40m, 2h30m or 7d",
        5,
        13,
    ),
    (
        "missing required key",
        "site:\n  breakers:\n    - {name: main}\n",
        "site.breakers[0]: 'limit_amps' is required",
        3,
        7,
    ),
]


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_a_broken_file_gets_its_message_and_position(
    text: str, message: str, line: int, column: int | None
) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(text, "broken.yaml")
    problems = caught.value.problems
    matching = [p for p in problems if message in p.message]
    assert matching, "\n".join(str(p) for p in problems)
    problem = matching[0]
    assert problem.file == "broken.yaml"
    assert problem.line == line, str(problem)
    if column is not None:
        assert problem.column == column, str(problem)
    assert f"broken.yaml:{problem.line}:{problem.column}: " in caught.value.message


def test_there_are_at_least_twenty_cases() -> None:
    assert len(BROKEN) >= 20


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = textwrap.dedent(
        """\
        seed: -1
        gateway: {time_zone: Mars/Olympus, ev_min_role: boss}
        vehicles:
          car: {soc: 150}
        chargers:
          - id: a
            min_amps: 20
            max_amps: 10
            breaker: nowhere
            plugged_in: bicycle
        timeline:
          - {charger: b, event: plug_in}
          - {after: 1x, gateway: reboot}
        faults:
          - {path: nope, status: 99}
        """
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(text, "many.yaml")
    lines = [p.line for p in caught.value.problems]
    assert lines == sorted(lines)
    assert set(lines) >= {1, 2, 4, 7, 9, 10, 12, 13, 15}
    assert len(caught.value.problems) >= 11
    assert caught.value.message.count("\n") == len(caught.value.problems) - 1


def test_a_valid_file_comes_back_as_its_mapping() -> None:
    text = CHARGER + "timeline:\n  - {at: '18:00', charger: garage, event: plug_in}\n"
    scenario = load_scenario(text, "ok.yaml")
    assert scenario["chargers"][0] == {"id": "garage", "max_amps": 16}
    assert scenario["timeline"][0]["at"] == "18:00"  # a string, not YAML 1.1's 1080


def test_yaml_1_2_scalars() -> None:
    scenario = load_scenario(
        "x-notes: {a: 18:00, b: 2026-06-01T18:00:00Z, c: 0123, d: yes, e: on, f: 0x1f}\n"
    )
    assert scenario["x-notes"] == {
        "a": "18:00",
        "b": "2026-06-01T18:00:00Z",
        "c": 123,
        "d": "yes",
        "e": "on",
        "f": 31,
    }


def test_an_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(ScenarioError) as caught:
        load_scenario("\n".join(["x-bomb:", *("  " + x for x in lines)]) + "\n")
    assert "too many values" in caught.value.message
