"""Command line: ``python -m emulator serve | validate | run | ctl``.

Every ``serve`` option can also come from an ``EMULATOR_*`` environment variable
(the container uses those); a flag on the command line wins.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .fronts.offload import freeze_startup_heap
from .fronts.server import (
    LOOPS,
    LoopUnavailable,
    RunningServer,
    loop_factory,
    start_cloud_server,
    start_server,
)
from .model.accounts import DEFAULT_PASSWORD
from .model.errors import ModelError
from .runtime import Emulator, Settings
from .scenario import follow
from .scenario.reports import FORMATS

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .fronts.mdns import Advertiser

EXAMPLES = """\
examples:
  python -m emulator serve                       # default scenario on https://localhost:8443
  python -m emulator serve --scenario scenarios/basic-day.yaml --clock manual
  python -m emulator serve --host 0.0.0.0 --admin-token s3cret --extra-name envoy.lan
  EMULATOR_PORT=9443 python -m emulator serve    # any option from the environment

then, in another shell (the banner prints these with the real paths and tokens):
  curl --cacert certs/ca.pem https://localhost:8443/info
"""


TRUE = ("1", "true", "yes", "on")


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"EMULATOR_{name}", default)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description="HTTPS emulator of the Enphase IQ Gateway's local EV-charger API. "
        "Without a COMMAND it runs 'serve' (so 'python -m emulator --port 9443' serves).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_version(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Subcommand)
    serve = commands.add_parser(
        "serve",
        help="start the HTTPS emulator",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host",
        default=env("HOST", "127.0.0.1"),
        help="address to listen on (EMULATOR_HOST, default 127.0.0.1)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=int(env("PORT", "8443") or 8443),
        help="port, 0 for any free one (EMULATOR_PORT, default 8443)",
    )
    serve.add_argument(
        "--cloud-port",
        type=int,
        default=_int(env("CLOUD_PORT")),
        help="also serve the emulated Enlighten cloud and Entrez on this port, 0 for any "
        "free one (EMULATOR_CLOUD_PORT; default: none; docs/cloud.md)",
    )
    serve.add_argument(
        "--certs-dir",
        type=Path,
        default=Path(env("CERTS_DIR", "certs") or "certs"),
        help="where the CA, server certificate and token key live "
        "(EMULATOR_CERTS_DIR, default ./certs)",
    )
    serve.add_argument(
        "--scenario",
        type=Path,
        default=_path(env("SCENARIO")),
        help="scenario YAML file (EMULATOR_SCENARIO; default: embedded scenario)",
    )
    serve.add_argument(
        "--seed",
        type=int,
        default=_int(env("SEED")),
        help="overrides the scenario's seed (EMULATOR_SEED)",
    )
    serve.add_argument(
        "--clock",
        choices=("manual", "realtime", "scaled"),
        default=env("CLOCK"),
        help="overrides the scenario's clock mode (EMULATOR_CLOCK; serve defaults to realtime)",
    )
    serve.add_argument(
        "--admin-token",
        default=env("ADMIN_TOKEN"),
        help="require this secret in X-Emulator-Admin-Token on /__emulator/ "
        "(EMULATOR_ADMIN_TOKEN); set it when the port is reachable by others",
    )
    serve.add_argument(
        "--extra-name",
        action="append",
        default=_list(env("EXTRA_NAMES")),
        help="another DNS name or IP for the server certificate; repeatable "
        "(EMULATOR_EXTRA_NAMES, comma-separated)",
    )
    serve.add_argument(
        "--mdns",
        action="store_true",
        default=env("MDNS", "") in TRUE,
        help="advertise _enphase-envoy._tcp.local. for Home Assistant discovery "
        "(EMULATOR_MDNS=1; HA connects to port 443: map it)",
    )
    serve.add_argument(
        "--quiet",
        action="store_true",
        default=env("QUIET", "") in TRUE,
        help="no per-request log lines (EMULATOR_QUIET=1)",
    )
    serve.add_argument(
        "--loop",
        choices=LOOPS,
        default=env("LOOP", "auto"),
        help="event loop: uvloop when installed (auto), or asyncio's (EMULATOR_LOOP)",
    )
    add_version(serve)
    validate = commands.add_parser(
        "validate",
        help="check scenario files and exit",
        description="Check scenario files (YAML syntax, the JSON Schema, meaning, and a dry "
        "run of the build) without serving them.",
        epilog=VALIDATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE", help="scenario YAML")
    add_version(validate)
    run = commands.add_parser(
        "run",
        help="run a scenario's timeline headless and report",
        description="Run a scenario's timeline on a manual clock, without a server, and "
        "report every state change, the energy delivered and each expectation.",
        epilog=RUN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("file", type=Path, metavar="FILE", help="scenario YAML")
    run.add_argument(
        "--until",
        default="24h",
        help="how far after the scenario's start to run (e.g. 90m, 24h, 30d; default 24h)",
    )
    run.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (a table, default), json (every row, step and total) or junit "
        "(JUnit XML: one test case per expectation, for CI)",
    )
    add_version(run)
    commands.add_parser(
        "ctl",
        help="drive a running emulator (status, watch, plug-in, advance, token, ...)",
        epilog=CTL_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        fill=_fill_ctl,
    )
    return parser


class _Subcommand(argparse.ArgumentParser):
    """A subcommand's parser whose arguments may be added on first use (``fill``): when
    the subcommand is parsed or its help shown, not when the parser is built."""

    def __init__(
        self,
        *args: Any,
        fill: Callable[[argparse.ArgumentParser], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._fill = fill

    def filled(self) -> _Subcommand:
        if self._fill is not None:
            fill, self._fill = self._fill, None
            fill(self)
        return self

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[argparse.Namespace, list[str]]:
        return super(_Subcommand, self.filled()).parse_known_args(args, namespace)

    def format_usage(self) -> str:
        return super(_Subcommand, self.filled()).format_usage()

    def format_help(self) -> str:
        return super(_Subcommand, self.filled()).format_help()


def _fill_ctl(parser: argparse.ArgumentParser) -> None:
    # emulator.ctl is imported here, not at the top: only `ctl` needs it, and importing it
    # cost every `serve` start-up ~10 ms.
    from . import ctl

    parser.description = ctl.__doc__
    ctl.add_arguments(parser)
    add_version(parser)


VALIDATE_HELP = """\
output: 'FILE: ok' on stdout per good file; each problem as 'FILE:LINE:COL: message'
on stderr.
exit codes: 0 every file is valid, 1 a file has a problem (or cannot be read),
2 the command line is wrong.
"""

RUN_HELP = """\
output (--format text): one row per step or state change, with each charger's state,
power and energy delivered; totals; each expectation as ok/FAIL; 'result: OK|FAILED'.
exit codes: 0 every step ran and every expectation passed, 1 an expectation failed or a
step was refused, 2 the file is invalid or unreadable (problems as FILE:LINE:COL on stderr).

examples:
  python -m emulator run scenarios/basic-day.yaml --until 24h
  python -m emulator run scenarios/basic-day.yaml --format junit > report.xml
"""

CTL_EXAMPLES = """\
examples (next to a running 'python -m emulator serve'):
  python -m emulator ctl status
  python -m emulator ctl plug-in garage --soc 20 --capacity 60
  python -m emulator ctl start garage --amps 16
  python -m emulator ctl advance 2h
  TOKEN=$(python -m emulator ctl token installer)
  python -m emulator ctl journal --status 4xx --path '/ivp/pdm/*'
  python -m emulator ctl watch                   # live, until Ctrl-C
"""


def add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"iq-gateway-emulator {__version__}")


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def account_lines(emulator: Emulator) -> list[str]:
    """The emulated cloud's accounts, like the tokens: ready to type."""
    lines = ["Enlighten accounts (cloud listener, or Host: enlighten.enphaseenergy.com here):"]
    for account in emulator.accounts.accounts:
        known = account.password == DEFAULT_PASSWORD
        password = f'password "{DEFAULT_PASSWORD}"' if known else "password from the scenario"
        extra = (", MFA code required" if account.mfa_code else "") + (
            ", blocked" if account.blocked else ""
        )
        lines.append(f"  {account.email} ({account.role.value}, {password}{extra})")
    return lines


def cloud_banner(cloud: RunningServer) -> str:
    return f"Enlighten cloud and Entrez emulated on https://localhost:{cloud.port} (docs/cloud.md)"


def banner(server: RunningServer) -> str:
    emulator = server.emulator
    world = emulator.world
    ca = emulator.certs.ca_path.resolve()
    url = f"https://localhost:{server.port}"
    owner = world.auth.mint("owner")
    installer = world.auth.mint("installer")
    lines = [
        f"IQ Gateway emulator: gateway {world.gateway.serial} firmware {world.gateway.firmware}, "
        f"{len(world.chargers)} charger(s), clock {world.clock.mode.value}",
        f"listening on {server.url}",
        f"CA certificate: {ca}",
        f"  curl --cacert {ca} {url}/info",
        f"owner token (365 days; EV routes answer 401 on firmware {world.gateway.firmware}):",
        f"  {owner}",
        "installer token (12 hours):",
        f"  {installer}",
        f'  curl --cacert {ca} -H "Authorization: Bearer {installer}" {url}/ivp/pdm/chargers',
        f"dashboard: {url}/  (python -m emulator ctl status: the same from a shell)",
        *account_lines(emulator),
    ]
    if not emulator.settings.admin_token and server.host not in ("127.0.0.1", "localhost", "::1"):
        lines.append(
            f"warning: listening on {server.host} with an open admin API; "
            "set --admin-token if others can reach this port"
        )
    return "\n".join(lines)


async def _advertise(server: RunningServer) -> Advertiser | None:
    """``--mdns``: zeroconf is imported only when asked for (it costs start-up time)."""
    from .fronts import mdns

    gw = server.emulator.world.gateway
    return await mdns.advertise_gateway(gw.serial, gw.firmware, server.port, server.host)


class StartupError(Exception):
    """Serving could not start; the message says why and what to do."""


async def serve(settings: Settings, *, gc_paused: bool = False) -> None:
    """Serve until SIGINT or SIGTERM. ``gc_paused``: automatic garbage collection was
    turned off for start-up (``python -m emulator``); it is turned on again once the server
    listens and the start-up heap is frozen."""
    if settings.scenario is not None and not settings.scenario.is_file():
        raise StartupError(f"scenario file not found: {settings.scenario}")
    if gc_paused and settings.scenario is not None:
        # checking a scenario file builds and drops whole worlds (its dry run): collect
        # their cycles as usual, or they would stay, frozen with the start-up heap
        gc.enable()
        gc_paused = False
    try:
        emulator = Emulator(settings)
    except OSError as exc:
        raise StartupError(
            f"cannot prepare certificates in {settings.certs_dir}: {exc.strerror or exc} "
            "(the directory must be writable by this user)"
        ) from None
    try:
        server = await start_server(emulator)
    except OSError as exc:
        raise StartupError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}"
        ) from None
    print(banner(server), flush=True)
    advertiser = await _advertise(server) if settings.mdns else None
    cloud = None
    if settings.cloud_port is not None:
        try:
            cloud = await start_cloud_server(emulator)
        except OSError as exc:
            await server.stop()
            raise StartupError(
                f"cannot listen on {settings.host}:{settings.cloud_port}: {exc.strerror or exc}"
            ) from None
        print(cloud_banner(cloud), flush=True)
    freeze_startup_heap()  # shorter GC pauses on the loop (emulator/fronts/offload.py)
    if gc_paused:
        gc.enable()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    unfollow = follow.print_steps(emulator, follow.printer(sys.stdout))  # timeline steps
    ticker = asyncio.create_task(follow.keep_time(emulator, stop))
    await stop.wait()
    await ticker
    unfollow()
    print("shutting down", flush=True)
    if advertiser is not None:
        await advertiser.close()
    if cloud is not None:
        await cloud.stop()
    await server.stop()


def main(argv: list[str] | None = None, *, gc_paused: bool = False) -> int:
    """The command line. ``gc_paused``: the caller turned automatic garbage collection off
    for start-up (``emulator/__main__.py``); ``serve`` turns it on again once it listens,
    every other command before it runs."""
    raw = list(sys.argv[1:] if argv is None else argv)
    if not raw or (raw[0].startswith("-") and raw[0] not in ("-h", "--help", "--version")):
        raw = ["serve", *raw]  # no COMMAND: serve, with any serve options given
    args = build_parser().parse_args(raw)
    command = args.command
    if gc_paused and command != "serve":
        gc.enable()
    if command == "serve":
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        settings = Settings(
            host=args.host,
            port=args.port,
            certs_dir=args.certs_dir,
            scenario=args.scenario,
            seed=args.seed,
            admin_token=args.admin_token,
            clock=args.clock,
            default_clock="realtime",
            extra_names=tuple(args.extra_name),
            log_requests=not args.quiet,
            cloud_port=args.cloud_port,
            mdns=args.mdns,
        )
        try:
            with asyncio.Runner(loop_factory=loop_factory(args.loop)) as runner:
                runner.run(serve(settings, gc_paused=gc_paused))
        except LoopUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except ModelError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
        except StartupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    if command == "ctl":
        from . import ctl

        return ctl.run(args)
    from .scenario import commands

    return commands.run_command(args)
