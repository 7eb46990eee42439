"""A peer for scale: WireMock serving the emulator's status body over HTTPS, under wrk.

Not part of ``run_all.py`` and not run in CI (it needs Java and ~20 MB from the npm
registry). The npm registry's ``wiremock`` package bundles WireMock's standalone jar; it
is installed into a temporary folder (or ``--npm-dir``, kept for the next run) and the jar
is run with ``java`` directly, so the measured process is the JVM. Java comes from Debian
(``apt-get install -y default-jre-headless``); ``java -version`` must work.

WireMock gets the emulator's own certificate (converted to PKCS#12) and one stub answering
the status path with the emulator's body and fixed headers. It is measured like the
emulator (``throughput.pairs``): alternating pairs with the bare aiohttp server, medians.
WireMock keeps a request journal by default, as the emulator does; ``--no-journal``
passes ``--no-request-journal``. The JVM uses both cores and is warmed up (JIT) first, so
compare its CPU per request as well as its req/s.

    python bench/peer_wiremock.py [--short] [--no-journal] [--npm-dir DIR] [--load wrk|python]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import free_port, process, table
from cryptography import x509
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    load_pem_private_key,
    pkcs12,
)
from throughput import LEVELS, STATUS_PATH, Target, measure, pairs, status_servers, up
from wrk import load_generator

PASSWORD = "bench-only"


def java_version() -> str | None:
    if not shutil.which("java"):
        return None
    out = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    return (out.stderr or out.stdout).split("\n", 1)[0].strip() or None


def wiremock_jar(npm_dir: Path) -> Path:
    """The standalone jar from the npm package (installed into npm_dir when missing)."""
    jars = sorted((npm_dir / "node_modules" / "wiremock").rglob("wiremock-standalone-*.jar"))
    if not jars:
        if not shutil.which("npm"):
            raise SystemExit("npm not found (Debian: apt-get install -y npm)")
        print(f"npm install wiremock into {npm_dir}", file=sys.stderr, flush=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(npm_dir), "wiremock"],
            check=True,
            capture_output=True,
        )
        jars = sorted((npm_dir / "node_modules" / "wiremock").rglob("wiremock-standalone-*.jar"))
    if not jars:
        raise SystemExit("the npm package wiremock has no standalone jar")
    return jars[-1]


def keystore(pem: Path, out: Path) -> Path:
    """The PEM chain + key as a PKCS#12 keystore (what Jetty reads)."""
    data = pem.read_bytes()
    key = load_pem_private_key(data, password=None)
    leaf, *chain = x509.load_pem_x509_certificates(data)
    out.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"server",
            key,  # type: ignore[arg-type]
            leaf,
            chain or None,
            BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    return out


def stub(root: Path, body: bytes, headers: dict[str, str]) -> None:
    mappings = root / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    (root / "__files").mkdir(exist_ok=True)
    mapping = {
        "request": {"method": "GET", "url": STATUS_PATH},
        "response": {
            "status": 200,
            "body": body.decode(),
            "headers": {"Content-Type": "application/json", **headers},
        },
    }
    (mappings / "status.json").write_text(json.dumps(mapping))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--no-journal", action="store_true", help="--no-request-journal")
    parser.add_argument("--npm-dir", type=Path, help="where the npm package lives (kept)")
    parser.add_argument("--load", choices=("wrk", "python"))
    parser.add_argument("--heap", default="256m", help="JVM -Xmx")
    args = parser.parse_args()
    version = java_version()
    if version is None:
        print("java not found: apt-get install -y default-jre-headless", file=sys.stderr)
        return 2
    duration, rounds = (2.0, 2) if args.short else (5.0, 4)
    generator = load_generator(args.load)
    with tempfile.TemporaryDirectory() as tmp, status_servers(journal_off=False) as servers:
        root = Path(tmp)
        jar = wiremock_jar(args.npm_dir or root / "npm")
        assert servers.cert and servers.body_file
        store = keystore(servers.cert, root / "server.p12")
        stub(root / "wm", servers.body_file.read_bytes(), servers.fixed_headers)
        port = free_port()
        command = ["java", f"-Xmx{args.heap}", "-jar", str(jar), "--disable-http"]
        command += ["--https-port", str(port), "--bind-address", "127.0.0.1"]
        command += ["--https-keystore", str(store), "--keystore-type", "PKCS12"]
        command += ["--keystore-password", PASSWORD, "--key-manager-password", PASSWORD]
        command += ["--root-dir", str(root / "wm"), "--disable-banner"]
        if args.no_journal:
            command.append("--no-request-journal")
        with process(command) as java:
            up(f"https://127.0.0.1:{port}/__admin/health", servers.emulator.ca, java, "WireMock")
            peer = Target(
                "wiremock",
                f"https://127.0.0.1:{port}{STATUS_PATH}",
                java.pid,
                servers.emulator.ca,
                servers.emulator.headers,
            )
            for _ in range(3):  # the JIT
                measure(generator, peer, 50, 3.0)
            for target in (servers.bare, servers.emulator):
                measure(generator, target, 10, 1.0)
            rows = []
            for connections in LEVELS:
                for name, other in (("wiremock", peer), ("emulator", servers.emulator)):
                    r = pairs(generator, servers.bare, other, connections, duration, rounds)
                    rows.append(
                        (
                            connections,
                            name,
                            r["b_rps"],
                            f"{r['ratio']:.2f}",
                            f"{r['b_p50_ms']:.2f} / {r['b_p99_ms']:.2f}",
                            f"{r['b_cpu_us']:.0f}",
                            f"{r['b_cpu_share']:.0%}",
                            r["a_rps"],
                            f"{r['a_cpu_us']:.0f}",
                        )
                    )
    generator.close()
    print(
        f"load: {generator.label}; {version}; WireMock {jar.name}, request journal "
        f"{'off' if args.no_journal else 'on (its default)'}; medians of {rounds} pairs "
        f"of {duration:.0f} s with the bare aiohttp server ({servers.loop})\n"
    )
    print(
        table(
            (
                "connections",
                "server",
                "req/s",
                "vs bare",
                "p50/p99 ms",
                "CPU us/req",
                "server CPU",
                "bare req/s",
                "bare CPU us/req",
            ),
            rows,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
