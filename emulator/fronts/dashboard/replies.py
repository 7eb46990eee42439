"""The dashboard surface's name, paths and headers."""

from __future__ import annotations

from collections.abc import Mapping

NAME = "dashboard"
ASSETS = "/dashboard"
"""Where the page's scripts and styles live (public: a browser cannot send the admin
header when it loads them; they hold no data)."""
LIVE = "/__emulator/live"
HEADERS: Mapping[str, str] = {"Referrer-Policy": "no-referrer"}
