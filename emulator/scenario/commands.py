"""``validate`` and ``run`` subcommands (scenario runner)."""

from __future__ import annotations

import argparse
import sys

from ..model.errors import ModelError
from .load import load_scenario


def run_command(args: argparse.Namespace) -> int:
    if args.command == "validate":
        failed = 0
        for path in args.files:
            try:
                load_scenario(path.read_text(), str(path))
            except (OSError, ModelError) as exc:
                failed += 1
                print(f"{path}: {getattr(exc, 'message', exc)}", file=sys.stderr)
            else:
                print(f"{path}: ok")
        return 1 if failed else 0
    print("run: not implemented yet", file=sys.stderr)
    return 2
