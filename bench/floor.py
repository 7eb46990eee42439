"""The throughput floor: how close to the bare server any status route in the emulator's
application can come on this machine.

The emulator with its status route answered by a constant (``bench/emulator_floor.py``: the
whole HTTP stack, no work) against the bare aiohttp TLS server (``bench/hello_server.py``,
the same body, certificate and event loop), in alternating pairs under wrk, as
``throughput.py`` measures the real route. Not part of ``run_all.py``; a diagnostic that
says how much of the ``>= 0.85`` target the stack alone uses up.

    python bench/floor.py [-c 10] [--rounds 4] [--duration 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml
from common import BENCH, emulator_args, free_port
from throughput import SCENARIO, Target, fetch, installer_token, pairs, process, status_servers, up
from wrk import load_generator


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", type=int, default=10, help="connections")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=3.0)
    args = parser.parse_args()
    generator = load_generator("wrk")
    with status_servers("auto", False) as servers, tempfile.TemporaryDirectory() as tmp:
        ca = servers.emulator.ca
        scenario = Path(tmp) / "scenario.yaml"
        scenario.write_text(yaml.safe_dump(SCENARIO))
        port = free_port()
        base = f"https://127.0.0.1:{port}"
        command = emulator_args(port, ca.parent, scenario)
        command[1:3] = [str(BENCH / "emulator_floor.py")]  # PYTHON -m emulator -> script
        with process(command) as floor:
            up(base + "/__emulator/health", ca, floor, "the floor server did not start")
            auth = {"Authorization": f"Bearer {installer_token(base, ca)}"}
            path = servers.emulator.url.split(":", 2)[2].split("/", 1)[1]
            fetch(f"{base}/{path}", ca, auth)  # the first answer is real; then constant
            target = Target("floor", f"{base}/{path}", floor.pid, ca, auth)
            runs = (args.c, args.duration, args.rounds)
            real = pairs(generator, servers.bare, servers.emulator, *runs)
            least = pairs(generator, servers.bare, target, *runs)
    print(f"{args.c} connections, {args.rounds} alternating pairs of {args.duration:g} s, wrk")
    for name, result in (("constant status (floor)", least), ("status route", real)):
        print(
            f"{name:24} req/s {result['b_rps']:7.0f} vs bare {result['a_rps']:7.0f}: "
            f"ratio {result['ratio']:.2f}, CPU ratio {result['cpu_ratio']:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
