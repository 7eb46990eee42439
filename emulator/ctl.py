"""``python -m emulator ctl``: drive a running emulator from the command line.

Every command is one admin API call (the same the dashboard makes), over HTTPS verified
with the CA that ``serve`` wrote (``--certs-dir``/``EMULATOR_CERTS_DIR``, default
``./certs``), with the admin token from ``--admin-token``/``EMULATOR_ADMIN_TOKEN`` when
the server has one. Standard library only: it runs wherever the package is installed.

Exit codes: 0 done, 1 the emulator refused (its message is printed), 2 no emulator
answered or the command line is wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

ADMIN_HEADER = "X-Emulator-Admin-Token"
TIMEOUT_S = 10.0


class CtlError(Exception):
    """A failure to print as one line; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"EMULATOR_{name}", default)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``ctl`` options and commands (``cli.py`` registers the subcommand)."""
    port = _env("PORT", "8443")
    parser.add_argument(
        "--url",
        default=_env("URL", f"https://localhost:{port}"),
        help="the running emulator (EMULATOR_URL; default https://localhost:$EMULATOR_PORT, "
        "port 8443)",
    )
    parser.add_argument(
        "--certs-dir",
        type=Path,
        default=Path(_env("CERTS_DIR", "certs") or "certs"),
        help="where serve wrote ca.pem (EMULATOR_CERTS_DIR, default ./certs)",
    )
    parser.add_argument("--ca", type=Path, help="the CA file itself (default CERTS_DIR/ca.pem)")
    parser.add_argument(
        "--admin-token",
        default=_env("ADMIN_TOKEN"),
        help="the server's --admin-token (EMULATOR_ADMIN_TOKEN)",
    )
    commands = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    commands.add_parser("status", help="a table of the chargers and the site's power")
    commands.add_parser("watch", help="the same table, live (Server-Sent Events), until Ctrl-C")
    plug = commands.add_parser("plug-in", help="plug a car into a charger")
    plug.add_argument("charger", help="scenario id or serial")
    plug.add_argument("--vehicle", help="a vehicle preset of the scenario")
    plug.add_argument("--soc", type=float, help="the car's state of charge, %%")
    plug.add_argument("--capacity", type=float, help="the battery, kWh")
    for name, text in (
        ("unplug", "unplug the car"),
        ("stop", "stop charging (as a client's stop_charging)"),
        ("clear-fault", "clear a charger's fault"),
    ):
        commands.add_parser(name, help=text).add_argument("charger", help="scenario id or serial")
    start = commands.add_parser("start", help="start charging (as a client's start_charging)")
    start.add_argument("charger", help="scenario id or serial")
    start.add_argument("--amps", type=int, required=True, help="the charging level, A")
    fault = commands.add_parser("fault", help="fault a charger")
    fault.add_argument("charger", help="scenario id or serial")
    fault.add_argument("--code", help="the fault code (default GroundFailure)")
    advance = commands.add_parser("advance", help="move the clock forward (e.g. 90s, 2h, 30d)")
    advance.add_argument("duration")
    token = commands.add_parser("token", help="mint a gateway token; prints only the token")
    token.add_argument("role", choices=("owner", "installer"))
    journal = commands.add_parser("journal", help="the requests the emulator answered")
    journal.add_argument("--status", help="a code (401) or a class (4xx)")
    journal.add_argument("--path", help="a path pattern, e.g. '/ivp/pdm/*'")
    journal.add_argument("--limit", type=int, default=20, help="the last N (default 20)")
    commands.add_parser("reset", help="back to the scenario's start")
    load = commands.add_parser("load", help="replace the scenario (nothing changes if invalid)")
    load.add_argument("scenario", type=Path)


# -- talking to the emulator -------------------------------------------------------------------


class Client:
    def __init__(self, url: str, ca: Path, admin_token: str | None) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        if not ca.is_file():
            raise CtlError(
                f"no CA certificate at {ca}: run ctl where serve runs (it writes certs/), "
                "or pass --certs-dir DIR / --ca FILE (EMULATOR_CERTS_DIR)",
                2,
            )
        self.context = ssl.create_default_context(cafile=str(ca))

    def _request(
        self, method: str, path: str, body: bytes | None, media: str, accept: str
    ) -> urllib.request.Request:
        request = urllib.request.Request(self.url + path, data=body, method=method)
        request.add_header("Accept", accept)
        if body is not None:
            request.add_header("Content-Type", media)
        if self.admin_token:
            request.add_header(ADMIN_HEADER, self.admin_token)
        return request

    def open(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        media: str = "application/json",
        accept: str = "application/json",
        timeout: float | None = TIMEOUT_S,
    ) -> Any:
        request = self._request(method, path, body, media, accept)
        try:
            return urllib.request.urlopen(request, context=self.context, timeout=timeout)
        except urllib.error.HTTPError as error:
            raise _refusal(error) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise CtlError(
                f"no emulator answers at {self.url} ({reason}); start one with "
                "'python -m emulator serve', or pass --url (EMULATOR_URL)",
                2,
            ) from None

    def call(self, method: str, path: str, data: Any = None) -> Any:
        body = None if data is None else json.dumps(data).encode()
        with self.open(method, path, body) as response:
            return json.loads(response.read() or b"null")


def _refusal(error: urllib.error.HTTPError) -> CtlError:
    raw = error.read()
    try:
        body = json.loads(raw)
    except ValueError:
        return CtlError(f"{error.code}: {raw[:300].decode('utf-8', 'replace')}")
    inner = body.get("error", {}) if isinstance(body, dict) else {}
    problems = inner.get("problems") or []
    if problems:
        return CtlError("\n".join(_problem_line(p) for p in problems))
    message = inner.get("message") if isinstance(inner, dict) else None
    if error.code == 401 and message:
        message += " (pass --admin-token or set EMULATOR_ADMIN_TOKEN)"
    return CtlError(f"{error.code}: {message or raw[:300].decode('utf-8', 'replace')}")


def _problem_line(problem: Mapping[str, Any]) -> str:
    where = f"{problem.get('file')}:{problem.get('line')}:{problem.get('column')}"
    return f"{where}: {problem.get('message')}"


# -- what it prints ------------------------------------------------------------------------------


def _kw(watts: Any) -> str:
    return f"{watts / 1000:.2f} kW" if isinstance(watts, int | float) else "-"


def table(state: Mapping[str, Any]) -> str:
    """The gateway, the site's power and one line per charger."""
    gateway, clock = state["gateway"], state["clock"]
    rate = {0: "stopped", 1: "real time"}.get(clock["rate"], f"x{clock['rate']:g}")
    site = state.get("site") or {}
    chargers_w = sum(c.get("power_w") or 0 for c in state["chargers"])
    power = [f"chargers {_kw(chargers_w)}"]
    for label, keys in (
        ("solar", ("solar_w", "production_w")),
        ("house", ("house_w", "house_load_w", "load_w")),
        ("grid", ("grid_w", "net_w", "net_consumption_w")),
    ):
        value = next((site[k] for k in keys if isinstance(site.get(k), int | float)), None)
        if value is not None:
            power.append(f"{label} {_kw(value)}")
    lines = [
        f"gateway {gateway['serial']}  firmware {gateway['firmware']}  "
        f"EV routes: {gateway['ev_min_role']} and above  clock {state['time']} ({rate})",
        "site: " + ", ".join(power),
        "",
    ]
    rows = [("CHARGER", "SERIAL", "STATE", "POWER", "OFFERED", "SESSION", "SOC", "MODE")]
    for c in state["chargers"]:
        soc = f"{c['soc']:.0f}%" if isinstance(c.get("soc"), int | float) else "-"
        state_text = c["state"] + ("" if c.get("connected", True) else " (offline)")
        if c.get("fault_code"):
            state_text += f" {c['fault_code']}"
        rows.append(
            (
                str(c.get("id") or c["serial"]),
                c["serial"],
                state_text,
                _kw(c["power_w"]),
                f"{c['offered_amps']} A",
                f"{c['session_wh'] / 1000:.2f} kWh",
                soc,
                c["mode"],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines += [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines)


def journal_line(entry: Mapping[str, Any]) -> str:
    target = entry["path"]
    if entry.get("query"):
        target += "?" + urllib.parse.urlencode(entry["query"], doseq=True)
    line = (
        f"#{entry['seq']} {entry['virtual_time']} {entry['method']} {target} -> "
        f"{entry['status']} ({entry['role']}, {entry['credentials']})"
    )
    if entry.get("reason"):
        line += f" reason: {entry['reason']}"
        if entry.get("reason_detail"):
            line += f" ({entry['reason_detail']})"
    return line


# -- the commands --------------------------------------------------------------------------------


def _event(client: Client, charger: str, event: str, **params: Any) -> str:
    path = f"/__emulator/chargers/{urllib.parse.quote(charger, safe='')}/events"
    result = client.call("POST", path, {"event": event, **params})
    return f"{result['charger'].get('id') or result['serial']}: {result['state']}"


def sse_events(response: Any) -> Iterator[tuple[str, Any]]:
    """(event, data) pairs from a Server-Sent Events response, as they arrive."""
    name = "message"
    data: list[str] = []
    for raw in response:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield name, json.loads("\n".join(data))
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


def watch(client: Client, out: TextIO) -> int:
    clear = "\x1b[H\x1b[2J" if out.isatty() else ""
    response = client.open("GET", "/__emulator/live", accept="text/event-stream", timeout=None)
    try:
        with response:
            for event, data in sse_events(response):
                if event == "state":
                    print(clear + table(data["state"]) + ("" if clear else "\n"), file=out)
                    out.flush()
    except KeyboardInterrupt:
        return 0
    raise CtlError("the emulator closed the stream (it stopped?)", 2)


def run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Run one ``ctl`` command; prints what it did (errors to stderr)."""
    try:
        client = Client(args.url, args.ca or args.certs_dir / "ca.pem", args.admin_token)
        return _dispatch(client, args, out)
    except CtlError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        return 0


def _dispatch(client: Client, args: argparse.Namespace, out: TextIO) -> int:
    action = args.action
    if action == "status":
        print(table(client.call("GET", "/__emulator/state")), file=out)
    elif action == "watch":
        return watch(client, out)
    elif action == "plug-in":
        vehicle: Any = args.vehicle
        if vehicle is None and (args.soc is not None or args.capacity is not None):
            vehicle = {
                k: v
                for k, v in (("soc", args.soc), ("capacity_kwh", args.capacity))
                if v is not None
            }
        params = {} if vehicle is None else {"vehicle": vehicle}
        print(_event(client, args.charger, "plug_in", **params), file=out)
    elif action in ("unplug", "stop", "clear-fault"):
        event = {"unplug": "unplug", "stop": "stop_charging", "clear-fault": "clear_fault"}[action]
        print(_event(client, args.charger, event), file=out)
    elif action == "start":
        print(_event(client, args.charger, "start_charging", chargingLevel=args.amps), file=out)
    elif action == "fault":
        params = {} if args.code is None else {"code": args.code}
        print(_event(client, args.charger, "fault", **params), file=out)
    elif action == "advance":
        clock = client.call("POST", "/__emulator/clock/advance", {"duration": args.duration})
        print(f"clock {clock['clock']['now']}", file=out)
    elif action == "token":
        print(client.call("POST", "/__emulator/tokens", {"role": args.role})["token"], file=out)
    elif action == "journal":
        query = {"limit": str(args.limit)}
        query |= {k: v for k, v in (("status", args.status), ("path", args.path)) if v}
        found = client.call("GET", "/__emulator/requests?" + urllib.parse.urlencode(query))
        for entry in found["requests"]:
            print(journal_line(entry), file=out)
    elif action == "reset":
        print(f"reset; clock {client.call('POST', '/__emulator/reset')['clock']['now']}", file=out)
    elif action == "load":
        return _load(client, args.scenario, out)
    return 0


def _load(client: Client, path: Path, out: TextIO) -> int:
    try:
        text = path.read_bytes()
    except OSError as error:
        raise CtlError(f"cannot read {path}: {error.strerror or error}", 2) from None
    name = urllib.parse.quote(str(path))
    with client.open("PUT", f"/__emulator/scenario?name={name}", text, "application/yaml") as r:
        result = json.loads(r.read())
    ids = ", ".join(c["id"] for c in result["chargers"])
    print(f"loaded {path}: gateway {result['gateway']}, chargers {ids}", file=out)
    if result.get("warning"):
        print(f"warning: {result['warning']}", file=sys.stderr)
    return 0
