"""The status request's cost inside the application, without sockets, TLS or a load
generator: aiohttp's ``Application._handle`` on a mocked request, microseconds per call.

A quick, quiet check for changes to the request path (the machine's load moves it far
less than it moves ``throughput.py``). Mocked requests are made outside the timed part.

    python bench/inprocess_status.py [-n 20000] [--idle] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.streams import EMPTY_PAYLOAD
from aiohttp.test_utils import make_mocked_request

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator.fronts.app import make_app
from emulator.runtime import Emulator, Settings
from emulator.scenario.load import load_scenario

SERIAL = "202200000001"
PATH = f"/ivp/pdm/charger/{SERIAL}/status"


def scenario(idle: bool) -> str:
    car = "" if idle else "    plugged_in: {capacity_kwh: 500, soc: 10}\n    charging: true\n"
    return (
        "seed: 1\nclock: {mode: realtime}\nchargers:\n"
        f'  - id: garage\n    serial: "{SERIAL}"\n' + car
    )


async def per_call(app: web.Application, headers: dict[str, str], n: int) -> float:
    """CPU microseconds per ``_handle`` call (CPU time: other processes on the machine do
    not count). Mocked requests are heavy (mocks): they are made
    in batches outside the timed part, with the garbage collector paused while timing."""
    handling = 0.0
    done = 0
    while done < n:
        batch = [
            make_mocked_request("GET", PATH, headers=headers, app=app, payload=EMPTY_PAYLOAD)
            for _ in range(200)
        ]
        gc.collect()
        gc.disable()
        try:
            t0 = time.process_time()
            for request in batch:
                response = await app._handle(request)
                assert response.status == 200, response.status
            handling += time.process_time() - t0
        finally:
            gc.enable()
        done += len(batch)
    return handling / done * 1e6


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--idle", action="store_true", help="the charger idle (cacheable)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as certs:
        settings = Settings(certs_dir=Path(certs), log_requests=False)
        emulator = Emulator(settings, load_scenario(scenario(args.idle), "bench"))
        token = emulator.world.auth.mint("installer")
        app = make_app(emulator)
        runner = web.AppRunner(app)
        await runner.setup()  # freezes the app as serving does
        headers = {"Authorization": f"Bearer {token}", "Host": "localhost"}
        await per_call(app, headers, 500)  # warm caches
        rounds = [await per_call(app, headers, args.n) for _ in range(args.rounds)]
        await runner.cleanup()
    result: dict[str, Any] = {
        "idle": args.idle,
        "us_per_request_min": round(min(rounds), 2),
        "us_per_request_median": round(statistics.median(rounds), 2),
        "rounds": [round(r, 2) for r in rounds],
        "source": str(Path(sys.modules["emulator"].__file__ or "").parent),
    }
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
