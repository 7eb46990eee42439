"""Throughput: charger status over HTTPS keep-alive, emulator vs a bare aiohttp TLS server.

Every server is its own process, started from the command line (``python -m emulator serve``;
nothing of the emulator is imported here):

- the **emulator** serves ``GET /ivp/pdm/charger/{sn}/status`` to an installer (a Bearer
  token on every request, as pyenphase sends it) with request logging off (``--quiet``)
  and the request journal on (the default);
- the **bare server** (``bench/hello_server.py``) answers every GET with the emulator's own
  status body and fixed headers, fetched from it at start-up, with the same certificate
  (the emulator's ``server.pem``) and on the same event loop implementation as the
  emulator process (read from its memory map: uvloop when it has uvloop loaded). It gets
  the same request, Authorization header included, so only the code in between differs;
- the **emulator without its journal** (``bench/emulator_nojournal.py``; the emulator
  has no switch for it).

The load comes from wrk (``bench/wrk.py``: Debian's package, installed when missing; the
Python client is the labelled fallback) at 1, 10 and 50 connections. Each round measures
the pair (bare, emulator) back to back, in alternating order, and the result is the median
over the rounds: of each side's req/s, p50, p99 and server CPU per request, and of the
per-round ratios (emulator / bare), so that a background load that changes between rounds
cancels out. The journal pair (on, off) is measured the same way.

    python bench/throughput.py [--short] [--json] [--load wrk|python] [--loop auto|asyncio|uvloop]
                               [--emulator-src DIR]   # or BENCH_EMULATOR_SRC=DIR
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from common import (
    BENCH,
    PYTHON,
    check_line,
    client_context,
    emit,
    emulator_args,
    free_port,
    https,
    process,
    short_mode,
    table,
    wait_until_up,
)
from wrk import LoadGenerator, LoadResult, load_choice, load_generator

TARGET_RATIO = 0.85
"""Emulator req/s over the bare server's, at each of 1, 10 and 50 connections."""
TARGET_P99_RATIO = 1.5
"""Emulator p99 over the bare server's at 50 connections."""
TARGET_JOURNAL_RATIO = 0.95
"""Emulator req/s with its journal (the default) over the same without it."""
FAIL_RATIO = 0.3
"""Below this req/s ratio run_all.py fails (``fail_at``). The target is known to be missed
today (0.55-0.8 under wrk, 0.42 at worst on a loaded CI machine): until the status route is
optimised this floor catches regressions without failing on noise. Raise it with the
target's progress."""
LEVELS = (1, 10, 50)
SERIAL = "202200000001"
SCENARIO = {
    "seed": 1,
    "chargers": [
        {
            "id": "garage",
            "serial": SERIAL,
            "plugged_in": {"capacity_kwh": 500, "soc": 10},
            "charging": True,
        }
    ],
}
STATUS_PATH = f"/ivp/pdm/charger/{SERIAL}/status"
PER_RESPONSE_HEADERS = {
    "content-length",
    "content-type",
    "date",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "set-cookie",
}


@dataclass
class Target:
    """One server under load: what to request and which process to measure."""

    name: str
    url: str
    pid: int
    ca: Path
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class StatusServers:
    emulator: Target
    bare: Target
    nojournal: Target | None
    loop: str
    body_bytes: int
    nojournal_error: str | None = None
    cert: Path | None = None
    """The emulator's certificate chain and key (PEM), as the bare server loads it."""
    body_file: Path | None = None
    fixed_headers: dict[str, str] = field(default_factory=dict)
    """The emulator's response headers that are the same on every answer."""


def event_loop_of(pid: int) -> str:
    """``uvloop`` when the process has uvloop's extension mapped, else ``asyncio``."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return "asyncio"
    return "uvloop" if "/uvloop/" in maps else "asyncio"


def fetch(url: str, ca: Path, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, context=client_context(ca), timeout=5) as answer:
        return answer.status, dict(answer.headers.items()), answer.read()


def installer_token(base: str, ca: Path) -> str:
    status, body = https(base + "/__emulator/tokens", ca, method="POST", body={"role": "installer"})
    if status != 200:
        raise RuntimeError(f"POST /__emulator/tokens answered {status}: {body[:200]!r}")
    return str(json.loads(body)["token"])


def source_env(src: Path | None) -> dict[str, Any]:
    """``process`` arguments that run the emulator from another source tree (e.g. an export
    of a commit: ``git archive HEAD emulator | tar -x -C /tmp/head``) instead of the
    installed one. With an editable install, a module that tree lacks can still be found in
    the work tree (by the install's finder), so export whole packages."""
    if src is None:
        return {}
    src = src.resolve()
    if not (src / "emulator" / "__main__.py").exists():
        raise SystemExit(f"--emulator-src {src}: no emulator/__main__.py there")
    path = os.pathsep.join(p for p in (str(src), os.environ.get("PYTHONPATH", "")) if p)
    return {"cwd": src, "env": {**os.environ, "PYTHONPATH": path}}


@contextlib.contextmanager
def status_servers(
    loop: str = "auto", journal_off: bool = True, emulator_src: Path | None = None
) -> Iterator[StatusServers]:
    """The emulator, the bare server (its body, certificate and loop) and, with
    ``journal_off``, the emulator without its journal; all stopped on exit.
    ``emulator_src``: run the emulator from that source tree (see ``source_env``)."""
    where = source_env(emulator_src)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        root = Path(tmp)
        scenario = root / "scenario.yaml"
        scenario.write_text(yaml.safe_dump(SCENARIO))
        certs = root / "certs"
        ca = certs / "ca.pem"
        port = free_port()
        base = f"https://127.0.0.1:{port}"
        emu = stack.enter_context(process(emulator_args(port, certs, scenario), **where))
        up(base + "/__emulator/health", ca, emu, "the emulator did not start")
        auth = {"Authorization": f"Bearer {installer_token(base, ca)}"}
        status, headers, body = fetch(base + STATUS_PATH, ca, auth)
        if status != 200 or b'"CHARGING"' not in body:
            raise RuntimeError(f"emulator status answered {status}: {body[:200]!r}")
        # the emulator's certificate, before another emulator in this folder replaces it
        cert = root / "server.pem"
        cert.write_bytes((certs / "server.pem").read_bytes())
        body_file = root / "body.json"
        body_file.write_bytes(body)
        fixed = {k: v for k, v in headers.items() if k.lower() not in PER_RESPONSE_HEADERS}
        chosen = event_loop_of(emu.pid) if loop == "auto" else loop
        bare_port = free_port()
        bare_base = f"https://127.0.0.1:{bare_port}"
        bare = stack.enter_context(
            process(
                [
                    PYTHON,
                    str(BENCH / "hello_server.py"),
                    "--port",
                    str(bare_port),
                    "--cert",
                    str(cert),
                    "--body-file",
                    str(body_file),
                    "--content-type",
                    headers.get("Content-Type", "application/json").split(";")[0],
                    "--headers-json",
                    json.dumps(fixed),
                    "--loop",
                    chosen,
                ]
            )
        )
        up(bare_base + "/", ca, bare, "the bare server did not start")
        nojournal: Target | None = None
        error: str | None = None
        if journal_off:
            off_port = free_port()
            off_base = f"https://127.0.0.1:{off_port}"
            args = emulator_args(off_port, certs, scenario)
            args[1:3] = [str(BENCH / "emulator_nojournal.py")]  # PYTHON -m emulator -> script
            off = stack.enter_context(process(args, **where))
            try:
                up(off_base + "/__emulator/health", ca, off, "journal off did not start")
                off_auth = {"Authorization": f"Bearer {installer_token(off_base, ca)}"}
                fetch(off_base + STATUS_PATH, ca, off_auth)
                _, _, kept = fetch(off_base + "/__emulator/requests", ca, {})
                if json.loads(kept).get("total") != 0:  # the wrapper patched another class
                    raise RuntimeError("the journal still records: the wrapper missed it")
                nojournal = Target("journal off", off_base + STATUS_PATH, off.pid, ca, off_auth)
            except (RuntimeError, OSError, ValueError) as exc:  # OSError: urllib's errors
                error = str(exc)[-300:]
        yield StatusServers(
            emulator=Target("emulator", base + STATUS_PATH, emu.pid, ca, auth),
            bare=Target("bare", bare_base + "/", bare.pid, ca, auth),  # same request bytes
            nojournal=nojournal,
            loop=chosen,
            body_bytes=len(body),
            nojournal_error=error,
            cert=cert,
            body_file=body_file,
            fixed_headers=fixed,
        )


def up(url: str, ca: Path, proc: subprocess.Popen[bytes], what: str) -> None:
    """Wait for ``url``; when the process died first, say why (its stderr)."""
    try:
        wait_until_up(url, ca, proc=proc)
    except (RuntimeError, TimeoutError) as exc:
        stderr = b""
        if proc.poll() is not None and proc.stderr is not None:
            stderr = proc.stderr.read()
        tail = stderr.decode(errors="replace").strip()[-1500:]
        raise RuntimeError(f"{what}: {exc}\n{tail}") from None


def measure(
    generator: LoadGenerator, target: Target, connections: int, duration: float
) -> LoadResult:
    result = generator.run(
        target.url,
        connections=connections,
        duration=duration,
        headers=target.headers,
        ca=target.ca,
        pid=target.pid,
    )
    if result.errors:
        raise RuntimeError(
            f"{target.name} had {result.errors} errors or non-2xx answers under load "
            f"({connections} connections)"
        )
    return result


def pairs(
    generator: LoadGenerator,
    a: Target,
    b: Target,
    connections: int,
    duration: float,
    rounds: int,
) -> dict[str, Any]:
    """``rounds`` back-to-back runs of a and b, alternating which goes first; medians."""
    runs: dict[str, list[LoadResult]] = {"a": [], "b": []}
    for i in range(rounds):
        order = (("a", a), ("b", b)) if i % 2 == 0 else (("b", b), ("a", a))
        for key, target in order:
            runs[key].append(measure(generator, target, connections, duration))

    def med(key: str, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs[key])

    ratios = [x.rps / y.rps for x, y in zip(runs["b"], runs["a"], strict=True)]
    p99_ratios = [x.p99_ms / y.p99_ms for x, y in zip(runs["b"], runs["a"], strict=True)]
    cpu_ratios = [
        y.cpu_us_per_request / x.cpu_us_per_request
        for x, y in zip(runs["b"], runs["a"], strict=True)
    ]
    return {
        "connections": connections,
        "a_rps": med("a", "rps"),
        "b_rps": med("b", "rps"),
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "a_p50_ms": med("a", "p50_ms"),
        "a_p99_ms": med("a", "p99_ms"),
        "b_p50_ms": med("b", "p50_ms"),
        "b_p99_ms": med("b", "p99_ms"),
        "p99_ratio": statistics.median(p99_ratios),
        # a's CPU per request over b's: the req/s ratio that b would reach when both are
        # CPU-bound; less sensitive than req/s to other processes taking the cores
        "cpu_ratio": statistics.median(cpu_ratios),
        "a_cpu_us": med("a", "cpu_us_per_request"),
        "b_cpu_us": med("b", "cpu_us_per_request"),
        "a_cpu_share": med("a", "server_cpu_share"),
        "b_cpu_share": med("b", "server_cpu_share"),
    }


def run(
    short: bool,
    load: str | None = None,
    loop: str = "auto",
    levels: Sequence[int] = LEVELS,
    emulator_src: Path | None = None,
) -> dict:
    duration = 2.0 if short else 5.0
    rounds = 2 if short else 4
    journal_levels = (50,) if short else (10, 50)
    generator = load_generator(load)
    started = time.monotonic()
    try:
        with status_servers(loop, emulator_src=emulator_src) as servers:
            for target in (servers.bare, servers.emulator, servers.nojournal):
                if target is not None:  # handshakes, caches, first allocations
                    measure(generator, target, 10, 1.0)
            rows = []
            for connections in levels:
                pair = pairs(
                    generator, servers.bare, servers.emulator, connections, duration, rounds
                )
                rows.append(pair)
            journal = []
            if servers.nojournal is not None:
                for connections in journal_levels:
                    journal.append(
                        pairs(
                            generator,
                            servers.nojournal,
                            servers.emulator,
                            connections,
                            duration,
                            rounds,
                        )
                    )
    finally:
        generator.close()
    suffix = "" if generator.native else " [python client fallback]"
    checks: list[dict[str, Any]] = [
        {
            "name": f"status req/s vs bare, {r['connections']} conn{suffix}",
            "value": r["ratio"],
            "target": TARGET_RATIO,
            "lower_is_better": False,
            "fail_at": FAIL_RATIO,
        }
        for r in rows
    ]
    at50 = next((r for r in rows if r["connections"] == 50), None)
    if at50 is not None:
        checks.append(
            {
                "name": f"status p99 vs bare, 50 conn{suffix}",
                "value": at50["p99_ratio"],
                "target": TARGET_P99_RATIO,
                "lower_is_better": True,
            }
        )
    if journal:
        checks.append(
            {
                "name": f"req/s journal on / off (worst){suffix}",
                "value": min(j["ratio"] for j in journal),
                "target": TARGET_JOURNAL_RATIO,
                "lower_is_better": False,
            }
        )
    return {
        "bench": "throughput",
        "short": short,
        "generator": generator.label,
        "native": generator.native,
        "loop": servers.loop,
        "body_bytes": servers.body_bytes,
        "emulator_src": str(emulator_src) if emulator_src else None,
        "duration_s": duration,
        "rounds": rounds,
        "rows": rows,
        "journal": journal,
        "journal_error": servers.nojournal_error,
        "wall_s": time.monotonic() - started,
        "checks": checks,
    }


def render(result: dict) -> str:
    src = result.get("emulator_src")
    head = (
        (f"emulator from {src}; " if src else "")
        + f"load: {result['generator']}; event loop (both servers): {result['loop']}; "
        f"status body {result['body_bytes']} B; medians of {result['rounds']} alternating "
        f"pairs of {result['duration_s']:.0f} s"
    )
    rows = [
        (
            r["connections"],
            r["b_rps"],
            r["a_rps"],
            f"{r['ratio']:.2f} ({min(r['ratios']):.2f}-{max(r['ratios']):.2f})",
            f"{r['b_p50_ms']:.2f} / {r['b_p99_ms']:.2f}",
            f"{r['a_p50_ms']:.2f} / {r['a_p99_ms']:.2f}",
            f"{r['b_cpu_us']:.0f} / {r['a_cpu_us']:.0f}",
            f"{r['cpu_ratio']:.2f}",
            f"{r['b_cpu_share']:.0%} / {r['a_cpu_share']:.0%}",
        )
        for r in result["rows"]
    ]
    lines = [
        head,
        "",
        table(
            (
                "connections",
                "emulator req/s",
                "bare req/s",
                "ratio (range)",
                "emulator p50/p99 ms",
                "bare p50/p99 ms",
                "CPU us/req emu/bare",
                "CPU ratio",
                "server CPU emu/bare",
            ),
            rows,
        ),
    ]
    if result["journal"]:
        lines += [
            "",
            table(
                (
                    "connections",
                    "journal on req/s",
                    "journal off req/s",
                    "ratio (range)",
                    "on/off p99 ms",
                    "CPU us/req on/off",
                    "CPU ratio",
                ),
                [
                    (
                        j["connections"],
                        j["b_rps"],
                        j["a_rps"],
                        f"{j['ratio']:.3f} ({min(j['ratios']):.2f}-{max(j['ratios']):.2f})",
                        f"{j['b_p99_ms']:.2f} / {j['a_p99_ms']:.2f}",
                        f"{j['b_cpu_us']:.0f} / {j['a_cpu_us']:.0f}",
                        f"{j['cpu_ratio']:.3f}",
                    )
                    for j in result["journal"]
                ],
            ),
        ]
    elif result.get("journal_error"):
        lines += ["", f"journal off: not measurable ({result['journal_error']})"]
    lines.append("")
    lines.extend(check_line(check) for check in result["checks"])
    return "\n".join(lines)


def option(name: str, default: str | None = None, argv: list[str] | None = None) -> str | None:
    """``--name VALUE`` or ``--name=VALUE`` (run_all.py passes only ``--json``/``--short``)."""
    args = sys.argv[1:] if argv is None else argv
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


if __name__ == "__main__":
    src = option("--emulator-src", os.environ.get("BENCH_EMULATOR_SRC") or None)
    try:
        outcome = run(
            short_mode(),
            load_choice(),
            option("--loop", "auto") or "auto",
            emulator_src=Path(src) if src else None,
        )
    except subprocess.CalledProcessError as exc:
        print(exc.stderr, file=sys.stderr)
        raise
    emit(outcome, render(outcome))
    sys.exit(0)
