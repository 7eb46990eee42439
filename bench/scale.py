"""Scale: memory and status latency with 1, 100 and 1,000 chargers.

Each size runs in a fresh server process (the scenario is built from a dict with
``build_world``, so it is not bound by the scenario file's 64-charger limit); half the
chargers have a car charging. Reported: the process's resident memory (VmRSS from
/proc) after start-up ("idle") and in the steady state after 12,000 status requests
(more than the request journal keeps, so the journal is full), and the latency of one
charger's status and of the full charger list, one connection, keep-alive. The baseline
is the bare aiohttp TLS server's RSS. Target: < 80 MB at 1,000 chargers (steady state).

    python bench/scale.py [--short] [--json]
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import (
    BENCH,
    PYTHON,
    check_line,
    emit,
    free_port,
    https,
    process,
    short_mode,
    table,
    wait_until_up,
)

TARGET_RSS_MB = 80.0
STEADY_REQUESTS = 12_000
"""Status requests before the memory is read again: more than the request journal keeps
(10,000), so the journal is at its bound and the figure is the steady state."""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def scenario(chargers: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for i in range(chargers):
        row: dict[str, Any] = {"id": f"c{i}", "serial": f"2022{i:08d}"}
        if i % 2 == 0:
            row["plugged_in"] = {"capacity_kwh": 100, "soc": 10}
            row["charging"] = True
        rows.append(row)
    return {"seed": 1, "chargers": rows}


async def serve(chargers: int, port: int, certs: Path) -> None:
    """The child: an emulator with this many chargers until SIGINT."""
    from emulator.fronts.server import start_server
    from emulator.runtime import Emulator, Settings

    emulator = Emulator(
        Settings(certs_dir=certs, port=port, clock="realtime", log_requests=False),
        scenario(chargers),
    )
    server = await start_server(emulator, host="127.0.0.1", port=port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()


def latency(url: str, ca: Path, token: str | None, seconds: float, count: int = 0) -> dict:
    out = subprocess.run(
        [
            PYTHON,
            str(BENCH / "load.py"),
            "--url",
            url,
            "--ca",
            str(ca),
            "-c",
            "1",
            "-d",
            str(seconds),
            "-w",
            "0.3",
            *(["-n", str(count)] if count else []),
            *(["--token", token] if token else []),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def measure(chargers: int, certs: Path, seconds: float) -> dict:
    port = free_port()
    base = f"https://localhost:{port}"
    args = [PYTHON, str(BENCH / "scale.py"), "--serve", str(chargers), str(port), str(certs)]
    with process(args) as proc:
        wait_until_up(base + "/__emulator/health", certs / "ca.pem", timeout=120, proc=proc)
        idle = rss_mb(proc.pid)
        _, body = https(
            base + "/__emulator/tokens", certs / "ca.pem", method="POST", body={"role": "installer"}
        )
        token = json.loads(body)["token"]
        listing = latency(f"{base}/ivp/pdm/chargers", certs / "ca.pem", token, seconds)
        status = latency(
            f"{base}/ivp/pdm/charger/{2022 * 10**8:012d}/status",
            certs / "ca.pem",
            token,
            30.0,
            STEADY_REQUESTS,
        )
        loaded = rss_mb(proc.pid)
    for run in (status, listing):
        assert set(run["statuses"]) == {"200"}, run["statuses"]
    return {
        "chargers": chargers,
        "rss_idle_mb": idle,
        "rss_after_mb": loaded,
        "status_p50_ms": status["p50_ms"],
        "status_p99_ms": status["p99_ms"],
        "list_p50_ms": listing["p50_ms"],
        "list_p99_ms": listing["p99_ms"],
    }


def bare_rss(certs: Path) -> float:
    port = free_port()
    args = [PYTHON, str(BENCH / "hello_server.py"), "--port", str(port), "--certs-dir", str(certs)]
    with process(args) as proc:
        wait_until_up(f"https://localhost:{port}/", certs / "ca.pem", proc=proc)
        latency(f"https://localhost:{port}/", certs / "ca.pem", None, 0.5)
        return rss_mb(proc.pid)


def run(short: bool) -> dict:
    seconds = 1.0 if short else 2.0
    with tempfile.TemporaryDirectory() as tmp:
        certs = Path(tmp) / "certs"
        baseline = bare_rss(Path(tmp) / "bare")
        rows = [measure(n, certs, seconds) for n in (1, 100, 1000)]
    at_1000 = rows[-1]["rss_after_mb"]
    return {
        "bench": "scale",
        "short": short,
        "bare_rss_mb": baseline,
        "rows": rows,
        "checks": [
            {
                "name": "RSS at 1,000 chargers (MB)",
                "value": at_1000,
                "target": TARGET_RSS_MB,
                "lower_is_better": True,
            }
        ],
    }


def render(result: dict) -> str:
    rows = [
        (
            r["chargers"],
            f"{r['rss_idle_mb']:.1f}",
            f"{r['rss_after_mb']:.1f}",
            f"{r['rss_after_mb'] / result['bare_rss_mb']:.2f}x",
            f"{r['status_p50_ms']:.2f} / {r['status_p99_ms']:.2f}",
            f"{r['list_p50_ms']:.2f} / {r['list_p99_ms']:.2f}",
        )
        for r in result["rows"]
    ]
    check = result["checks"][0]
    return (
        table(
            (
                "chargers",
                "RSS idle MB",
                "RSS steady MB",
                "vs bare server",
                "status p50/p99 ms",
                "charger list p50/p99 ms",
            ),
            rows,
        )
        + f"\n\nbare aiohttp TLS server: {result['bare_rss_mb']:.1f} MB\n"
        + check_line(check, digits=1)
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        asyncio.run(serve(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])))
        sys.exit(0)
    outcome = run(short_mode())
    emit(outcome, render(outcome))
    sys.exit(0)
