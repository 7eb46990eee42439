"""``serve --cloud-port``: the second listener as a user starts it, over real HTTPS."""

from __future__ import annotations

import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path


def serve_with_cloud(tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--port", "0"],
        cwd=tmp_path,
        env={**os.environ, "EMULATOR_CLOUD_PORT": "0"},
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
        if "Enlighten cloud and Entrez emulated on" in line:
            break
    return process, "".join(lines)


def test_serve_opens_the_cloud_listener_and_prints_the_accounts(tmp_path: Path) -> None:
    process, banner = serve_with_cloud(tmp_path)
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
