"""Run every benchmark, print one summary, and fail when a target is missed by a wide margin.

    python bench/run_all.py --short                      # CI: about half a minute
    python bench/run_all.py --results bench/RESULTS.md   # the full run, written up

Each benchmark runs in its own process (so memory and start-up figures are its own) and
reports its checks; a check *fails the run* only when it misses its target by a wide
margin — a ratio below half its target, or a time or size above twice its target, or past
the check's own ``fail_at`` when it has one — so a noisy CI machine does not turn red on a
near miss. Near misses are printed as MISSED.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import scale
import startup
import throughput
import virtual_time
from common import BENCH, PYTHON, machine, table

BENCHES = {
    "throughput": throughput,
    "startup": startup,
    "virtual_time": virtual_time,
    "scale": scale,
}
WIDE_MARGIN = 2.0


def judge(check: dict) -> str:
    """ok, MISSED, or FAILED past the wide margin (or past the check's own ``fail_at``: a
    floor set below today's figure while a target is known to be missed, so that noise does
    not fail CI and a real regression still does)."""
    value, target = check["value"], check["target"]
    if check["lower_is_better"]:
        if value <= target:
            return "ok"
        return "FAILED" if value > check.get("fail_at", target * WIDE_MARGIN) else "MISSED"
    if value >= target:
        return "ok"
    return "FAILED" if value < check.get("fail_at", target / WIDE_MARGIN) else "MISSED"


def run_one(name: str, short: bool) -> dict:
    args = [PYTHON, str(BENCH / f"{name}.py"), "--json", *(["--short"] if short else [])]
    started = time.monotonic()
    out = subprocess.run(args, capture_output=True, text=True, cwd=BENCH.parent)
    if out.returncode != 0:
        return {"bench": name, "error": out.stderr[-3000:], "checks": []}
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.monotonic() - started
    return result


def results_markdown(results: dict[str, dict], short: bool) -> str:
    info = machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Last measured {when} with `python bench/run_all.py"
        f"{' --short' if short else ''} --results bench/RESULTS.md`.",
        "",
        f"Machine: {info['nproc']} CPU(s), {info['cpu']}, {info['implementation']} "
        f"{info['python']}, {info['os']}. The load generator, the servers and the emulator "
        "share these cores, so absolute figures are modest; each benchmark reports a ratio "
        "to a baseline measured in the same run.",
        "",
        "## Targets",
        "",
        table(
            ("check", "value", "target", "verdict"),
            [
                (
                    c["name"],
                    f"{c['value']:.3f}",
                    ("<= " if c["lower_is_better"] else ">= ") + str(c["target"]),
                    judge(c),
                )
                for r in results.values()
                for c in r.get("checks", [])
            ],
        ),
    ]
    for name, result in results.items():
        lines += ["", f"## {name.replace('_', ' ').capitalize()}", ""]
        if "error" in result:
            lines.append(f"failed to run:\n\n```\n{result['error']}\n```")
            continue
        lines.append(BENCHES[name].render(result))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true", help="CI mode (also BENCH_SHORT=1)")
    parser.add_argument("--results", type=Path, help="write the Markdown write-up here")
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHES), help="run only these")
    args = parser.parse_args()
    from common import short_mode

    short = args.short or short_mode([])
    results: dict[str, dict] = {}
    for name in args.only or BENCHES:
        print(f"== {name}{' (short)' if short else ''}", flush=True)
        result = run_one(name, short)
        results[name] = result
        if "error" in result:
            print(result["error"], flush=True)
        else:
            print(BENCHES[name].render(result), flush=True)
            print(f"({result['wall_s']:.1f} s)\n", flush=True)
    rows = []
    failed = False
    for name, result in results.items():
        if "error" in result:
            rows.append((name, "did not run", "", "", "FAILED"))
            failed = True
        for check in result.get("checks", []):
            verdict = judge(check)
            failed = failed or verdict == "FAILED"
            bound = ("<= " if check["lower_is_better"] else ">= ") + str(check["target"])
            rows.append((name, check["name"], f"{check['value']:.3f}", bound, verdict))
    print(table(("bench", "check", "value", "target", "verdict"), rows))
    info = machine()
    print(f"\nmachine: {info['nproc']} CPU(s), {info['cpu']}, Python {info['python']}")
    if args.results:
        args.results.write_text(results_markdown(results, short))
        print(f"wrote {args.results}")
    if failed:
        print("a target was missed by a wide margin (or a benchmark failed)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
