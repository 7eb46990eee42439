"""``run --format json|junit``: the same run as :func:`.runner.format_report`, for CI.

JSON carries every row, step and total; JUnit XML has one test case per expectation and
per refused step, so a CI server shows a failed expectation like a failed test.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..model.clock import iso

if TYPE_CHECKING:  # cli.py reads FORMATS at every start-up: the runner loads with `run`
    from .runner import RunResult

FORMATS = ("text", "json", "junit")


def report_dict(result: RunResult, source: str, until_text: str) -> dict[str, Any]:
    world = result.world
    return {
        "scenario": source,
        "seed": world.seed,
        "gateway": {"serial": world.gateway.serial, "firmware": world.gateway.firmware},
        "start": iso(result.start),
        "end": iso(result.end),
        "until": until_text,
        "chargers": result.columns,
        "rows": [
            {
                "time": iso(row.time),
                "what": row.what,
                "chargers": {
                    cid: {
                        "state": cell.state,
                        "power_w": cell.power_w,
                        "delivered_wh": round(cell.delivered_wh, 3),
                    }
                    for cid, cell in row.cells.items()
                },
            }
            for row in result.rows
        ],
        "delivered_wh": {cid: round(result.delivered_wh(cid), 3) for cid in result.columns},
        "steps": [step.as_dict() for step in result.steps],
        "passed": not result.failed,
    }


def report_json(result: RunResult, source: str, until_text: str) -> str:
    return json.dumps(report_dict(result, source, until_text), indent=2) + "\n"


def report_junit(result: RunResult, source: str, until_text: str) -> str:
    import xml.etree.ElementTree as ET  # only --format junit writes XML

    checked = [
        s
        for s in result.steps
        if (s.kind == "expect" and s.status != "pending") or s.status == "failed"
    ]
    failures = [s for s in checked if s.status in ("failed", "not met")]
    suite = ET.Element(
        "testsuite",
        name=source,
        tests=str(len(checked)),
        failures=str(len(failures)),
        errors="0",
        skipped="0",
        timestamp=iso(result.start),
    )
    ET.SubElement(
        ET.SubElement(suite, "properties"),
        "property",
        name="until",
        value=until_text,
    )
    for step in checked:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=source,
            name=f"[{step.index}] {iso(step.time)} {step.label}",
        )
        if step.status == "not met":
            failure = ET.SubElement(case, "failure", message="expectation not met")
            failure.text = "; ".join(step.checks)
        elif step.status == "failed":
            failure = ET.SubElement(case, "failure", message="step refused")
            failure.text = step.message or ""
        elif step.checks:
            ET.SubElement(case, "system-out").text = "; ".join(step.checks)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, "unicode") + "\n"
