"""Shared helpers for the benchmarks: short mode, the machine, subprocess servers, tables."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable


def short_mode(argv: Sequence[str] | None = None) -> bool:
    """``--short`` or ``BENCH_SHORT=1``: fewer sizes, shorter runs (CI)."""
    args = sys.argv[1:] if argv is None else argv
    return "--short" in args or os.environ.get("BENCH_SHORT", "") not in ("", "0")


def json_mode(argv: Sequence[str] | None = None) -> bool:
    """``--json``: print one JSON object (for run_all.py) instead of the table."""
    args = sys.argv[1:] if argv is None else argv
    return "--json" in args


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def client_context(ca_path: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_path))


def https(
    url: str,
    ca_path: Path,
    *,
    method: str = "GET",
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    sent = dict(headers or {})
    if data is not None:
        sent.setdefault("Content-Type", "application/json")  # the admin API insists on it
    request = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(
            request, context=client_context(ca_path), timeout=timeout
        ) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until_up(url: str, ca_path: Path, timeout: float = 30.0, proc=None) -> float:  # type: ignore[no-untyped-def]
    """Poll ``url`` until it answers 200; returns the monotonic time it first did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering")
        try:
            if ca_path.exists():
                status, _ = https(url, ca_path, timeout=1.0)
                if status == 200:
                    return time.monotonic()
        except (OSError, ssl.SSLError):
            pass
        time.sleep(0.005)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def process(args: Sequence[str], **kw: Any) -> Iterator[subprocess.Popen[bytes]]:
    """A child process that is always stopped (SIGINT, then SIGKILL) on exit."""
    kw.setdefault("cwd", ROOT)
    proc = subprocess.Popen(
        list(args),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **kw,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def emulator_args(
    port: int, certs_dir: Path, scenario: Path | None = None, clock: str = "realtime"
) -> list[str]:
    args = [
        PYTHON,
        "-m",
        "emulator",
        "serve",
        "--port",
        str(port),
        "--certs-dir",
        str(certs_dir),
        "--clock",
        clock,
        "--quiet",
    ]
    if scenario is not None:
        args += ["--scenario", str(scenario)]
    return args


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""
    cells = [[str(h) for h in headers], *[[fmt(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells
    ]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


def fmt(value: Any) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}" if value < 1 else f"{value:.2f}"
    return str(value)


def verdict(value: float, target: float, *, lower_is_better: bool) -> str:
    ok = value <= target if lower_is_better else value >= target
    return "ok" if ok else "MISSED"


def check_line(check: dict[str, Any], digits: int = 3) -> str:
    """``name: value (target < X): ok`` for one entry of a result's ``checks``."""
    lower = check["lower_is_better"]
    return (
        f"{check['name']}: {check['value']:.{digits}f} "
        f"(target {'<' if lower else '>='} {check['target']}): "
        + verdict(check["value"], check["target"], lower_is_better=lower)
    )


def emit(result: dict[str, Any], text: str) -> None:
    """Print the human table, or the JSON result with ``--json``."""
    if json_mode():
        print(json.dumps(result))
    else:
        print(text)
