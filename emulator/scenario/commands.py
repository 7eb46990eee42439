"""``validate`` and ``run``: test a scenario file without a client.

``python -m emulator validate FILE...`` prints ``FILE: ok`` per good file, or every problem
as ``FILE:LINE:COL: message`` on stderr, and exits 1 if any file has one.
``python -m emulator run FILE --until 24h`` runs the timeline on a manual clock and prints
a report (states, power and energy; expectation results; ``--format json`` or ``junit``
for CI); it exits 1 when an expectation fails or a step is refused, and 2 when the file is
invalid.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..model.clock import ClockError, parse_duration
from ..model.errors import ModelError
from .errors import ScenarioError
from .load import load_scenario
from .reports import report_json, report_junit
from .runner import format_report, run_scenario


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def validate_files(files: list[Path]) -> int:
    failed = 0
    for path in files:
        try:
            load_scenario(_read(path), str(path))
        except ScenarioError as exc:
            failed += 1
            for problem in exc.problems:
                print(problem, file=sys.stderr)
        except (OSError, UnicodeDecodeError) as exc:
            failed += 1
            print(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        else:
            print(f"{path}: ok")
    return 1 if failed else 0


def run_file(path: Path, until: str, fmt: str = "text") -> int:
    try:
        seconds = parse_duration(until)
    except ClockError as exc:
        print(f"error: --until: {exc}", file=sys.stderr)
        return 2
    try:
        scenario = load_scenario(_read(path), str(path))
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return 2
    try:
        result = run_scenario(scenario, seconds)
    except ModelError as exc:  # validated, so only a model refusal we did not foresee
        print(f"{path}: {exc.message}", file=sys.stderr)
        return 2
    report = {"text": format_report, "json": report_json, "junit": report_junit}[fmt]
    sys.stdout.write(report(result, str(path), until))
    return 1 if result.failed else 0


def run_command(args: argparse.Namespace) -> int:
    if args.command == "validate":
        return validate_files(list(args.files))
    return run_file(args.file, args.until, getattr(args, "format", "text"))
