"""docs/routes.md and the route table say the same: no documented route that is not
served, each route under the heading of its evidence, and its query parameters named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emulator.fronts.registry import ROUTE_TABLE
from emulator.fronts.routing import RouteSpec

DOC = (Path(__file__).resolve().parents[1] / "docs" / "routes.md").read_text()
ROW = re.compile(r"^\| (GET|POST|PUT|PATCH|DELETE|OPTIONS) \| `([^`]+)` \|(.*)$")
HEADING_EVIDENCE = {"observed": "observed", "designed": "designed", "Admin API": "admin"}


def documented() -> dict[tuple[str, str], tuple[str, str]]:
    """(method, path) → (the section heading above the row, the rest of the row)."""
    rows: dict[tuple[str, str], tuple[str, str]] = {}
    heading = ""
    for line in DOC.splitlines():
        if line.startswith("## "):
            heading = line
        match = ROW.match(line)
        if match:
            rows[(match[1], match[2])] = (heading, match[3])
    return rows


def test_every_documented_route_is_served() -> None:
    served = {(s.method, s.path) for s in ROUTE_TABLE}
    stale = sorted(set(documented()) - served)
    assert not stale, f"docs/routes.md documents routes nobody serves: {stale}"


@pytest.mark.parametrize("spec", ROUTE_TABLE, ids=lambda s: f"{s.method} {s.path}")
def test_each_route_sits_under_its_evidence_and_names_its_query(spec: RouteSpec) -> None:
    heading, row = documented()[(spec.method, spec.path)]
    claimed = [e for words, e in HEADING_EVIDENCE.items() if words in heading]
    assert claimed == [spec.evidence], (
        f"{spec.name} is {spec.evidence}, documented under {heading!r}"
    )
    for param in spec.params:
        if param.where == "query":
            assert param.name in row, f"{spec.name}: query parameter {param.name!r} not documented"
