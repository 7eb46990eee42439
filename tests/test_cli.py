"""The command line as a user runs it: a real process, real signals, real HTTPS."""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from emulator.model.identity import IdentityMaker

ROOT = Path(__file__).resolve().parents[1]


def start_serve(  # type: ignore[type-arg]
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, until: str | None = None
) -> tuple:
    """``serve`` in a subprocess, read up to the banner's curl line (or a line containing
    ``until``): (process, port, banner)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--port", "0", *args],
        cwd=tmp_path,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 20
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if until in line if until else "curl --cacert" in line and "/ivp/pdm/chargers" in line:
            break
    banner = "".join(lines)
    match = re.search(r"listening on https://[^:]+:(\d+)", banner)
    assert match, banner
    return process, int(match.group(1)), banner


def serve_once(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``serve`` that is expected to stop by itself (help, or a start-up error)."""
    return subprocess.run(
        [sys.executable, "-m", "emulator", "serve", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=20,
    )


def fetch(port: int, path: str, ca: Path, token: str | None = None) -> tuple[int, bytes]:
    context = ssl.create_default_context(cafile=str(ca))
    request = urllib.request.Request(f"https://localhost:{port}{path}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, context=context, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def stop(process: subprocess.Popen) -> tuple[int, str]:  # type: ignore[type-arg]
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=10)
    return process.returncode, out


def test_serve_prints_a_banner_that_works_and_stops_cleanly(tmp_path: Path) -> None:
    process, port, banner = start_serve(tmp_path)
    try:
        ca = tmp_path / "certs" / "ca.pem"
        assert str(ca) in banner
        assert f"curl --cacert {ca} https://localhost:{port}/info" in banner
        tokens = re.findall(r"^\s+(eyJ[\w-]+\.[\w-]+\.[\w-]+)$", banner, re.M)
        assert len(tokens) == 2
        owner, installer = tokens
        assert fetch(port, "/info", ca)[0] == 200
        assert fetch(port, "/ivp/pdm/chargers", ca, owner)[0] == 401
        assert fetch(port, "/ivp/pdm/chargers", ca, installer)[0] == 200
    finally:
        code, out = stop(process)
    assert code == 0, out
    assert "GET /ivp/pdm/chargers role=installer 200" in out
    assert "shutting down" in out


def test_every_option_can_come_from_the_environment(tmp_path: Path) -> None:
    env = {
        "EMULATOR_CERTS_DIR": str(tmp_path / "elsewhere"),
        "EMULATOR_ADMIN_TOKEN": "s3cret",
        "EMULATOR_EXTRA_NAMES": "envoy.lan",
        "EMULATOR_SEED": "99",
    }
    process, port, banner = start_serve(tmp_path, env=env)
    try:
        ca = tmp_path / "elsewhere" / "ca.pem"
        assert ca.exists()
        assert fetch(port, "/__emulator/health", ca)[0] == 200
        assert fetch(port, "/__emulator/state", ca)[0] == 401  # admin token required
        assert f"gateway {IdentityMaker(99).gateway_serial()} " in banner  # the seed was used
    finally:
        stop(process)


def test_seed_flag_changes_identities(tmp_path: Path) -> None:
    serials = []
    for seed in ("1", "1", "2"):
        process, _, banner = start_serve(tmp_path, "--seed", seed)
        stop(process)
        serials.append(re.search(r"gateway (\d+)", banner).group(1))  # type: ignore[union-attr]
    assert serials[0] == serials[1] != serials[2]


def test_help_teaches(tmp_path: Path) -> None:
    result = serve_once(tmp_path, "--help")
    assert result.returncode == 0
    out = result.stdout
    for word in ("--scenario", "EMULATOR_PORT", "--admin-token", "examples:"):
        assert word in out


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    process, port, _ = start_serve(tmp_path)
    try:
        result = serve_once(tmp_path, "--port", str(port))
        assert result.returncode == 2
        assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    finally:
        stop(process)


@pytest.mark.parametrize("bad", ["--port=abc", "--clock=sometimes"])
def test_bad_options_exit_2(tmp_path: Path, bad: str) -> None:
    result = serve_once(tmp_path, bad)
    assert result.returncode == 2 and "error" in result.stderr


def test_missing_scenario_file_is_a_clear_error(tmp_path: Path) -> None:
    result = serve_once(tmp_path, "--scenario", "nope.yaml")
    assert result.returncode == 2
    assert "scenario file not found: nope.yaml" in result.stderr


def test_unwritable_certs_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = serve_once(tmp_path, "--certs-dir", str(blocker / "certs"))
    assert result.returncode == 2
    assert "cannot prepare certificates in" in result.stderr


def test_serve_defaults_to_a_realtime_clock_but_obeys_the_scenario(tmp_path: Path) -> None:
    process, _, banner = start_serve(tmp_path)
    stop(process)
    assert "clock realtime" in banner
    (tmp_path / "manual.yaml").write_text("clock: {mode: manual}\nchargers: [{id: a}]\n")
    process, _, banner = start_serve(tmp_path, "--scenario", "manual.yaml")
    stop(process)
    assert "clock manual" in banner
