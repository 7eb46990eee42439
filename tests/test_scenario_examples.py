"""Issue 4: the shipped example scenarios validate, run, and deliver the energy they imply."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from emulator.model.clock import parse_duration
from emulator.model.solar import SolarProfile
from emulator.runtime import DEFAULT_SCENARIO
from emulator.scenario.load import load_scenario
from emulator.scenario.runner import format_report, run_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))
REQUIRED = {
    "basic-day.yaml",
    "two-chargers-shared-breaker.yaml",
    "fault-and-recovery.yaml",
    "week-night-schedule.yaml",
    "green-day.yaml",
    "client-retries.yaml",
}


def report(name: str, until: str) -> tuple[str, dict[str, float]]:
    path = ROOT / "scenarios" / name
    result = run_scenario(load_scenario(path.read_text(), str(path)), parse_duration(until))
    text = format_report(result, f"scenarios/{name}", until)
    delivered = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"^  (\S+): ([0-9.]+) kWh delivered", text, re.MULTILINE)
    }
    assert "result: OK" in text, text
    return text, delivered


def test_the_six_required_examples_ship() -> None:
    assert {p.name for p in EXAMPLES} >= REQUIRED
    for path in EXAMPLES:
        assert path.read_text().startswith("#"), f"{path.name} starts with a comment"


@pytest.mark.parametrize("path", [*EXAMPLES, DEFAULT_SCENARIO], ids=lambda p: p.name)
def test_every_example_validates(path: Path) -> None:
    load_scenario(path.read_text(), str(path))


def test_basic_day_charges_32_amps_from_18_02_to_21_00() -> None:
    text, delivered = report("basic-day.yaml", "24h")
    assert delivered["garage"] == pytest.approx(32 * 230 * (2 + 58 / 60) / 1000, abs=0.001)
    assert "expectations: 3 passed, 0 failed" in text
    assert re.search(r"2026-06-01 21:00:00  FINISHING .* garage stop_charging", text)


def test_the_week_long_schedule_delivers_what_its_slots_imply() -> None:
    text, delivered = report("week-night-schedule.yaml", "7d")
    nights, hours, amps, volts = 5, 7, 16, 230
    assert delivered["carport"] == pytest.approx(nights * hours * amps * volts / 1000, abs=0.001)
    assert delivered["carport"] == pytest.approx(128.8, abs=0.001)
    # Each weeknight starts at 23:00 and ends at 06:00 (Amsterdam), on the slot edges.
    starts = re.findall(r"^(\S+) 23:00:00  CHARGING .* SUSPENDED_EVSE -> CHARGING", text, re.M)
    assert starts == [f"2026-06-0{d}" for d in (1, 2, 3, 4, 5)]
    assert "7 session(s)" in text


def test_the_green_day_follows_the_sun() -> None:
    text, delivered = report("green-day.yaml", "24h")
    # The same sum done independently: each 15-minute step gives the car the surplus in
    # whole amps between 6 and 32, at 230 V.
    sun = SolarProfile.from_sun(8.0, "05:30", "21:30", 0.6, ZoneInfo("Europe/Madrid"))
    expected_wh = 0.0
    for watts in sun.steps_w[24:]:  # from 06:00, when the run starts, to midnight
        amps = min(32, int(max(0.0, watts - 600) // 230))
        expected_wh += (amps * 230 if amps >= 6 else 0) * 0.25
    assert delivered["garage"] == pytest.approx(expected_wh / 1000, abs=0.001)
    assert 60 < delivered["garage"] < 80
    assert re.search(r"2026-06-20 13:00:00  CHARGING +7.36 kW", text)


def test_two_chargers_share_their_breaker() -> None:
    text, delivered = report("two-chargers-shared-breaker.yaml", "24h")
    assert delivered == {"left": pytest.approx(10.0), "right": pytest.approx(64.0)}
    # 10 kWh: 30 min at 7.36 kW, then 4.6 kW (20 A): full at 19:53:26.
    assert re.search(r"2026-06-01 19:53:26  SUSPENDED_EV .* \(battery full\)", text)
    assert "expectations: 6 passed, 0 failed" in text


def test_fault_and_recovery() -> None:
    text, delivered = report("fault-and-recovery.yaml", "6h")
    # 39 min before the fault and 3 h 45 min after the restart, at 32 A x 240 V.
    assert delivered["driveway"] == pytest.approx((39 / 60 + 3.75) * 7.68, abs=0.001)
    assert "driveway CHARGING -> FAULTED (GroundFailure)" in text
    assert "gateway revoke_tokens" in text


def test_captured_payloads_and_retries_examples_run() -> None:
    _, delivered = report("captured-payloads.yaml", "1h")
    assert delivered["garage"] == pytest.approx(7.36, abs=0.001)
    _, delivered = report("client-retries.yaml", "2h")
    assert delivered["garage"] == 0


def test_the_report_is_deterministic() -> None:
    first, _ = report("two-chargers-shared-breaker.yaml", "24h")
    second, _ = report("two-chargers-shared-breaker.yaml", "24h")
    assert first == second


def test_a_failed_expectation_fails_the_run() -> None:
    text = (
        (ROOT / "scenarios" / "basic-day.yaml")
        .read_text()
        .replace("power_w: 7360", "power_w: 3680")
    )
    result = run_scenario(load_scenario(text), parse_duration("24h"))
    out = format_report(result, "edited", "24h")
    assert "expectations: 2 passed, 1 failed" in out
    assert "FAIL 2026-06-01 19:02:00 expect garage" in out
    assert "power_w 7360, expected 3680" in out
    assert out.endswith("result: FAILED\n")


DOC = (ROOT / "docs" / "scenarios.md").read_text()


def test_the_annotated_example_in_the_docs_is_valid_and_runs() -> None:
    block = DOC.split("```yaml\n", 1)[1].split("```", 1)[0]
    scenario = load_scenario(block, "docs/scenarios.md")
    result = run_scenario(scenario, parse_duration("1d"))
    out = format_report(result, "docs", "1d")
    assert "expectations: 2 passed, 0 failed" in out, out
    assert len(scenario["faults"]) == 4


def test_the_docs_list_every_template_name_and_route() -> None:
    from emulator.scenario import templates

    for field in templates.CHARGER_FIELDS:
        assert f".{field}`" in DOC, field
    for field in (*templates.SESSION_FIELDS, *templates.VEHICLE_FIELDS):
        assert f".{field}`" in DOC, field
    for route in (*templates.PER_CHARGER_ROUTES, *templates.SITE_ROUTES):
        assert f"`{route}`" in DOC, route


def test_the_schema_is_valid_and_names_exactly_the_overridable_routes() -> None:
    from jsonschema import Draft202012Validator

    from emulator.fronts.gateway import energy
    from emulator.fronts.gateway.ev import ROUTES
    from emulator.scenario import templates
    from emulator.scenario.validate import schema

    Draft202012Validator.check_schema(schema())
    enum = schema()["$defs"]["overrides"]["propertyNames"]["enum"]
    from emulator.fronts.cloud.ev import ROUTES as CLOUD_ROUTES

    cloud = [
        s
        for s in CLOUD_ROUTES
        if s.name in ("cloud_status", "cloud_summary", "cloud_charger_summary")
    ]
    served = (*ROUTES, *energy.ROUTES, energy.HOME, *cloud)
    assert sorted(enum) == sorted({s.name for s in served if s.name != "device_data"})
    assert sorted(enum) == sorted((*templates.PER_CHARGER_ROUTES, *templates.SITE_ROUTES))
