"""``python -m emulator serve`` with the request journal off, for benchmarks only.

The emulator has no switch for its request journal (every answered request is recorded).
To measure what the journal costs, this runs the ordinary command line after replacing
``Journal.record`` (of the class ``emulator.runtime`` builds its journal from, wherever it
lives: ``emulator.journal`` or ``emulator.fronts.journal``) with a function that does
nothing: the observer still calls it, so the difference from the real command is the
journal's own work. Nothing of the HTTP layer is imported here. If no ``Journal.record``
is found this exits with status 3 and the benchmark reports "journal off: not measurable".

    python bench/emulator_nojournal.py serve --port 9443 --quiet ...
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

NOT_PATCHABLE = 3


def _record_nothing(self: Any, *args: Any, **kwargs: Any) -> None:
    return None


def journal_classes() -> list[type]:
    """The journal class(es) of the emulator package that is imported: the one
    ``emulator.runtime`` builds its journal from, and those of the modules the journal
    has lived in (``emulator.fronts.journal``, ``emulator.journal``). A module found
    outside that package's folder (the editable install's finder can resolve a name
    into the work tree when the emulator runs from another tree) is left alone."""
    import emulator

    home = Path(emulator.__file__).resolve().parent
    found: list[type] = []
    for name in ("emulator.runtime", "emulator.fronts.journal", "emulator.journal"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if not Path(module.__file__ or "").resolve().is_relative_to(home):
            continue
        cls = getattr(module, "Journal", None)
        if isinstance(cls, type) and callable(getattr(cls, "record", None)) and cls not in found:
            found.append(cls)
    return found


def main(argv: list[str]) -> int:
    classes = journal_classes()
    if not classes:
        print("cannot turn the journal off: no Journal.record found", file=sys.stderr)
        return NOT_PATCHABLE
    for cls in classes:
        cls.record = _record_nothing  # type: ignore[attr-defined]
    from emulator.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
