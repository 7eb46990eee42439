"""The load generator: an aiohttp client pool in its own process, keep-alive, fixed concurrency.

    python bench/load.py --url https://localhost:9443/x --ca certs/ca.pem -c 10 -d 5

Prints one JSON object: requests, rps, p50_ms, p99_ms, statuses (counts by status).
``--header "Name: value"`` (repeatable) adds a request header. This client is the fallback
load generator when wrk is missing (``bench/wrk.py``): it is slower than the servers it
measures, so its figures are the client's as much as the server's.
``-n`` stops after that many requests (``-d`` still caps the time).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import time

import aiohttp


async def worker(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    until: float,
    record_from: float,
    latencies: list[float],
    statuses: dict[int, int],
    limit: int | None,
) -> None:
    while True:
        start = time.perf_counter()
        if start >= until or (limit is not None and len(latencies) >= limit):
            return
        async with session.get(url, headers=headers) as response:
            await response.read()
            status = response.status
        end = time.perf_counter()
        if start >= record_from:
            latencies.append(end - start)
            statuses[status] = statuses.get(status, 0) + 1


async def run(
    url: str,
    ca: str,
    token: str | None,
    connections: int,
    duration: float,
    warmup: float,
    limit: int | None = None,
    extra_headers: dict[str, str] | None = None,
) -> dict:
    context = ssl.create_default_context(cafile=ca)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(extra_headers or {})
    connector = aiohttp.TCPConnector(limit=connections, ssl=context, force_close=False)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    async with aiohttp.ClientSession(connector=connector) as session:
        # open every connection (TLS handshakes) before the clock starts
        async def touch() -> None:
            async with session.get(url, headers=headers) as response:
                await response.read()

        await asyncio.gather(*(touch() for _ in range(connections)))
        now = time.perf_counter()
        record_from = now + warmup
        until = record_from + duration
        await asyncio.gather(
            *(
                worker(session, url, headers, until, record_from, latencies, statuses, limit)
                for _ in range(connections)
            )
        )
        elapsed = min(time.perf_counter(), until) - record_from
    latencies.sort()
    count = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(count - 1, int(p * count))] * 1000 if count else float("nan")

    return {
        "connections": connections,
        "requests": count,
        "rps": count / elapsed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--token")
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("-c", "--connections", type=int, default=10)
    parser.add_argument("-d", "--duration", type=float, default=5.0)
    parser.add_argument("-w", "--warmup", type=float, default=1.0)
    parser.add_argument("-n", "--requests", type=int, help="stop after this many (or -d)")
    args = parser.parse_args()
    result = asyncio.run(
        run(
            args.url,
            args.ca,
            args.token,
            args.connections,
            args.duration,
            args.warmup,
            args.requests,
            dict((k.strip(), v.strip()) for k, v in (h.split(":", 1) for h in args.header)),
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
