"""Where the status route's time goes: py-spy on the emulator and the bare server under wrk.

The servers are the throughput benchmark's (``throughput.status_servers``: the emulator from
its command line, the bare server with the emulator's body, certificate and event loop, both
sent the same request). For each, one unprofiled wrk run gives the server CPU per request;
a second run is sampled with ``py-spy record --format raw`` (idle samples excluded, so the
samples are the process's CPU time). A function's share of the samples times the CPU per
request is its cost per request in microseconds.

Printed: the cost by where the sampled frame's code lives (our ``emulator/`` package,
aiohttp, asyncio, ssl, ...) for both servers and the difference, then the functions of our
code by inclusive cost (self + children). Not part of ``run_all.py``; not run in CI.

    python bench/profile_status.py [-c 10] [-d 8] [--rate 200] [--top 20] [--keep DIR] [--json]
                                   [--emulator-src DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import PYTHON, ROOT, table
from throughput import Target, measure, status_servers
from wrk import load_generator

SOURCE = ROOT
"""The tree the emulator runs from (``--emulator-src`` changes it)."""
OURS = str(SOURCE / "emulator") + "/"
STDLIB = sysconfig.get_paths()["stdlib"] + "/"
GROUPS = (
    ("our code (emulator/)", lambda f: f.startswith(OURS)),
    ("bench handler (hello)", lambda f: f.endswith("bench/hello_server.py")),
    ("aiohttp", lambda f: "/aiohttp/" in f),
    ("multidict / yarl / propcache", lambda f: any(m in f for m in ("/multidict/", "/yarl/"))),
    ("jwt / cryptography", lambda f: "/jwt/" in f or "/cryptography/" in f),
    ("asyncio (event loop, sslproto)", lambda f: f.startswith(STDLIB + "asyncio/")),
    ("ssl", lambda f: f == STDLIB + "ssl.py"),
    ("other stdlib", lambda f: f.startswith(STDLIB)),
    ("generated (dataclass __init__ ...)", lambda f: f == "<string>"),
)
REQUEST_ENTRY = ("Application._handle", "/aiohttp/web_app.py")
"""aiohttp's per-request call into the application: routing, middlewares, the handler.
Reading the request (TLS, parsing) and writing the response happen outside it."""
PROCESS_FRAMES = (OURS + "__main__.py", OURS + "cli.py")
"""Our frames under every sample (the process's entry), not worth a row."""


def use_source(root: Path) -> None:
    global SOURCE, OURS, PROCESS_FRAMES
    SOURCE = root.resolve()
    OURS = str(SOURCE / "emulator") + "/"
    PROCESS_FRAMES = (OURS + "__main__.py", OURS + "cli.py")


def group_of(filename: str) -> str:
    for name, test in GROUPS:
        if test(filename):
            return name
    return "other"


def split_frame(frame: str) -> tuple[str, str]:
    """``"name (file)"`` -> (name, file)."""
    name, _, rest = frame.partition(" (")
    return name, rest[:-1] if rest.endswith(")") else rest


@dataclass
class Profile:
    samples: int = 0
    self_by_group: Counter[str] = field(default_factory=Counter)
    self_by_fn: Counter[tuple[str, str]] = field(default_factory=Counter)
    incl_by_fn: Counter[tuple[str, str]] = field(default_factory=Counter)
    in_app: int = 0
    """Samples under aiohttp's ``Application._handle`` (routing, middlewares, handler)."""


def parse_raw(text: str) -> Profile:
    """py-spy's ``--format raw`` output (collapsed stacks: ``a;b;c COUNT``)."""
    profile = Profile()
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [split_frame(f) for f in stack.split(";")]
        profile.samples += count
        leaf = frames[-1]
        profile.self_by_group[group_of(leaf[1])] += count
        profile.self_by_fn[leaf] += count
        for fn in set(frames):
            profile.incl_by_fn[fn] += count
        name, suffix = REQUEST_ENTRY
        if any(n == name and f.endswith(suffix) for n, f in frames):
            profile.in_app += count
    return profile


def py_spy() -> str:
    here = Path(PYTHON).parent / "py-spy"
    found = str(here) if here.exists() else shutil.which("py-spy")
    if found:
        return found
    print("py-spy not found: pip install py-spy", file=sys.stderr, flush=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "-q", "py-spy"], check=True)
    return str(here)


def profile_one(
    spy: str, target: Target, connections: int, duration: float, rate: int, out: Path
) -> tuple[Profile, float, float]:
    """(profile, clean CPU us per request, clean req/s)."""
    generator = load_generator()
    try:
        clean = measure(generator, target, connections, duration)
        recorder = subprocess.Popen(
            [
                *(spy, "record", "-p", str(target.pid), "-f", "raw", "-o", str(out)),
                *("-r", str(rate), "-d", str(int(duration)), "--nolineno", "--full-filenames"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(0.3)  # attached before the load starts
        measure(generator, target, connections, duration + 1)
        _, err = recorder.communicate(timeout=60)
        if recorder.returncode != 0 or not out.exists():
            raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')[-800:]}")
    finally:
        generator.close()
    return parse_raw(out.read_text()), clean.cpu_us_per_request, clean.rps


def report(
    emu: Profile, emu_us: float, bare: Profile, bare_us: float, top: int
) -> tuple[str, dict[str, Any]]:
    def us(p: Profile, count: int, per_req: float) -> float:
        return count / p.samples * per_req if p.samples else 0.0

    groups = [name for name, _ in GROUPS] + ["other"]
    group_rows = []
    for name in groups:
        e, b = us(emu, emu.self_by_group[name], emu_us), us(bare, bare.self_by_group[name], bare_us)
        if e or b:
            group_rows.append((name, f"{e:.1f}", f"{b:.1f}", f"{e - b:+.1f}"))
    group_rows.append(
        (
            "total (server CPU per request)",
            f"{emu_us:.1f}",
            f"{bare_us:.1f}",
            f"{emu_us - bare_us:+.1f}",
        )
    )
    app_e, app_b = us(emu, emu.in_app, emu_us), us(bare, bare.in_app, bare_us)
    group_rows.append(
        (
            "  of which in Application._handle (routing, app)",
            f"{app_e:.1f}",
            f"{app_b:.1f}",
            f"{app_e - app_b:+.1f}",
        )
    )
    ours = [
        (fn, n)
        for fn, n in emu.incl_by_fn.most_common()
        if fn[1].startswith(OURS) and fn[1] not in PROCESS_FRAMES
    ][:top]
    fn_rows = [
        (
            f"{name} ({file.removeprefix(str(SOURCE) + '/')})",
            f"{n / emu.samples:.1%}",
            f"{us(emu, n, emu_us):.1f}",
            f"{us(emu, emu.self_by_fn[(name, file)], emu_us):.1f}",
        )
        for (name, file), n in ours
    ]
    hot = [
        (
            f"{name} ({Path(file).name})",
            f"{us(emu, n, emu_us):.1f}",
            f"{us(bare, bare.self_by_fn[(name, file)], bare_us):.1f}",
        )
        for (name, file), n in emu.self_by_fn.most_common(top)
    ]
    text = "\n".join(
        [
            f"samples: emulator {emu.samples}, bare {bare.samples}",
            "",
            "self time by where the code lives, us per request:",
            "",
            table(("where", "emulator", "bare", "extra"), group_rows),
            "",
            "our functions, inclusive (self + children), emulator:",
            "",
            table(("function", "share", "us/req incl", "us/req self"), fn_rows),
            "",
            "hottest functions by self time, us per request:",
            "",
            table(("function", "emulator", "bare"), hot),
        ]
    )
    data = {
        "emulator_cpu_us": emu_us,
        "bare_cpu_us": bare_us,
        "groups": group_rows,
        "ours": fn_rows,
        "hot": hot,
    }
    return text, data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--connections", type=int, default=10)
    parser.add_argument("-d", "--duration", type=float, default=8.0)
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--loop", default="auto", choices=("auto", "asyncio", "uvloop"))
    parser.add_argument("--keep", type=Path, help="keep the raw py-spy files here")
    parser.add_argument("--emulator-src", type=Path, help="run the emulator from this tree")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    spy = py_spy()
    if args.emulator_src:
        use_source(args.emulator_src)
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        with status_servers(args.loop, False, args.emulator_src) as servers:
            for target in (servers.bare, servers.emulator):
                measure(load_generator(), target, 10, 1.0)  # warm up
            results = {}
            for target in (servers.bare, servers.emulator):
                results[target.name] = profile_one(
                    spy,
                    target,
                    args.connections,
                    args.duration,
                    args.rate,
                    where / f"{target.name}.txt",
                )
    (emu, emu_us, emu_rps), (bare, bare_us, bare_rps) = results["emulator"], results["bare"]
    text, data = report(emu, emu_us, bare, bare_us, args.top)
    head = (
        f"{args.connections} connections, {args.duration:.0f} s, event loop {servers.loop}; "
        f"req/s emulator {emu_rps:.0f}, bare {bare_rps:.0f}"
    )
    if args.json:
        print(json.dumps({"head": head, **data}))
    else:
        print(head + "\n\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
