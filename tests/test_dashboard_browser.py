"""The dashboard in a real browser: headless Chromium (Debian's package) driven by
Playwright, trusting the emulator's CA through an NSS database (no certificate errors are
ignored), while a real HTTPS client drives the gateway beside it.

Skips, saying why, only where no browser can be had (no Playwright or no Chromium)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from emulator.fronts.middleware.admin_gate import ADMIN_HEADER
from emulator.fronts.server import RunningServer, start_server
from emulator.runtime import Emulator, Settings

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = ROOT / "docs" / "dashboard.png"
ADMIN = "s3cret"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright for Python is not installed (see .ci/run)"
)
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
if not shutil.which("certutil"):
    pytest.skip(
        "no certutil to trust the CA (apt-get install libnss3-tools)", allow_module_level=True
    )


def trusting_home(home: Path, ca: Path) -> Path:
    """A HOME whose NSS database trusts the emulator's CA, as Chromium on Linux reads it."""
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{nssdb}", "-n", "iq-emulator", "-t", "C,,", "-i", str(ca)],
        check=True,
    )
    return home


@pytest.fixture
async def server(certs_dir: Path) -> AsyncIterator[RunningServer]:
    emulator = Emulator(
        Settings(certs_dir=certs_dir, port=0, clock="manual", log_requests=False, admin_token=ADMIN)
    )
    running = await start_server(emulator, host="127.0.0.1", port=0)
    yield running
    await running.stop()


@pytest.fixture
async def page(server: RunningServer, tmp_path: Path) -> AsyncIterator[Any]:
    home = trusting_home(tmp_path / "home", server.emulator.certs.ca_path)
    async with playwright_api.async_playwright() as p:
        context = await p.chromium.launch_persistent_context(
            tmp_path / "profile",  # a new, empty --user-data-dir
            executable_path=CHROMIUM,
            args=FLAGS,
            env={**os.environ, "HOME": str(home)},
            viewport={"width": 1400, "height": 1300},
        )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        await context.close()
        assert not errors, f"the page raised: {errors}"


async def test_the_dashboard_follows_a_charge_live(server: RunningServer, page: Any) -> None:
    expect = playwright_api.expect
    emulator = server.emulator
    base = f"https://localhost:{server.port}"
    serial = emulator.world.aliases["garage"]

    # The page asks for the admin token once, then shows the gateway and its charger.
    await page.goto(base + "/")  # fails on a certificate error: the CA is trusted, not ignored
    await page.fill("#login-token", ADMIN)
    await page.click("#login button")
    card = page.locator(f'.card[data-serial="{serial}"]')
    await expect(card.locator('[data-f="state"]')).to_have_text("AVAILABLE")
    await expect(page.locator("#link")).to_have_text("live")
    await expect(page.locator('#gateway [data-field="serial"]')).to_have_text(
        emulator.world.gateway.serial
    )
    await page.evaluate("window.notReloaded = true")

    # Plug a car in from the card.
    await card.locator('[data-in="socin"]').fill("20")
    await card.locator('[data-do="plug_in"]').click()
    await expect(card.locator('[data-f="state"]')).to_have_text("PREPARING")

    # A real HTTPS client (verifying the CA) starts the charge; the card follows.
    ssl = emulator.certs.client_context()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ssl)) as http:
        admin = {ADMIN_HEADER: ADMIN}
        async with http.post(
            f"{base}/__emulator/tokens", json={"role": "installer"}, headers=admin
        ) as r:
            installer = (await r.json())["token"]
        async with http.post(
            f"{base}/__emulator/tokens", json={"role": "owner"}, headers=admin
        ) as r:
            owner = (await r.json())["token"]
        async with http.post(
            f"{base}/ivp/pdm/charger/{serial}/start_charging",
            json={"chargingLevel": 32, "connectorId": 1},
            headers={"Authorization": f"Bearer {installer}"},
        ) as response:
            assert response.status == 200, await response.text()
        await expect(card.locator('[data-f="state"]')).to_have_text("CHARGING")
        await expect(card.locator('[data-f="power"]')).to_have_text("7.36 kW")

        # One hour later: 32 A x 230 V x 1 h.
        await page.click("#advance-1h")
        await expect(card.locator('[data-f="session"]')).to_have_text("7.36 kWh")
        assert await page.evaluate("window.notReloaded") is True

        # The owner's 401 on an EV route: the client gets the gateway's page, the
        # dashboard says why.
        async with http.get(
            f"{base}/ivp/pdm/chargers", headers={"Authorization": f"Bearer {owner}"}
        ) as response:
            assert response.status == 401
            assert "<html" in (await response.text()).lower()
    row = page.locator('#journal tr[data-status="401"]').first
    await expect(row).to_contain_text("/ivp/pdm/chargers")
    await expect(row.locator(".status")).to_contain_text("role_too_low")

    # A refused action shows the model's own message.
    await card.locator('[data-do="clear_fault"]').click()
    await expect(page.locator("#toast")).to_contain_text("clear_fault:")
    await page.wait_for_timeout(50)
    await expect(page.locator("#toast")).to_have_class("toast refusal")


async def client_calls(server: RunningServer) -> None:
    """What a client does meanwhile: an installer reads the status, an owner is refused."""
    base = f"https://localhost:{server.port}"
    world = server.emulator.world
    serial = world.aliases["garage"]
    installer, owner = world.auth.mint("installer"), world.auth.mint("owner")
    ssl = server.emulator.certs.client_context()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ssl)) as http:
        for token, path in (
            (installer, f"/ivp/pdm/charger/{serial}/status"),
            (installer, "/ivp/pdm/chargers"),
            (owner, f"/ivp/pdm/charger/{serial}/status"),
        ):
            headers = {"Authorization": f"Bearer {token}"}
            async with http.get(base + path, headers=headers) as response:
                await response.read()


async def login(page: Any, base: str) -> None:
    await page.goto(base + "/")
    await page.fill("#login-token", ADMIN)
    await page.click("#login button")
    await playwright_api.expect(page.locator("#link")).to_have_text("live")


async def test_scenarios_are_validated_loaded_and_followed_from_the_page(
    server: RunningServer, page: Any
) -> None:
    expect = playwright_api.expect
    await login(page, f"https://localhost:{server.port}")
    await page.click("details summary")
    await page.fill("#scenario-text", "seed: 1\nchargers:\n  - id: a\n   name: x\n")
    await page.click("#scenario-validate")
    await expect(page.locator("#problems li").first).to_contain_text("line 4, column")
    assert server.emulator.world.aliases.keys() == {"garage"}  # validating applied nothing

    text = (ROOT / "scenarios" / "basic-day.yaml").read_text()
    await page.fill("#scenario-text", text)
    await page.click("#scenario-load")
    await expect(page.locator("#toast")).to_contain_text("loaded")
    steps = page.locator("#timeline tbody tr")
    await expect(steps.first).to_have_class("step pending")
    count = await steps.count()
    assert count >= 3

    # Load again, with another seed: the serial changes and the page says what it means.
    await page.fill("#scenario-text", text.replace("seed: 42", "seed: 43"))
    await page.click("#scenario-load")
    await expect(page.locator("#toast")).to_contain_text("every token minted before")

    await page.fill("#advance-by", "8h")
    await page.click("#advance")
    await expect(page.locator("#timeline tbody tr.step.passed").first).to_be_visible()
    await expect(page.locator("#timeline tbody tr.step.pending")).not_to_have_count(count)
    await expect(page.locator(".card").first.locator('[data-f="state"]')).not_to_have_text(
        "AVAILABLE"
    )
    # Reset: back to the start, the timeline pending again.
    await page.click("#scenario-reset")
    await expect(steps.first).to_have_class("step pending")

    # The README's screenshot: the day run up to the evening's charge.
    await page.fill("#advance-by", "7h30m")
    await page.click("#advance")
    await expect(page.locator("#timeline tbody tr.step.passed").first).to_be_visible()
    await client_calls(server)
    await expect(page.locator('#journal tr[data-status="401"]')).to_have_count(1)
    await page.click("details summary")  # closed again
    await page.locator("#toast").evaluate("t => t.hidden = true")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT), full_page=True)
