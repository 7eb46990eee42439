"""The container image, built and run as a CI job would use it (issue 6).

Builds the Dockerfile with podman (preferred: it runs without a daemon) or docker, starts
the image with only EMULATOR_* variables and the /certs and /scenarios volumes, waits for
its HEALTHCHECK, then does what a CI job does: fetches the CA once over unverified TLS,
verifies the server with it from then on, mints tokens through the admin API and reads the
EV-charger route. Skipped when no container engine can build here.

Run with ``pytest tests/test_container.py -m container -v``. On a machine without a Docker
engine, ``bash ../shared/container/podman-here.sh`` prepares podman and a local base image.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.container

ROOT = Path(__file__).resolve().parent.parent
LOCAL_BASE = "localhost/python-base:bookworm"  # made by shared/container/podman-here.sh
DEFAULT_BASE = "python:3.12-slim"  # the Dockerfile's own default
TAG = "localhost/iq-gateway-emulator:test"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
ADMIN_TOKEN = "container-test-admin-secret"
BUILD_TIMEOUT_S = 600
HEALTHY_TIMEOUT_S = 60
# pip settings passed into the build when the host has them (and they can work there).
PIP_BUILD_ARGS = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST")


def _run(cmd: list[str], timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
        )
    return result


def _ok(cmd: list[str], timeout: float = 60) -> bool:
    try:
        return _run(cmd, timeout=timeout, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _find_engine() -> tuple[list[str], str] | None:
    """The command prefix of a container engine that answers here, and its name."""
    wanted = os.environ.get("CONTAINER_ENGINE")
    for name in [wanted] if wanted else ["podman", "docker"]:
        exe = shutil.which(name)
        if not exe:
            continue
        cmd = [exe]
        if name == "podman" and shutil.which("runc"):
            cmd += ["--runtime", "runc"]  # crun fails on some hosts' cgroups; runc works
        if _ok([*cmd, "info"], timeout=30):  # the docker client alone is not an engine
            return cmd, name
    return None


ENGINE = _find_engine()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _image_exists(engine: list[str], image: str) -> bool:
    return _ok([*engine, "image", "inspect", image], timeout=30)


def _base_image(engine: list[str]) -> str | None:
    """LOCAL_BASE if it is there, else the default base when it is (or can be) pulled."""
    if _image_exists(engine, LOCAL_BASE):
        return LOCAL_BASE
    if _image_exists(engine, DEFAULT_BASE) or _ok([*engine, "pull", DEFAULT_BASE], timeout=180):
        return DEFAULT_BASE
    return None


def _build_command(engine: list[str], name: str, base: str) -> list[str]:
    cmd = [*engine, "build", "--network=host", "-t", TAG, "-f", str(ROOT / "Dockerfile")]
    if base != DEFAULT_BASE:
        cmd += ["--build-arg", f"BASE_IMAGE={base}"]
    if name == "podman":
        # Docker's image format keeps HEALTHCHECK (OCI's has no health checks).
        cmd += ["--format", "docker"]
        # Let pip inside the build trust what this host trusts (e.g. an intercepting proxy).
        if HOST_CA_BUNDLE.is_file():
            cmd += ["-v", f"{HOST_CA_BUNDLE}:{HOST_CA_BUNDLE}:ro"]
            cmd += ["--build-arg", f"PIP_CERT={HOST_CA_BUNDLE}"]
    for var in PIP_BUILD_ARGS:
        value = os.environ.get(var, "")
        # file:// indexes and find-links are paths on this host, not in the build.
        if value and "file:" not in value:
            cmd += ["--build-arg", f"{var}={value}"]
    return [*cmd, str(ROOT)]


def _get(url: str, context: ssl.SSLContext, headers: dict[str, str] | None = None, data=None):
    """(status, body) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _report(capsys, record_property, key: str, value: str) -> None:
    record_property(key, value)
    with capsys.disabled():
        print(f"\n[container] {key}: {value}", flush=True)


@pytest.fixture(scope="module")
def image() -> tuple[list[str], str, str, float]:
    if ENGINE is None:
        pytest.skip("no container engine can build here: neither podman nor a docker engine")
    engine, name = ENGINE
    base = _base_image(engine)
    if base is None:
        pytest.skip(f"no base image: neither {LOCAL_BASE} nor {DEFAULT_BASE} is available")
    started = time.monotonic()
    _run(_build_command(engine, name, base), timeout=BUILD_TIMEOUT_S)
    return engine, name, base, time.monotonic() - started


def _wait_healthy(engine: list[str], name: str, container: str, started: float) -> None:
    """Return once the image's own HEALTHCHECK passes; fail if it does not in time."""
    deadline = started + HEALTHY_TIMEOUT_S
    while time.monotonic() < deadline:
        state = _run([*engine, "inspect", "--format", "{{.State.Status}}", container]).stdout
        if state.strip() not in ("created", "running"):
            logs = _run([*engine, "logs", container], check=False)
            raise AssertionError(f"container is {state.strip()}:\n{logs.stdout}{logs.stderr}")
        if name == "podman":
            # Without systemd podman schedules no health checks: run the image's one by hand.
            if _ok([*engine, "healthcheck", "run", container], timeout=30):
                return
        else:
            health = _run(
                [*engine, "inspect", "--format", "{{.State.Health.Status}}", container]
            ).stdout
            if health.strip() == "healthy":
                return
        time.sleep(0.5)
    logs = _run([*engine, "logs", container], check=False)
    raise AssertionError(
        f"not healthy after {HEALTHY_TIMEOUT_S} s:\n{logs.stdout[-4000:]}{logs.stderr[-4000:]}"
    )


def test_image_serves_the_gateway_api(image, tmp_path, capsys, record_property) -> None:
    engine, name, base, built = image
    size, base_size = (
        int(_run([*engine, "image", "inspect", "--format", "{{.Size}}", ref]).stdout)
        for ref in (TAG, base)
    )
    _report(capsys, record_property, "image", f"{TAG} from {base}, built in {built:.1f} s")
    _report(
        capsys,
        record_property,
        "image size",
        f"{size / 1e6:.0f} MB (base {base_size / 1e6:.0f} MB + {(size - base_size) / 1e6:.0f} MB)",
    )

    # What a CI job mounts: a writable certs dir to read the CA back, its own scenario.
    certs = tmp_path / "certs"
    scenarios = tmp_path / "scenarios"
    certs.mkdir()
    scenarios.mkdir()
    certs.chmod(0o777)  # the container runs as a non-root user
    scenarios.chmod(0o755)
    scenario = scenarios / "ci.yaml"
    shutil.copyfile(ROOT / "emulator" / "scenario" / "default.yaml", scenario)
    scenario.chmod(0o644)

    port = _free_port()
    container = f"iqge-test-{uuid.uuid4().hex[:10]}"
    base = f"https://localhost:{port}"
    run = [
        *engine, "run", "-d", "--name", container, "--network=host",
        "-e", f"EMULATOR_PORT={port}",
        "-e", f"EMULATOR_ADMIN_TOKEN={ADMIN_TOKEN}",
        "-e", "EMULATOR_SCENARIO=/scenarios/ci.yaml",
        "-e", "EMULATOR_SEED=7",
        "-e", "EMULATOR_EXTRA_NAMES=emulator,emulator.ci.test",
        "-v", f"{certs}:/certs",
        "-v", f"{scenarios}:/scenarios:ro",
        TAG,
    ]  # fmt: skip
    started = time.monotonic()
    try:
        _run(run)
        _wait_healthy(engine, name, container, started)
        healthy_s = time.monotonic() - started
        _report(capsys, record_property, "start to healthy", f"{healthy_s:.2f} s")

        user = _run([*engine, "exec", container, "id", "-u"]).stdout.strip()
        assert user != "0", "the emulator must not run as root"

        # The bootstrap: the one request that cannot verify the server, since it fetches
        # the CA that verifies everything after it (the same as `curl -k .../ca.pem`).
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        status, ca_pem = _get(f"{base}/__emulator/ca.pem", unverified)
        assert status == 200
        assert ca_pem.startswith(b"-----BEGIN CERTIFICATE-----")
        # ... and the same CA is on the mounted certs volume.
        assert (certs / "ca.pem").read_bytes() == ca_pem

        # From here on every request verifies the server against that CA, host name included.
        trusted = ssl.create_default_context(cadata=ca_pem.decode())
        with pytest.raises(urllib.error.URLError) as refused:
            _get(f"{base}/__emulator/health", ssl.create_default_context())
        assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)

        status, body = _get(f"{base}/__emulator/health", trusted)
        assert status == 200
        health = json.loads(body)
        assert health["status"] == "ok"

        def mint(role: str, admin_token: str | None = ADMIN_TOKEN) -> tuple[int, dict]:
            headers = {"Content-Type": "application/json"}
            if admin_token:
                headers["X-Emulator-Admin-Token"] = admin_token
            payload = json.dumps({"role": role}).encode()
            status, body = _get(f"{base}/__emulator/tokens", trusted, headers, payload)
            return status, json.loads(body or b"{}")

        status, _ = mint("installer", admin_token=None)
        assert status in (401, 403), "the admin API must want EMULATOR_ADMIN_TOKEN"
        status, installer = mint("installer")
        assert status == 200, installer
        status, owner = mint("owner")
        assert status == 200, owner

        def chargers(token: str) -> tuple[int, bytes]:
            auth = {"Authorization": f"Bearer {token}"}
            return _get(f"{base}/ivp/pdm/chargers", trusted, auth)

        status, body = chargers(installer["token"])
        assert status == 200, body
        answer = json.loads(body)
        assert answer["meta"]["rowCount"] == len(answer["data"]) == health["chargers"] >= 1

        status, body = chargers(owner["token"])
        assert status == 401, body
    except BaseException:
        logs = _run([*engine, "logs", container], check=False)
        with capsys.disabled():
            print(f"\n[container] logs of {container}:\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}")
        raise
    finally:
        _run([*engine, "rm", "-f", "-v", container], check=False)
