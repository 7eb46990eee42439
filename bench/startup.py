"""Start-up: process start until ``/__emulator/health`` answers, cold and warm.

- **CLI cold**: ``python -m emulator serve`` with an empty certs folder (a new CA, server
  certificate and token key are made).
- **CLI warm**: the same folder again (the CA and key are reused). Target < 0.7 s.
- **Baselines**, measured in the same run: ``python -c "import aiohttp"`` (the floor for
  any aiohttp process) and a bare aiohttp TLS server (``bench/hello_server.py``) until it
  answers.
- **In process**: ``emulator.testing.Gateway.start()`` (the Python API) when it exists,
  else ``Emulator(...)`` + ``start_server(port=0)``, warm CA. Target < 0.3 s.

Each figure is the median of several runs.

    python bench/startup.py [--short] [--json]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    BENCH,
    PYTHON,
    check_line,
    emit,
    emulator_args,
    free_port,
    process,
    short_mode,
    table,
    wait_until_up,
)

TARGET_WARM_S = 0.7
TARGET_IN_PROCESS_S = 0.3


def time_process_until_up(args: list[str], health: str, ca: Path) -> float:
    start = time.monotonic()
    with process(args) as proc:
        up = wait_until_up(health, ca, proc=proc)
    return up - start


def cli(certs: Path) -> float:
    port = free_port()
    return time_process_until_up(
        emulator_args(port, certs, clock="manual"),
        f"https://localhost:{port}/__emulator/health",
        certs / "ca.pem",
    )


def bare(certs: Path) -> float:
    port = free_port()
    args = [PYTHON, str(BENCH / "hello_server.py"), "--port", str(port), "--certs-dir", str(certs)]
    return time_process_until_up(args, f"https://localhost:{port}/", certs / "ca.pem")


def import_aiohttp() -> float:
    start = time.monotonic()
    subprocess.run([PYTHON, "-c", "import aiohttp"], check=True)
    return time.monotonic() - start


IN_PROCESS = r"""
import asyncio, sys, time
from pathlib import Path

async def main(certs):
    try:
        from emulator.testing import Gateway
    except ImportError:
        Gateway = None
    times = []
    for _ in range(int(sys.argv[2])):
        start = time.perf_counter()
        if Gateway is not None:
            gw = await Gateway.start(certs_dir=certs)
            times.append(time.perf_counter() - start)
            await gw.stop()
        else:
            from emulator.runtime import Emulator, Settings
            from emulator.fronts.server import start_server
            emulator = Emulator(Settings(certs_dir=Path(certs), port=0, log_requests=False))
            server = await start_server(emulator, port=0)
            times.append(time.perf_counter() - start)
            await server.stop()
    print("Gateway.start()" if Gateway is not None else "Emulator+start_server")
    print(" ".join(map(str, times)))

asyncio.run(main(sys.argv[1]))
"""


def in_process(certs: Path, runs: int) -> tuple[str, list[float]]:
    """Measured in a child (imports already done there, as in a test session)."""
    out = subprocess.run(
        [PYTHON, "-c", IN_PROCESS, str(certs), str(runs + 1)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    times = [float(x) for x in out[1].split()]
    return out[0], times[1:]  # the first includes one-time work (the CA cache, imports)


def run(short: bool) -> dict:
    runs = 3 if short else 7
    results: dict[str, list[float]] = {
        "import aiohttp": [],
        "bare TLS server": [],
        "CLI cold": [],
        "CLI warm": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        warm = root / "warm"
        cli(warm)  # make the CA once
        bare_certs = root / "bare"
        bare(bare_certs)
        for i in range(runs):
            results["import aiohttp"].append(import_aiohttp())
            results["bare TLS server"].append(bare(bare_certs))
            cold = root / f"cold{i}"
            results["CLI cold"].append(cli(cold))
            shutil.rmtree(cold, ignore_errors=True)
            results["CLI warm"].append(cli(warm))
        label, times = in_process(root / "inproc", runs)
        results[f"in process: {label}"] = times
    medians = {name: statistics.median(values) for name, values in results.items()}
    in_proc = next(v for k, v in medians.items() if k.startswith("in process"))
    return {
        "bench": "startup",
        "short": short,
        "runs": runs,
        "medians_s": medians,
        "all_s": results,
        "checks": [
            {
                "name": "CLI warm start-up (s)",
                "value": medians["CLI warm"],
                "target": TARGET_WARM_S,
                "lower_is_better": True,
            },
            {
                "name": "in-process start-up (s)",
                "value": in_proc,
                "target": TARGET_IN_PROCESS_S,
                "lower_is_better": True,
            },
        ],
    }


def render(result: dict) -> str:
    base = result["medians_s"]["import aiohttp"]
    rows = [
        (name, f"{value:.3f}", f"{value / base:.1f}x")
        for name, value in result["medians_s"].items()
    ]
    lines = [table(("start-up (median)", "seconds", "vs import aiohttp"), rows), ""]
    lines.extend(check_line(check) for check in result["checks"])
    return "\n".join(lines)


if __name__ == "__main__":
    outcome = run(short_mode())
    emit(outcome, render(outcome))
    sys.exit(0)
