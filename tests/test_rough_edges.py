"""What a new user hit first: each rough edge, fixed, with a test that fails if it comes back."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from emulator.scenario.errors import ScenarioError
from emulator.scenario.load import load_scenario
from tests.conftest import Api
from tests.test_readme import README, block_after

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[1]
BASIC_DAY = ROOT / "scenarios" / "basic-day.yaml"


# -- the README's pytest example, pasted into a fresh project -------------------------------


def test_the_readme_example_runs_in_pytest_asyncio_strict_mode(
    pytester: pytest.Pytester, certs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ini file, no asyncio_mode: pytest-asyncio's default (strict) mode."""
    monkeypatch.setenv("IQ_GATEWAY_EMULATOR_CERTS", str(certs_dir))
    (pytester.path / "scenarios").mkdir()
    shutil.copy(BASIC_DAY, pytester.path / "scenarios")
    pytester.makepyfile(test_readme_example=block_after("## Use it from your tests", "python"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert "not natively supported" not in result.stdout.str()


def test_the_readme_says_how_to_install_without_an_index() -> None:
    assert "pip install iq-gateway-emulator\n" not in README
    assert "git+" in README and "pip install -e" in README


# -- the README's tour and banner -----------------------------------------------------------


def test_the_tour_leaves_no_file_in_the_checkout_and_the_clock_block_stands_alone() -> None:
    tour = block_after("## A five-minute tour with curl", "sh")
    assert "-c jar" not in tour and "-b jar" not in tour
    clock = block_after("`serve` runs on a real-time clock", "sh")
    for needed in ("CA=", "GW=", "SN=", "INSTALLER=", "--clock manual"):
        assert needed in clock, f"the manual-clock block needs {needed} itself"
    assert "real-time clock too" in README or "realtime clock too" in README


def test_the_banner_has_no_undefined_variable(tmp_path: Path) -> None:
    from tests.test_cli import start_serve, stop

    process, _, banner = start_serve(tmp_path)
    stop(process)
    assert "$TOKEN" not in banner


# -- the admin API --------------------------------------------------------------------------


async def test_a_charger_can_be_read_by_id_or_serial(api: Api) -> None:
    status, body = await api.get("/__emulator/chargers/garage")
    assert status == 200 and body["id"] == "garage"
    assert (await api.get(f"/__emulator/chargers/{body['serial']}"))[1]["id"] == "garage"
    status, body = await api.get("/__emulator/chargers/nope")
    assert status == 404 and "garage" in body["error"]["message"]
    status, body = await api.get("/__emulator/state")
    assert [c["id"] for c in body["chargers"]] == ["garage"]


async def test_an_unknown_event_suggests_the_right_one(api: Api) -> None:
    status, body = await api.post("/__emulator/chargers/garage/events", {"event": "plugin"})
    assert status == 400 and "did you mean 'plug_in'" in body["error"]["message"]


async def test_the_clock_rate_changes_without_a_jump(api: Api) -> None:
    status, body = await api.post("/__emulator/clock/rate", {"rate": 3600})
    assert status == 200 and body["clock"]["mode"] == "scaled" and body["clock"]["rate"] == 3600
    status, body = await api.post("/__emulator/clock/rate", {"rate": 0})
    assert body["clock"]["mode"] == "manual" and body["clock"]["rate"] == 0
    for bad in (-1, 1e9, "fast"):
        status, body = await api.post("/__emulator/clock/rate", {"rate": bad})
        assert status == 400, body
        assert "rate" in body["error"]["message"]


async def test_a_scenario_that_changes_the_serial_says_tokens_die(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    text = BASIC_DAY.read_text()
    status, body, _ = await api.call("PUT", "/__emulator/scenario", data=text)
    assert status == 200 and "warning" in body  # the default scenario had another serial
    before = api.emulator.world.gateway.serial
    status, body, _ = await api.call("PUT", "/__emulator/scenario", data=text)
    assert status == 200 and "warning" not in body  # same seed, same serial
    with caplog.at_level(logging.WARNING, logger="emulator.scenario"):
        other = text.replace("seed: 42", "seed: 43")
        status, body, _ = await api.call("PUT", "/__emulator/scenario", data=other)
    after = api.emulator.world.gateway.serial
    assert before != after and before in body["warning"] and after in body["warning"]
    assert "401" in body["warning"] and "POST /__emulator/tokens" in body["warning"]
    assert body["warning"] in caplog.text


# -- YAML mistakes in plain words ------------------------------------------------------------

INDENTED = {
    "seed: 1\nchargers:\n  - id: a\n    name: x\n   max_amps: 3\n": (
        5,
        "line 5 is indented differently from the lines above it",
    ),
    "chargers:\n  - id: a\n  name: x\n": (3, "line 3 is indented differently"),
    "seed: 1\nchargers:\n  - id: a\n    name: x\n      max_amps: 3\n": (
        5,
        "line 5 is indented more than line 4",
    ),
    "seed: 1\ngateway:\n\tfirmware: x\n": (3, "indented with a tab"),
    "seed: 1\ngateway: firmware: x\n": (2, "quote the value"),
    "chargers: [a, b\nseed: 1\n": (2, "opened on line 1 is not closed"),
}


@pytest.mark.parametrize("text", INDENTED)
def test_yaml_mistakes_are_said_in_plain_words(text: str) -> None:
    line, words = INDENTED[text]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(text, "home.yaml")
    problem = caught.value.problems[0]
    assert problem.line == line and words in problem.message, problem
    assert "<block" not in problem.message and "'?'" not in problem.message


# -- the command line ------------------------------------------------------------------------


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_says_serve_is_the_default_and_run_explains_itself() -> None:
    assert "Without a COMMAND it runs 'serve'" in " ".join(cli("--help").stdout.split())
    run = " ".join(cli("run", "--help").stdout.split())
    for words in ("default 24h", "exit codes:", "--format", "junit", "FILE:LINE:COL"):
        assert words in run, words
    validate = " ".join(cli("validate", "--help").stdout.split())
    assert "exit codes:" in validate and "FILE:LINE:COL" in validate


def test_run_formats_for_ci(tmp_path: Path) -> None:
    done = cli("run", str(BASIC_DAY), "--until", "24h", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["passed"] is True
    assert round(report["delivered_wh"]["garage"]) == 21835  # 7.36 kW from 18:02 to 21:00
    assert [s["status"] for s in report["steps"] if s["kind"] == "expect"] == ["passed"] * 3

    failing = tmp_path / "failing.yaml"
    failing.write_text(BASIC_DAY.read_text().replace("power_w: 7360,", "power_w: 7000,"))
    done = cli("run", str(failing), "--format", "junit")
    assert done.returncode == 1, done.stderr
    suite = ET.fromstring(done.stdout)
    assert suite.tag == "testsuite" and suite.get("failures") == "1"
    failed = [case for case in suite.iter("testcase") if case.find("failure") is not None]
    assert len(failed) == 1 and "power_w" in (failed[0].find("failure").text or "")  # type: ignore[union-attr]


def test_no_subcommand_serves_with_serve_options(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--clock", "manual"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    process.terminate()
    process.communicate(timeout=10)
    assert first.startswith("IQ Gateway emulator:"), first


# -- the container ---------------------------------------------------------------------------


def test_the_dockerfile_asks_for_no_pip_build_argument() -> None:
    """buildah/podman warn about every ARG without a default that the build was not given."""
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    pip_args = [line for line in lines if line.startswith("ARG PIP_")]
    assert len(pip_args) == 4 and all("=" in line for line in pip_args), pip_args
    assert any('unset "$name"' in line for line in lines)  # empty ones never reach pip


def test_the_container_doc_quotes_the_real_certs_error() -> None:
    doc = " ".join((ROOT / "docs" / "container.md").read_text().split())
    cli_source = (ROOT / "emulator" / "cli.py").read_text()
    assert "cannot prepare certificates in {settings.certs_dir}" in cli_source
    assert "(the directory must be writable by this user)" in cli_source
    assert (
        "error: cannot prepare certificates in /certs: Permission denied (the directory must "
        "be writable by this user)" in doc
    )
