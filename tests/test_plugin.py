"""Issue 5: the pytest plugin, as a user's project meets it (pytester, and a fresh venv)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parents[1]
SN = "202200000001"
HOME = f"""
seed: 4
clock: {{start: "2026-06-01T12:00:00Z"}}
chargers:
  - {{id: garage, serial: "{SN}", max_amps: 32}}
"""


@pytest.fixture(autouse=True)
def shared_ca(certs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs below reuse this session's CA (pytester gives them a fresh HOME)."""
    monkeypatch.setenv("IQ_GATEWAY_EMULATOR_CERTS", str(certs_dir))


def ini(pytester: pytest.Pytester, mode: str = "auto", extra: str = "") -> None:
    pytester.makeini(
        f"[pytest]\nasyncio_mode = {mode}\nasyncio_default_fixture_loop_scope = function\n{extra}"
    )


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    ini(pytester)
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.iq_gateway(scenario=None, *, seed=None*"])


@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_the_async_fixture_with_pytest_asyncio(pytester: pytest.Pytester, mode: str) -> None:
    ini(pytester, mode)
    scenarios = pytester.mkdir("tests") / "scenarios"
    scenarios.mkdir()
    (scenarios / "home.yaml").write_text(HOME)
    strict = "pytestmark = pytest.mark.asyncio" if mode == "strict" else ""
    pytester.makepyfile(
        **{
            "tests/test_user.py": textwrap.dedent(
                """
                import pytest

                SN = "202200000001"
                STRICT

                @pytest.mark.iq_gateway(scenario="scenarios/home.yaml")
                async def test_a_file_next_to_the_test(iq_gateway):
                    assert iq_gateway.chargers == [SN]
                    iq_gateway.plug_in(SN)
                    async with iq_gateway.client(token=iq_gateway.token()) as http:
                        async with http.get(f"/ivp/pdm/charger/{SN}/status") as response:
                            body = await response.json()
                    assert body["data"]["chargers"][0]["pluggedIn"] is True
                    await iq_gateway.advance("2h")
                    iq_gateway.assert_called("GET", "/ivp/pdm/charger/{sn}/status", times=1)

                @pytest.mark.iq_gateway(scenario="scenarios/home.yaml")
                async def test_each_test_gets_a_fresh_gateway(iq_gateway):
                    assert iq_gateway.charger(SN)["vehicle"] is None
                    assert iq_gateway.requests() == []
                    assert iq_gateway.clock()["now"] == "2026-06-01T12:00:00Z"

                @pytest.mark.iq_gateway("chargers: [{id: a}, {id: b}]", seed=1, clock="realtime")
                async def test_yaml_text_seed_and_clock(iq_gateway):
                    assert len(iq_gateway.chargers) == 2
                    assert iq_gateway.clock()["mode"] == "realtime"

                async def test_the_default_scenario_on_a_manual_clock(iq_gateway):
                    assert len(iq_gateway.chargers) == 1
                    assert iq_gateway.clock()["mode"] == "manual"

                @pytest.mark.iq_gateway(scenario={"gateway": {"serial": "999"}}, seed=2)
                class TestMarkersOnClasses:
                    async def test_class_marker(self, iq_gateway):
                        assert iq_gateway.serial == "999" and iq_gateway.chargers == []

                    @pytest.mark.iq_gateway(seed=3)
                    async def test_closest_wins(self, iq_gateway):
                        assert iq_gateway.serial == "999"  # the scenario from the class
                        assert iq_gateway.emulator.world.seed == 3
                """
            ).replace("STRICT", strict)
        }
    )
    result = pytester.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)


def test_the_sync_fixture_needs_no_async_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.iq_gateway(scenario={HOME!r})
        def test_sync(iq_gateway_sync):
            gw = iq_gateway_sync
            assert gw.request("GET", "/ivp/pdm/chargers", token=gw.token("owner")).status == 401
            gw.plug_in()
            gw.advance("1h")
            gw.assert_called("GET", "/ivp/pdm/chargers", status=401)

        def test_isolated(iq_gateway_sync):
            assert iq_gateway_sync.requests() == []

        def test_async_fixture_without_an_async_plugin(iq_gateway):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:asyncio", "-p", "no:anyio")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*the iq_gateway fixture is async and needs pytest-asyncio*"])


def test_the_async_fixture_in_a_sync_test_says_what_to_use(pytester: pytest.Pytester) -> None:
    ini(pytester)
    pytester.makepyfile("def test_sync(iq_gateway):\n    pass\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*test_sync is a synchronous test*Use iq_gateway_sync instead*"])


def test_a_bad_marker_is_a_usage_error(pytester: pytest.Pytester) -> None:
    ini(pytester)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.iq_gateway(sede=3)
        def test_typo(iq_gateway_sync):
            pass
        """
    )
    result = pytester.runpytest_subprocess()
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*unknown option 'sede'*"])


FAILING = f"""
import pytest

SN = "{SN}"

@pytest.mark.iq_gateway(scenario={HOME!r})
async def test_async_fails(iq_gateway):
    async with iq_gateway.client(token=iq_gateway.token("owner")) as http:
        async with http.get("/ivp/pdm/chargers") as response:
            pass
        body = {{"chargingLevel": 16}}
        async with http.post(f"/ivp/pdm/charger/{{SN}}/start_charging", json=body):
            pass
    assert response.status == 200

@pytest.mark.iq_gateway(scenario={HOME!r})
def test_sync_fails(iq_gateway_sync):
    iq_gateway_sync.request("GET", "/info")
    iq_gateway_sync.assert_called("GET", "/ivp/pdm/chargers")

async def test_passes(iq_gateway):
    async with iq_gateway.client() as http:
        await http.get("/info")
"""


def test_a_failed_test_shows_the_journal_tail(pytester: pytest.Pytester) -> None:
    ini(pytester)
    pytester.makepyfile(FAILING)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2, passed=1)
    out = result.stdout.str()
    sections = re.findall(r"-+ iq-gateway requests -+\n(.*?)(?=\n[_=-]{5})", out, re.S)
    assert len(sections) == 2, out  # one per failed test, none for the one that passed
    async_tail, sync_tail = sections
    assert "last 2 of 2 requests, oldest first" in async_tail
    assert re.search(r"#1 2026-06-01T12:00:00Z GET /ivp/pdm/chargers -> 401 role=owner", async_tail)
    assert (
        f"#2 2026-06-01T12:00:00Z POST /ivp/pdm/charger/{SN}/start_charging -> 401 role=owner"
        f" sent=bearer" in async_tail
    )
    assert 'req={"chargingLevel": 16}' in async_tail
    assert "401 Authorization Required" in async_tail  # error bodies are shown
    assert "#1 2026-06-01T12:00:00Z GET /info -> 200 role=anybody sent=none" in sync_tail
    # and the assertion helper's own message lists what was called
    assert "expected GET /ivp/pdm/chargers at least once, but it was called 0 time(s)." in out


def test_the_tail_length_is_an_ini_option(pytester: pytest.Pytester) -> None:
    ini(pytester, extra="iq_gateway_journal_tail = 0\n")
    pytester.makepyfile(FAILING)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2, passed=1)
    assert "iq-gateway requests" not in result.stdout.str()


def test_a_default_scenario_for_the_project_is_an_ini_option(pytester: pytest.Pytester) -> None:
    ini(pytester, extra="iq_gateway_scenario = gw/home.yaml\n")
    pytester.mkdir("gw")
    (pytester.path / "gw" / "home.yaml").write_text(HOME)
    pytester.makepyfile(f"def test_it(iq_gateway_sync):\n    assert iq_gateway_sync.sn == '{SN}'\n")
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_the_examples_tour_runs_in_strict_mode(pytester: pytest.Pytester) -> None:
    ini(pytester, "strict")
    for name in ("local_first_client.py", "test_local_first_client.py", "home.yaml"):
        shutil.copy(ROOT / "examples" / name, pytester.path / name)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=6)


def test_importing_the_plugin_is_cheap() -> None:
    """Every pytest run of a project with the package installed loads the plugin."""
    code = (
        "import sys, emulator.pytest_plugin; "
        "print(sorted(m for m in ('pytest_asyncio', 'aiohttp', 'emulator.testing', 'faker')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the real proof: a throw-away project that only pip-installs the package -------------------

OFFLINE = (
    "Could not find a version that satisfies",
    "No matching distribution found",
    "NewConnectionError",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Max retries exceeded",
    "ConnectTimeout",
    "ReadTimeout",
)
USER_TESTS = f"""
import emulator
import pytest

def test_installed_not_borrowed():
    assert "site-packages" in emulator.__file__, emulator.__file__

@pytest.mark.iq_gateway(scenario={HOME!r})
async def test_async(iq_gateway):
    token = iq_gateway.token("installer")
    async with iq_gateway.client(token=token) as http:
        async with http.get("/ivp/pdm/chargers") as response:
            assert response.status == 200
    iq_gateway.assert_called("GET", "/ivp/pdm/chargers", times=1)

def test_sync(iq_gateway_sync):
    assert iq_gateway_sync.request("GET", "/info").status == 200

def test_fails_with_the_journal(iq_gateway_sync):
    iq_gateway_sync.request("GET", "/info")
    assert False
"""


def test_a_fresh_venv_that_only_pip_installs_the_package_gets_the_plugin(tmp_path: Path) -> None:
    if os.environ.get("IQ_GATEWAY_SKIP_VENV_TEST"):
        pytest.skip("IQ_GATEWAY_SKIP_VENV_TEST is set")
    source = tmp_path / "source"  # a copy, so that building leaves the work tree alone
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "emulator", source / "emulator", ignore=shutil.ignore_patterns("__pycache__")
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # no system packages
    python = venv / "bin" / "python"
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(source), "pytest", "pytest-asyncio"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if pip.returncode != 0:
        if any(marker in pip.stderr + pip.stdout for marker in OFFLINE):
            reason = (pip.stderr.strip().splitlines() or ["?"])[-1]
            pytest.skip(f"pip could not reach a package index (offline?): {reason}")
        pytest.fail(f"pip install failed:\n{pip.stdout}\n{pip.stderr}")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    (project / "test_with_the_emulator.py").write_text(USER_TESTS)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HOME"] = str(tmp_path / "home")  # the CA goes to a fresh ~/.cache
    env.pop("IQ_GATEWAY_EMULATOR_CERTS", None)
    env.pop("XDG_CACHE_HOME", None)
    run = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert re.search(r"\b1 failed, 3 passed\b", summary), run.stdout + run.stderr
    assert "iq-gateway requests" in run.stdout
    assert "GET /info -> 200" in run.stdout
    assert (tmp_path / "home" / ".cache" / "iq-gateway-emulator" / "certs" / "ca.pem").exists()
