"""``serve --cloud-port``: the second listener as a user starts it, over real HTTPS."""

from __future__ import annotations

import json
import re
import signal
import ssl
import urllib.parse
import urllib.request
from pathlib import Path

from tests.test_cli import start_serve


def test_serve_opens_the_cloud_listener_and_prints_the_accounts(tmp_path: Path) -> None:
    process, _, banner = start_serve(
        tmp_path, env={"EMULATOR_CLOUD_PORT": "0"}, until="Enlighten cloud and Entrez emulated on"
    )
    try:
        assert 'owner@example.com (owner, password "emulator")' in banner
        assert 'installer@example.com (installer, password "emulator")' in banner
        match = re.search(r"emulated on https://localhost:(\d+)", banner)
        assert match, banner
        context = ssl.create_default_context(cafile=str(tmp_path / "certs" / "ca.pem"))
        form = urllib.parse.urlencode(
            {"user[email]": "installer@example.com", "user[password]": "emulator"}
        ).encode()
        request = urllib.request.Request(
            f"https://localhost:{match[1]}/login/login.json", data=form, method="POST"
        )
        with urllib.request.urlopen(request, context=context, timeout=5) as response:
            assert response.headers["Content-Type"].startswith("application/json")
            assert json.loads(response.read())["is_consumer"] is False
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
    assert process.returncode == 0, banner + out
