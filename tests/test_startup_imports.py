"""What ``serve`` loads before it answers: only what start-up needs (bench/startup.py).

Each module named here would cost start-up milliseconds and is imported on first use
instead (a route, a command, a scenario file). A new top-level import that brings one
back fails here (``python -X importtime`` shows who imported it).
"""

from __future__ import annotations

import hashlib
import json
import pprint
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.runtime import DEFAULT_SCENARIO
from emulator.scenario import default_data
from emulator.scenario.load import load_packaged
from emulator.scenario.source import parse

DEFERRED = (
    "yaml",  # the default scenario comes parsed (emulator/scenario/default_data.py)
    "faker",  # identities are drawn with random.Random (emulator/model/identity.py)
    "jsonschema",
    "emulator.ctl",
    "emulator.scenario.source",
    "emulator.scenario.validate",
    "emulator.scenario.runner",
    "emulator.scenario.timeline",  # the default scenario has no timeline
    "emulator.scenario.commands",
)

START = r"""
import asyncio, json, sys
from pathlib import Path

from emulator.cli import banner, build_parser
from emulator.fronts.server import start_server
from emulator.runtime import Emulator, Settings

build_parser().parse_args(["serve"])

async def main():
    emulator = Emulator(Settings(certs_dir=Path(sys.argv[1]), port=0, default_clock="realtime"))
    server = await start_server(emulator)
    banner(server)
    await server.stop()

asyncio.run(main())
print(json.dumps(sorted(sys.modules)))
"""


def test_serve_start_up_leaves_the_deferred_modules_alone(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", START, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = set(json.loads(out.stdout.splitlines()[-1]))
    assert sorted(m for m in DEFERRED if m in loaded) == []


def test_ctl_arguments_are_added_when_ctl_is_used(capsys: pytest.CaptureFixture[str]) -> None:
    """The ``ctl`` subcommand's options come from emulator.ctl, loaded on first use."""
    from emulator import ctl
    from emulator.cli import build_parser

    args = build_parser().parse_args(["ctl", "--url", "https://x:1", "plug-in", "garage"])
    assert args.url == "https://x:1"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ctl", "--help"])
    shown = capsys.readouterr().out
    assert str(ctl.__doc__).split("\n")[0] in shown
    assert "--admin-token" in shown and "examples (next to a running" in shown


def test_the_default_scenario_copy_matches_the_file() -> None:
    """Edit default.yaml, then update default_data.py with what this prints."""
    text = DEFAULT_SCENARIO.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    parsed = parse(text).data
    new = f'TEXT_SHA256 = "{digest}"\n\n{pprint.pformat(parsed, sort_dicts=False)}'
    assert (default_data.TEXT_SHA256, default_data.data()) == (digest, parsed), new
    assert load_packaged(text, "default") == parsed
    assert load_packaged(text, "default") is not load_packaged(text, "default")


def test_a_changed_default_is_parsed() -> None:
    text = DEFAULT_SCENARIO.read_text(encoding="utf-8") + "\n# edited\n"
    assert load_packaged(text, "default") == parse(text).data
    edited = text.replace("seed: 7", "seed: 8")
    assert load_packaged(edited, "default")["seed"] == 8
