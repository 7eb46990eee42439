"""Docs that cannot drift: every route in the table is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.fronts.registry import ROUTE_TABLE

ROUTES_DOC = (Path(__file__).resolve().parents[1] / "docs" / "routes.md").read_text()


@pytest.mark.parametrize("spec", ROUTE_TABLE, ids=lambda s: f"{s.method} {s.path}")
def test_every_route_is_in_docs_routes_md(spec) -> None:  # type: ignore[no-untyped-def]
    assert f"| {spec.method} | `{spec.path}` |" in ROUTES_DOC, (
        f"{spec.method} {spec.path} is served but not documented in docs/routes.md"
    )
