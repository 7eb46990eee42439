"""Issue 4 from the command line: ``validate`` and ``run`` as a user types them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASIC = ROOT / "scenarios" / "basic-day.yaml"


def emulator(*args: str, cwd: Path = ROOT, hash_seed: str = "0") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_validate_good_files_exits_0() -> None:
    result = emulator("validate", "scenarios/basic-day.yaml", "scenarios/green-day.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "scenarios/basic-day.yaml: ok\nscenarios/green-day.yaml: ok\n"
    assert result.stderr == ""


def test_validate_prints_every_problem_with_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "seed: 1\n"
        "chargers:\n"
        "  - id: garage\n"
        "    max_amps: 100\n"
        "timeline:\n"
        "  - {at: '18:00', charger: garge, event: plug_in}\n"
    )
    good = tmp_path / "good.yaml"
    good.write_text("chargers: [{id: a}]\n")
    result = emulator("validate", str(good), str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == f"{good}: ok\n"
    lines = result.stderr.splitlines()
    assert lines == [
        f"{bad}:4:15: chargers[0].max_amps must be <= 80, got 100",
        f"{bad}:6:28: timeline[0].charger: no charger with id or serial 'garge'; "
        "did you mean 'garage'? (chargers: garage)",
    ]


def test_validate_a_missing_file(tmp_path: Path) -> None:
    result = emulator("validate", "nope.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("nope.yaml: cannot read: No such file or directory")


def test_run_prints_the_report() -> None:
    result = emulator("run", "scenarios/basic-day.yaml", "--until", "24h")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("scenario scenarios/basic-day.yaml: seed 42, gateway ")
    assert "garage: 21.835 kWh delivered in 1 session(s)" in out
    assert "expectations: 3 passed, 0 failed" in out
    assert out.endswith("result: OK\n")
    # Deterministic: another process (other hash seed) prints the same bytes.
    assert (
        emulator("run", "scenarios/basic-day.yaml", "--until", "24h", hash_seed="1").stdout == out
    )


def test_run_exits_1_on_a_failed_expectation(tmp_path: Path) -> None:
    edited = tmp_path / "edited.yaml"
    edited.write_text(BASIC.read_text().replace("state: FINISHING", "state: CHARGING"))
    result = emulator("run", str(edited), "--until", "1d")
    assert result.returncode == 1
    assert "FAIL 2026-06-01 21:01:00 expect garage state=CHARGING" in result.stdout
    assert "state FINISHING, expected CHARGING" in result.stdout
    assert result.stdout.endswith("result: FAILED\n")


def test_run_refuses_an_invalid_file_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("chargers:\n  - id: a\n    plugged_in: tesla\n")
    result = emulator("run", str(bad))
    assert result.returncode == 2
    assert result.stderr == (
        f"{bad}:3:17: chargers[0].plugged_in: unknown vehicle preset 'tesla' "
        "(known: none: define them under vehicles)\n"
    )
    assert result.stdout == ""


def test_run_short_of_the_timeline_says_so() -> None:
    result = emulator("run", "scenarios/basic-day.yaml", "--until", "6h")
    assert result.returncode == 0
    assert "note: 5 step(s) after 2026-06-01 19:00:00 were not reached" in result.stdout


def test_serve_refuses_an_invalid_scenario_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("gateway: {time_zone: Nowhere/Land}\nchargerz: []\n")
    result = emulator(
        "serve", "--scenario", str(bad), "--port", "0", "--certs-dir", str(tmp_path / "certs")
    )
    assert result.returncode == 2
    assert f"{bad}:1:22: gateway.time_zone: unknown time zone 'Nowhere/Land'" in result.stderr
    assert f"{bad}:2:1: unknown key 'chargerz'" in result.stderr
