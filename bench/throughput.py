"""Throughput: charger status over HTTPS keep-alive, emulator vs a bare aiohttp TLS server.

Both servers run as their own processes with the same TLS code path; the load comes from
a third process (``bench/load.py``, an aiohttp client pool) at 1, 10 and 50 concurrent
connections. The emulator serves ``GET /ivp/pdm/charger/{sn}/status`` to an installer
(Bearer token on every request, as pyenphase sends it) with request logging off; the
baseline answers a fixed JSON "hello". For each concurrency the two runs alternate, and
the ratio of requests per second is the result (target >= 0.8).

    python bench/throughput.py [--short] [--json]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from common import (
    BENCH,
    PYTHON,
    cpu_seconds,
    emit,
    emulator_args,
    free_port,
    https,
    process,
    short_mode,
    table,
    verdict,
    wait_until_up,
)

TARGET_RATIO = 0.8
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


def load(
    url: str, ca: Path, token: str | None, connections: int, duration: float, pid: int
) -> dict:
    warmup = 0.5 if duration < 3 else 1.0
    cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
    out = subprocess.run(
        [
            PYTHON,
            str(BENCH / "load.py"),
            "--url",
            url,
            "--ca",
            str(ca),
            "-c",
            str(connections),
            "-d",
            str(duration),
            "-w",
            str(warmup),
            *(["--token", token] if token else []),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    result["server_cpu"] = (cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
    return result


def run(short: bool) -> dict:
    duration = 2.0 if short else 6.0
    levels = (1, 10, 50)
    rounds = 1 if short else 2
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        scenario = tmp_path / "scenario.yaml"
        scenario.write_text(yaml.safe_dump(SCENARIO))
        emu_certs, hello_certs = tmp_path / "emu", tmp_path / "hello"
        emu_port, hello_port = free_port(), free_port()
        emu_base = f"https://localhost:{emu_port}"
        hello_base = f"https://localhost:{hello_port}"
        with (
            process(emulator_args(emu_port, emu_certs, scenario)) as emu,
            process(
                [
                    PYTHON,
                    str(BENCH / "hello_server.py"),
                    "--port",
                    str(hello_port),
                    "--certs-dir",
                    str(hello_certs),
                ]
            ) as hello,
        ):
            wait_until_up(emu_base + "/__emulator/health", emu_certs / "ca.pem", proc=emu)
            wait_until_up(hello_base + "/", hello_certs / "ca.pem", proc=hello)
            status, body = https(
                emu_base + "/__emulator/tokens",
                emu_certs / "ca.pem",
                method="POST",
                body={"role": "installer"},
            )
            assert status == 200, body
            token = json.loads(body)["token"]
            url = f"{emu_base}/ivp/pdm/charger/{SERIAL}/status"
            status, body = https(
                url, emu_certs / "ca.pem", headers={"Authorization": f"Bearer {token}"}
            )
            assert status == 200 and b'"CHARGING"' in body, (status, body[:200])
            rows = []
            for connections in levels:
                best: dict[str, dict] = {}
                for _ in range(rounds):  # alternate, keep each side's best run
                    for name, target, ca, tok, proc in (
                        ("bare", hello_base + "/", hello_certs / "ca.pem", None, hello),
                        ("emulator", url, emu_certs / "ca.pem", token, emu),
                    ):
                        result = load(target, ca, tok, connections, duration, proc.pid)
                        if name not in best or result["rps"] > best[name]["rps"]:
                            best[name] = result
                emu_r, bare_r = best["emulator"], best["bare"]
                bad = {k: v for k, v in emu_r["statuses"].items() if k != "200"}
                if bad:
                    raise RuntimeError(f"emulator answered non-200s under load: {bad}")
                rows.append(
                    {
                        "connections": connections,
                        "emulator_rps": emu_r["rps"],
                        "bare_rps": bare_r["rps"],
                        "ratio": emu_r["rps"] / bare_r["rps"],
                        "emulator_p50_ms": emu_r["p50_ms"],
                        "emulator_p99_ms": emu_r["p99_ms"],
                        "bare_p50_ms": bare_r["p50_ms"],
                        "bare_p99_ms": bare_r["p99_ms"],
                        "emulator_cpu": emu_r["server_cpu"],
                        "bare_cpu": bare_r["server_cpu"],
                    }
                )
    worst = min(r["ratio"] for r in rows)
    return {
        "bench": "throughput",
        "short": short,
        "duration_s": duration,
        "rows": rows,
        "checks": [
            {
                "name": "throughput ratio (worst of 1/10/50 connections)",
                "value": worst,
                "target": TARGET_RATIO,
                "lower_is_better": False,
            }
        ],
    }


def render(result: dict) -> str:
    rows = [
        (
            r["connections"],
            r["emulator_rps"],
            r["bare_rps"],
            f"{r['ratio']:.2f}",
            f"{r['emulator_p50_ms']:.2f} / {r['emulator_p99_ms']:.2f}",
            f"{r['bare_p50_ms']:.2f} / {r['bare_p99_ms']:.2f}",
            f"{r['emulator_cpu']:.0%} / {r['bare_cpu']:.0%}",
        )
        for r in result["rows"]
    ]
    check = result["checks"][0]
    return (
        table(
            (
                "connections",
                "emulator req/s",
                "bare req/s",
                "ratio",
                "emulator p50/p99 ms",
                "bare p50/p99 ms",
                "server CPU emu/bare",
            ),
            rows,
        )
        + f"\n\nworst ratio {check['value']:.2f} (target >= {TARGET_RATIO}): "
        + verdict(check["value"], TARGET_RATIO, lower_is_better=False)
    )


if __name__ == "__main__":
    outcome = run(short_mode())
    emit(outcome, render(outcome))
    sys.exit(0)
