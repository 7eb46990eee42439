"""The load generator for the HTTP benchmarks: wrk (native), or the Python client as a fallback.

wrk (Debian's package) drives HTTPS keep-alive connections from C, so the figures are the
server's, not the client's. When ``wrk`` is not on the PATH it is installed with
``apt-get`` if this process runs as root; otherwise (or with ``--load python`` /
``BENCH_LOAD=python``) ``bench/load.py``, an aiohttp client pool, is used instead and every
result says so: ``python client (fallback; client-bound)``. Its figures understate every
server, and the fast one (the bare baseline) most, so its ratios flatter the emulator.

wrk's percentiles come from a Lua ``done`` callback that prints them as JSON (exact p50 and
p99 from wrk's histogram, rather than parsing ``--latency``'s rounded text). Server CPU per
request is the server process's user + system time (``/proc/PID/stat``) over the run,
divided by the requests wrk counted.

    python bench/wrk.py https://127.0.0.1:9443/x -c 10 -d 5 -H "Authorization: Bearer T" --pid PID
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from common import BENCH, PYTHON, cpu_seconds

FALLBACK_LABEL = "python client (fallback; client-bound)"
MARKER = "WRK_JSON "
DONE_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
    '"mean_us": %.2f, "max_us": %.2f, "p50_us": %.2f, "p90_us": %.2f, "p99_us": %.2f, ' ..
    '"p999_us": %.2f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency.mean, latency.max, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
"""


@dataclass
class LoadResult:
    generator: str
    connections: int
    duration_s: float
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    """Socket errors, timeouts and answers other than 2xx/3xx."""
    server_cpu_s: float
    """The server's user + system CPU seconds while the load ran."""
    server_cpu_share: float
    """server_cpu_s over the wall time of the run (1.0 = one core busy)."""
    cpu_us_per_request: float

    def as_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


def find_wrk(install_missing: bool = True) -> str | None:
    """wrk's path; installs Debian's package when missing, root and apt-get are there."""
    path = shutil.which("wrk")
    if path or not install_missing:
        return path
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"]

    def step(args: list[str]) -> bool:
        try:
            done = subprocess.run(args, capture_output=True, env=env, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0

    print("wrk not found: installing Debian's package", file=sys.stderr, flush=True)
    if not step(install) and step(["apt-get", "update", "-q"]):  # lists missing or stale
        step(install)
    return shutil.which("wrk")


def wrk_version(path: str) -> str:
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    first = (out.stdout or out.stderr).split("\n", 1)[0]  # "wrk debian/4.1.0-3+b2 [epoll] ..."
    parts = first.split()
    return parts[1] if len(parts) > 1 else "?"


class LoadGenerator:
    """Runs one fixed-concurrency, keep-alive load against a URL and measures the server."""

    def __init__(self, wrk: str | None, threads: int = 1) -> None:
        self.wrk = wrk
        self.threads = threads
        self.native = wrk is not None
        self.label = f"wrk {wrk_version(wrk)} (native, {threads} thread)" if wrk else FALLBACK_LABEL
        self._lua: Path | None = None

    def run(
        self,
        url: str,
        *,
        connections: int,
        duration: float,
        headers: dict[str, str] | None = None,
        ca: Path | None = None,
        pid: int | None = None,
    ) -> LoadResult:
        """Load ``url`` for ``duration`` seconds; ``pid`` is the server whose CPU is read."""
        headers = headers or {}
        cpu_before = cpu_seconds(pid) if pid else 0.0
        wall_before = time.monotonic()
        if self.wrk is not None:
            raw = self._run_wrk(url, connections, duration, headers)
        else:
            raw = self._run_python(url, connections, duration, headers, ca)
        wall = time.monotonic() - wall_before
        cpu = cpu_seconds(pid) - cpu_before if pid else float("nan")
        requests = int(raw["requests"])
        return LoadResult(
            generator=self.label,
            connections=connections,
            duration_s=duration,
            requests=requests,
            rps=float(raw["rps"]),
            p50_ms=float(raw["p50_ms"]),
            p99_ms=float(raw["p99_ms"]),
            errors=int(raw["errors"]),
            server_cpu_s=cpu,
            server_cpu_share=cpu / wall,
            cpu_us_per_request=cpu / requests * 1e6 if requests else float("nan"),
        )

    def _lua_script(self) -> Path:
        if self._lua is None or not self._lua.exists():
            fd, name = tempfile.mkstemp(prefix="bench-wrk-", suffix=".lua")
            os.close(fd)
            self._lua = Path(name)
            self._lua.write_text(DONE_LUA)
        return self._lua

    def close(self) -> None:
        if self._lua is not None:
            self._lua.unlink(missing_ok=True)
            self._lua = None

    def _run_wrk(
        self, url: str, connections: int, duration: float, headers: dict[str, str]
    ) -> dict[str, float]:
        assert self.wrk is not None
        args = [
            self.wrk,
            f"-t{max(1, min(self.threads, connections))}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "5s",
            "--latency",
            "-s",
            str(self._lua_script()),
        ]
        for name, value in headers.items():
            args += ["-H", f"{name}: {value}"]
        out = subprocess.run(
            [*args, url], capture_output=True, text=True, check=False, timeout=duration + 60
        )
        line = next((x for x in out.stdout.splitlines() if x.startswith(MARKER)), None)
        if out.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout}{out.stderr}"[-2000:])
        stats = json.loads(line[len(MARKER) :])
        seconds = stats["duration_us"] / 1e6
        return {
            "requests": stats["requests"],
            "rps": stats["requests"] / seconds if seconds else 0.0,
            "p50_ms": stats["p50_us"] / 1000,
            "p99_ms": stats["p99_us"] / 1000,
            "errors": sum(
                stats[k]
                for k in (
                    "connect_errors",
                    "read_errors",
                    "write_errors",
                    "status_errors",
                    "timeouts",
                )
            ),
        }

    def _run_python(
        self,
        url: str,
        connections: int,
        duration: float,
        headers: dict[str, str],
        ca: Path | None,
    ) -> dict[str, float]:
        if ca is None:
            raise ValueError("the Python client verifies the server: pass its CA")
        args = [PYTHON, str(BENCH / "load.py"), "--url", url, "--ca", str(ca)]
        args += ["-c", str(connections), "-d", str(duration), "-w", "0"]
        for name, value in headers.items():
            args += ["--header", f"{name}: {value}"]
        out = subprocess.run(args, capture_output=True, text=True, check=True)
        result = json.loads(out.stdout)
        bad = sum(n for status, n in result["statuses"].items() if not status.startswith("2"))
        return {**result, "errors": bad}


def load_generator(prefer: str | None = None, threads: int = 1) -> LoadGenerator:
    """``prefer``: ``wrk`` (install if needed, fall back if impossible), ``python``, or
    ``None`` for the ``BENCH_LOAD`` environment variable (default ``wrk``)."""
    choice = (prefer or os.environ.get("BENCH_LOAD") or "wrk").lower()
    if choice == "python":
        return LoadGenerator(None)
    return LoadGenerator(find_wrk(install_missing=True), threads=threads)


def load_choice(argv: list[str] | None = None) -> str | None:
    """``--load wrk|python`` from the command line, if given."""
    args = sys.argv[1:] if argv is None else argv
    for i, arg in enumerate(args):
        if arg == "--load" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--load="):
            return arg.split("=", 1)[1]
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("-c", "--connections", type=int, default=10)
    parser.add_argument("-d", "--duration", type=float, default=5.0)
    parser.add_argument("-t", "--threads", type=int, default=1)
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("--ca", type=Path, help="CA to verify with (Python client only)")
    parser.add_argument("--pid", type=int, help="server process whose CPU time is read")
    parser.add_argument("--load", choices=("wrk", "python"), help="default: wrk, else python")
    args = parser.parse_args()
    generator = load_generator(args.load, args.threads)
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    try:
        result = generator.run(
            args.url,
            connections=args.connections,
            duration=args.duration,
            headers=headers,
            ca=args.ca,
            pid=args.pid,
        )
    finally:
        generator.close()
    print(json.dumps(result.as_dict()))


if __name__ == "__main__":
    main()
