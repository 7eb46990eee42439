"""pytest plugin (registered through the ``pytest11`` entry point ``iq_gateway_emulator``).

Installing the package is enough; every test gets its own emulator:

    @pytest.mark.iq_gateway(scenario="home.yaml", seed=3, clock="manual")
    async def test_discovery(iq_gateway):
        ...

    def test_sync(iq_gateway_sync):
        ...

``iq_gateway`` is an async fixture (a :class:`emulator.testing.Gateway` in the test's event
loop) and needs pytest-asyncio or anyio's plugin; in pytest-asyncio's strict mode (its
default) an ``async def`` test that takes ``iq_gateway`` is marked ``asyncio`` for you;
``iq_gateway_sync`` (a :class:`emulator.testing.SyncGateway` on a background thread) needs
nothing. When a test that used one fails, its report shows the last requests the gateway received.

This module imports neither the emulator nor pytest-asyncio at import time: it is loaded by
every pytest run of a project that has the package installed.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

MARKER = "iq_gateway"
OPTIONS = ("scenario", "seed", "clock", "certs_dir", "admin_token", "extra_names", "host")
GATEWAYS = pytest.StashKey[list[Any]]()
TAIL_INI = "iq_gateway_journal_tail"
SCENARIO_INI = "iq_gateway_scenario"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        SCENARIO_INI,
        "scenario file the iq_gateway fixtures start with when a test's marker names none "
        "(relative to the rootdir; default: the emulator's embedded scenario)",
        default="",
    )
    parser.addini(
        TAIL_INI,
        "how many of the emulator's last requests a failed test's report shows (0: none)",
        default="20",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenario=None, *, seed=None, clock='manual', certs_dir=None, admin_token=None):"
        " how the iq_gateway / iq_gateway_sync fixtures start the emulator for this test"
        " (scenario: a file path relative to the test file, YAML text or a dict)",
    )
    config.pluginmanager.register(_async_fixtures(config), "iq_gateway_emulator_async")


# -- options --------------------------------------------------------------------------------


def gateway_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The ``iq_gateway`` markers on the test, its class and module (the closest wins)."""
    options: dict[str, Any] = {}
    for mark in reversed(list(request.node.iter_markers(MARKER))):
        if len(mark.args) > 1:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes one positional argument")
        unknown = sorted(set(mark.kwargs) - set(OPTIONS))
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.{MARKER}: unknown option {unknown[0]!r}; "
                f"the options are {', '.join(OPTIONS)}"
            )
        if mark.args:
            options["scenario"] = mark.args[0]
        options.update(mark.kwargs)
    test_file = Path(str(request.node.path))
    options["base_dir"] = test_file.parent
    if options.get("scenario") is None:
        default = str(request.config.getini(SCENARIO_INI) or "").strip()
        if default:
            options["scenario"] = request.config.rootpath / default
    return options


def _remember(request: pytest.FixtureRequest, gateway: Any) -> None:
    item = request.node
    if GATEWAYS not in item.stash:
        item.stash[GATEWAYS] = []
    item.stash[GATEWAYS].append(gateway)


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def iq_gateway_sync(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh emulator served from a background thread (``emulator.testing.SyncGateway``)."""
    from .testing import SyncGateway

    gateway = SyncGateway.start(**gateway_options(request))
    _remember(request, gateway)
    try:
        yield gateway
    finally:
        gateway.stop()


def _is_async_test(request: pytest.FixtureRequest) -> bool:
    function = getattr(request.node, "function", None)
    if function is None:
        return True  # not a plain test function: let it through
    function = inspect.unwrap(function)
    return inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)


async def _iq_gateway(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A fresh emulator in the test's event loop (``emulator.testing.Gateway``)."""
    if not _is_async_test(request):
        pytest.fail(
            f"{request.node.name} is a synchronous test: the iq_gateway fixture serves from the"
            " test's event loop, which does not run here. Use iq_gateway_sync instead.",
            pytrace=False,
        )
    from .testing import Gateway

    gateway = await Gateway.open(**gateway_options(request))
    _remember(request, gateway)
    try:
        yield gateway
    finally:
        await gateway.stop()


def _iq_gateway_unavailable(request: pytest.FixtureRequest) -> None:
    pytest.fail(
        "the iq_gateway fixture is async and needs pytest-asyncio (pip install pytest-asyncio;"
        " it works in auto and strict mode) or anyio's pytest plugin. Synchronous tests can"
        " use iq_gateway_sync, which needs neither.",
        pytrace=False,
    )


def _async_fixtures(config: pytest.Config) -> types.ModuleType:
    """``iq_gateway``, wrapped for the async plugin in use (imported only now)."""
    holder = types.ModuleType("emulator.pytest_plugin.async_fixtures")
    names = {getattr(p, "__name__", "") for p in config.pluginmanager.get_plugins()}
    if "pytest_asyncio.plugin" in names:
        import pytest_asyncio

        fixture = pytest_asyncio.fixture(_iq_gateway, name="iq_gateway")
    elif "anyio.pytest_plugin" in names:
        fixture = pytest.fixture(_iq_gateway, name="iq_gateway")
    else:
        fixture = pytest.fixture(_iq_gateway_unavailable, name="iq_gateway")
    holder.iq_gateway = fixture  # type: ignore[attr-defined]
    return holder


# -- async tests in pytest-asyncio's strict mode ------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Mark ``async def test_...(iq_gateway)`` for pytest-asyncio, so the README's example
    runs in a fresh project on pytest-asyncio's default (strict) mode with no setting; a
    test marked already, or run by anyio, is left alone. Collection itself is pytest's."""
    if not (
        inspect.iscoroutinefunction(obj) and collector.config.pluginmanager.has_plugin("asyncio")
    ):
        return
    try:
        parameters = inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return
    marks = {mark.name for mark in getattr(obj, "pytestmark", [])}
    if "iq_gateway" in parameters and not marks & {"asyncio", "anyio"}:
        pytest.mark.asyncio(obj)


# -- failure reports ------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if not report.failed or report.when not in ("setup", "call"):
        return
    gateways = item.stash.get(GATEWAYS, [])
    try:
        count = int(item.config.getini(TAIL_INI))
    except ValueError:
        count = 20
    if count <= 0:
        return
    for index, gateway in enumerate(gateways):
        title = "iq-gateway requests" + (f" ({index + 1})" if len(gateways) > 1 else "")
        try:
            text = gateway.journal_report(count)
        except Exception as exc:  # never hide the test's own failure
            text = f"(could not read the request journal: {exc!r})"
        report.sections.append((title, text))
