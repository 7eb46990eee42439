"""Container HEALTHCHECK: GET /__emulator/health over HTTPS, verified against the emulator's CA.

Exits 0 when the emulator answers 200 with ``{"status": "ok"}``, 1 otherwise. Standard library
only, so the image needs no curl. Reads the same EMULATOR_* variables as the emulator itself.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import urllib.request
from pathlib import Path


def main() -> int:
    port = os.environ.get("EMULATOR_PORT", "8443")
    ca = Path(os.environ.get("EMULATOR_CERTS_DIR", "/certs")) / "ca.pem"
    url = f"https://localhost:{port}/__emulator/health"
    try:
        context = ssl.create_default_context(cafile=str(ca))
        with urllib.request.urlopen(url, context=context, timeout=2.5) as response:
            body = json.load(response)
            ok = response.status == 200 and body.get("status") == "ok"
    except (OSError, ValueError) as exc:  # not up yet, no CA yet, bad TLS, bad JSON
        print(f"unhealthy: {url}: {exc}")
        return 1
    print(f"{'healthy' if ok else 'unhealthy'}: {url}: {body}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
