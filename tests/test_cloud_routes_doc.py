"""docs/routes.md's cloud section and the cloud surface's route table say the same: every
route documented once with its evidence, nothing documented that is not served."""

from __future__ import annotations

import re
from pathlib import Path

from emulator.fronts.cloud.surface import SURFACE

DOC = (Path(__file__).resolve().parents[1] / "docs" / "routes.md").read_text()
SECTION = DOC[DOC.index("## The emulated cloud") :]
ROW = re.compile(
    r"^\| `([^`]+)` \| (GET|POST|PUT|PATCH|DELETE) \| (community|designed|observed) \|"
)


def documented() -> dict[tuple[str, str], str]:
    rows: dict[tuple[str, str], str] = {}
    for line in SECTION.splitlines():
        match = ROW.match(line)
        if match:
            key = (match[2], match[1])
            assert key not in rows, f"{key} is documented twice"
            rows[key] = match[3]
    return rows


def test_the_cloud_section_matches_the_cloud_route_table() -> None:
    served = {(s.method, s.path): s.evidence for s in SURFACE.routes}
    assert documented() == served


def test_the_cloud_routes_have_unique_names() -> None:
    names = [s.name for s in SURFACE.routes]
    assert len(names) == len(set(names))
