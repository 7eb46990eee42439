"""The README's examples run as written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()

pytest_plugins = ["pytester"]


def block_after(heading: str, language: str) -> str:
    section = README[README.index(heading) :]
    match = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert match, f"no {language} block after {heading!r}"
    return match.group(1)


def test_the_readme_opens_with_the_two_commands() -> None:
    first = README.split("```sh\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(first) == 2
    assert first[0].endswith("-m emulator serve")
    ci = (ROOT / ".ci" / "run").read_text()
    assert first[1] in ci, ".ci/run must run the README's test command verbatim"


def test_the_pytest_example_passes(pytester: pytest.Pytester) -> None:
    (pytester.path / "scenarios").mkdir()
    shutil.copy(ROOT / "scenarios" / "basic-day.yaml", pytester.path / "scenarios")
    pytester.makepyfile(test_readme_example=block_after("## Use it from your tests", "python"))
    result = pytester.runpytest(
        "-p",
        "asyncio",
        "-o",
        "asyncio_mode=auto",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
    )
    result.assert_outcomes(passed=2)


def test_the_scenario_example_validates(tmp_path: Path) -> None:
    from emulator.scenario.load import load_scenario

    scenario = load_scenario(block_after("## Script it: scenario files", "yaml"), "README.md")
    assert scenario["chargers"][0]["id"] == "garage"
