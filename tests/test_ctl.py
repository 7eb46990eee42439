"""``python -m emulator ctl`` against a real ``serve`` process, as a user runs both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_cli import ROOT, fetch, start_serve, stop

ADMIN = "s3cret"


def ctl(cwd: Path, port: int | None, *args: str, admin: str | None = ADMIN) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMULATOR_")}
    if port is not None:
        env["EMULATOR_URL"] = f"https://localhost:{port}"
    if admin:
        env["EMULATOR_ADMIN_TOKEN"] = admin
    done = subprocess.run(
        [sys.executable, "-m", "emulator", "ctl", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def served(tmp_path: Path):  # type: ignore[no-untyped-def]
    process, port, _ = start_serve(tmp_path, "--clock", "manual", "--admin-token", ADMIN)
    yield tmp_path, port
    stop(process)


def test_ctl_drives_a_running_emulator(served: tuple[Path, int]) -> None:
    cwd, port = served
    code, out, err = ctl(cwd, port, "status")
    assert code == 0, err
    assert "garage" in out and "AVAILABLE" in out and "D7.6.175" in out

    assert ctl(cwd, port, "plug-in", "garage", "--soc", "20", "--capacity", "60")[1].strip() == (
        "garage: PREPARING"
    )
    assert ctl(cwd, port, "start", "garage", "--amps", "32")[1].strip() == "garage: CHARGING"
    before = ctl(cwd, port, "status")[1].split(" clock ")[1][:20]
    code, out, err = ctl(cwd, port, "advance", "1h")
    assert code == 0 and out.startswith("clock "), err
    assert out.strip()[6:] != before
    code, out, _ = ctl(cwd, port, "status")
    row = next(line for line in out.splitlines() if line.startswith("garage"))
    assert row.split()[2:6] == ["CHARGING", "7.36", "kW", "32"], row
    assert "7.36 kWh" in row and "site: chargers 7.36 kW" in out

    # tokens print alone, so TOKEN=$(... ctl token installer) works
    installer = ctl(cwd, port, "token", "installer")[1].strip()
    owner = ctl(cwd, port, "token", "owner")[1].strip()
    ca = cwd / "certs" / "ca.pem"
    assert fetch(port, "/ivp/pdm/chargers", ca, installer)[0] == 200
    assert fetch(port, "/ivp/pdm/chargers", ca, owner)[0] == 401
    code, out, _ = ctl(cwd, port, "journal", "--status", "401", "--path", "/ivp/pdm/*")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 1 and "GET /ivp/pdm/chargers -> 401 (owner, bearer)" in lines[0]
    assert "reason: role_too_low" in lines[0]

    assert ctl(cwd, port, "stop", "garage")[0] == 0
    assert ctl(cwd, port, "fault", "garage")[1].strip() == "garage: FAULTED"
    assert ctl(cwd, port, "clear-fault", "garage")[0] == 0
    assert ctl(cwd, port, "unplug", "garage")[1].strip() == "garage: AVAILABLE"

    # a refusal prints the model's message and exits 1
    code, out, err = ctl(cwd, port, "start", "nowhere", "--amps", "16")
    assert code == 1 and "404" in err and "garage" in err, err
    code, out, err = ctl(cwd, port, "reset")
    assert code == 0 and out.startswith("reset; clock "), err
    assert "AVAILABLE" in ctl(cwd, port, "status")[1]


def test_ctl_loads_scenarios_and_reports_problems_by_line(served: tuple[Path, int]) -> None:
    cwd, port = served
    bad = cwd / "bad.yaml"
    bad.write_text("seed: 1\nchargers:\n  - id: a\n    max_amps: -3\n")
    code, out, err = ctl(cwd, port, "load", str(bad))
    assert code == 1, (out, err)
    assert f"{bad}:4:" in err, err
    code, out, err = ctl(cwd, port, "load", str(ROOT / "scenarios" / "basic-day.yaml"))
    assert code == 0, err
    assert "chargers garage" in out
    assert "serial changed" in err  # another seed, another serial: tokens die, said aloud


def test_ctl_says_what_is_missing(served: tuple[Path, int], tmp_path: Path) -> None:
    cwd, port = served
    code, _, err = ctl(cwd, port, "status", admin=None)
    assert code == 1 and "--admin-token" in err and "EMULATOR_ADMIN_TOKEN" in err, err
    code, _, err = ctl(tmp_path / "certs", port, "status")  # no certs/ here
    assert code == 2 and "no CA certificate" in err and "--certs-dir" in err, err
    stop_port = port + 1 if port < 65535 else port - 1
    code, _, err = ctl(cwd, stop_port, "status")
    assert code == 2 and "no emulator answers" in err and "python -m emulator serve" in err, err


@pytest.mark.parametrize("command", ["", "serve", "validate", "run", "ctl"])
def test_version_everywhere(command: str) -> None:
    args = [command, "--version"] if command else ["--version"]
    done = subprocess.run(
        [sys.executable, "-m", "emulator", *args], capture_output=True, text=True, timeout=20
    )
    assert done.returncode == 0 and done.stdout.startswith("iq-gateway-emulator "), done


def test_watch_follows_the_stream_until_ctrl_c(served: tuple[Path, int]) -> None:
    cwd, port = served
    env = {**os.environ, "EMULATOR_URL": f"https://localhost:{port}"}
    env["EMULATOR_ADMIN_TOKEN"] = ADMIN
    watcher = subprocess.Popen(
        [sys.executable, "-m", "emulator", "ctl", "watch"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert watcher.stdout is not None
    try:
        seen: list[str] = []

        def read_until(word: str) -> None:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                line = watcher.stdout.readline()  # type: ignore[union-attr]
                assert line, "".join(seen)
                seen.append(line)
                if line.startswith("garage") and word in line:
                    return
            raise AssertionError("".join(seen))

        read_until("AVAILABLE")
        assert ctl(cwd, port, "plug-in", "garage")[0] == 0
        read_until("PREPARING")  # pushed by the change feed, no polling
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(timeout=10) == 0
        assert "Traceback" not in (watcher.stderr.read() if watcher.stderr else "")
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()


def test_serve_prints_each_timeline_step_as_it_runs(tmp_path: Path) -> None:
    scenario = str(ROOT / "scenarios" / "basic-day.yaml")
    process, port, _ = start_serve(tmp_path, "--scenario", scenario, "--admin-token", ADMIN)
    assert ctl(tmp_path, port, "advance", "6h30m")[0] == 0
    code, out = stop(process)
    assert code == 0, out
    assert "timeline[0] 2026-06-01T17:00:00Z garage plug_in vehicle=family-car: done" in out
    expect = next(line for line in out.splitlines() if line.startswith("timeline[2]"))
    assert expect.endswith("ok (state CHARGING; power_w 7360; session_wh 7360)"), expect
    assert "timeline[3]" not in out  # 21:00 has not come
