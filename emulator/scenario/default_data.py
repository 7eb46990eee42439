"""The embedded default scenario (``default.yaml``) as the scenario parser reads it.

``serve`` without ``--scenario`` starts from this copy instead of parsing the file: the
parser brings pyyaml and the positions machinery, ~20 ms of every start-up for a file
that never changes. The copy is used only while ``default.yaml``'s text still hashes to
:data:`TEXT_SHA256` (else the file is parsed, as before), and
``tests/test_startup_imports.py`` fails, printing the new digest and literal, until both
are updated with the file.
"""

from __future__ import annotations

from typing import Any

TEXT_SHA256 = "3964536e304a78114f0531b512c6770237939bcb49238d87a1e255c6e8fbb6da"
"""The SHA-256 of default.yaml's text (UTF-8) that :func:`data` was made from."""


def data() -> dict[str, Any]:
    """A new copy on every call (the caller owns it, as it owns a parsed file)."""
    return {
        "name": "Default - one gateway, one charger, no car",
        "seed": 7,
        "gateway": {"firmware": "D7.6.175", "time_zone": "UTC", "ev_min_role": "installer"},
        "chargers": [{"id": "garage", "max_amps": 32, "voltage": 230, "phases": 1}],
        "accounts": {
            "site": {"name": "Home"},
            "users": [
                {"email": "owner@example.com", "password": "emulator", "role": "owner"},
                {"email": "installer@example.com", "password": "emulator", "role": "installer"},
            ],
        },
    }
