"""Start-up: process start until ``/__emulator/health`` answers, cold and warm.

- **CLI cold**: ``python -m emulator serve`` with an empty certs folder (a new CA, server
  certificate and token key are made).
- **CLI warm**: the same folder again (the CA and key are reused). Target < 0.7 s.
- **Baselines**, measured in the same run: ``python -c "import aiohttp"`` (the floor for
  any aiohttp process) and a bare aiohttp TLS server (``bench/hello_server.py``) until it
  answers.
- **In process**: ``emulator.testing.Gateway.start()`` (the Python API) when it exists,
  else ``Emulator(...)`` + ``start_server(port=0)``, warm CA. Target < 0.3 s.

Each figure is the median of several runs. The emulator's bytecode is compiled first
(:func:`compiled_emulator`), as it is in any installed copy.

    python bench/startup.py [--short] [--json]
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from common import (
    BENCH,
    PYTHON,
    ROOT,
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


@contextlib.contextmanager
def compiled_emulator() -> Iterator[None]:
    """The bytecode of the emulator the children run (``ROOT/emulator``) written while
    measuring, as ``pip install`` writes it for an installed package (the container image
    too), so that "warm" is warm for Python as well. Without it, an environment with
    ``PYTHONDONTWRITEBYTECODE=1`` (this checkout's sandbox has it) compiles the ~14,000
    lines of the emulator that ``serve`` imports from source at every start: ~0.1-0.15 s of
    each CLI row on a 2-core machine, which neither the baselines (aiohttp is compiled at
    install) nor an installed emulator pay. The ``__pycache__`` folders made here are
    removed afterwards: the checkout is left as it was found."""
    package = ROOT / "emulator"
    before = set(package.rglob("__pycache__"))
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(package)], check=True)
    try:
        yield
    finally:
        for made in set(package.rglob("__pycache__")) - before:
            shutil.rmtree(made, ignore_errors=True)


def wait_until_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Until something accepts TCP connections on 127.0.0.1:``port``. A refused connect
    costs this process next to no CPU, where one HTTPS poll (a TLS context, urllib) costs
    ~3 ms: polling that way every 5 ms from the start took a third of a core from the
    server being timed, which on 2 busy cores made the warm CLI (its CA exists from the
    start, so the HTTPS polls began at once) measure slower than the cold one (polled only
    once its new CA was written)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.005)
    raise TimeoutError(f"nothing listened on port {port} within {timeout} s")


def time_process_until_up(args: list[str], port: int, health: str, ca: Path) -> float:
    """Process start until ``health`` first answers 200 (polled over HTTPS only once the
    port listens: see :func:`wait_until_listening`)."""
    start = time.monotonic()
    with process(args) as proc:
        wait_until_listening(port, proc)
        up = wait_until_up(health, ca, proc=proc)
    return up - start


def cli(certs: Path) -> float:
    port = free_port()
    return time_process_until_up(
        emulator_args(port, certs, clock="manual"),
        port,
        f"https://localhost:{port}/__emulator/health",
        certs / "ca.pem",
    )


def bare(certs: Path) -> float:
    port = free_port()
    args = [PYTHON, str(BENCH / "hello_server.py"), "--port", str(port), "--certs-dir", str(certs)]
    return time_process_until_up(args, port, f"https://localhost:{port}/", certs / "ca.pem")


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
    with compiled_emulator(), tempfile.TemporaryDirectory() as tmp:
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
