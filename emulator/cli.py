"""Command line: ``python -m emulator serve | validate | run``.

Every ``serve`` option can also come from an ``EMULATOR_*`` environment variable
(the container uses those); a flag on the command line wins.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from .fronts.server import RunningServer, start_server
from .model.errors import ModelError
from .runtime import Emulator, Settings

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
        description="HTTPS emulator of the Enphase IQ Gateway's local EV-charger API.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
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
        "--quiet",
        action="store_true",
        default=env("QUIET", "") in TRUE,
        help="no per-request log lines (EMULATOR_QUIET=1)",
    )
    validate = commands.add_parser("validate", help="check scenario files and exit")
    validate.add_argument("files", nargs="+", type=Path)
    run = commands.add_parser("run", help="run a scenario's timeline headless and report")
    run.add_argument("file", type=Path)
    run.add_argument("--until", default="24h", help="how far to run (e.g. 90m, 24h, 30d)")
    return parser


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


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
        f'  curl --cacert {ca} -H "Authorization: Bearer $TOKEN" {url}/ivp/pdm/chargers',
    ]
    if not emulator.settings.admin_token and server.host not in ("127.0.0.1", "localhost", "::1"):
        lines.append(
            f"warning: listening on {server.host} with an open admin API; "
            "set --admin-token if others can reach this port"
        )
    return "\n".join(lines)


class StartupError(Exception):
    """Serving could not start; the message says why and what to do."""


async def serve(settings: Settings) -> None:
    if settings.scenario is not None and not settings.scenario.is_file():
        raise StartupError(f"scenario file not found: {settings.scenario}")
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
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("shutting down", flush=True)
    await server.stop()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "serve"
    if args.command is None:
        args = build_parser().parse_args(["serve", *(argv or sys.argv[1:])])
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
        )
        try:
            asyncio.run(serve(settings))
        except ModelError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
        except StartupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    from .scenario import commands

    return commands.run_command(args)
