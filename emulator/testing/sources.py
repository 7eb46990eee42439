"""Where a test's scenario comes from: a file path, YAML text or a dict."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, ScenarioError, ScenarioFileNotFound
from ..runtime import load_scenario_text

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")

ScenarioSource = str | os.PathLike[str] | Mapping[str, Any] | None


def resolve_scenario(
    scenario: ScenarioSource, base_dir: str | os.PathLike[str] | None = None
) -> dict[str, Any] | None:
    """A scenario from a file path, YAML text or a dict (``None``: the default scenario).

    A string is a path when it is one line that names an existing file or ends in
    ``.yaml`` / ``.yml`` / ``.json``; otherwise it is YAML text. Relative paths are tried
    against ``base_dir`` first, then the working directory. Dicts are validated like files.

    Raises:
        ScenarioFileNotFound: a path that names no file.
        ScenarioError: the scenario is not valid (every problem, with its position).
        TypeError: ``scenario`` is none of the above.
    """
    if scenario is None:
        return None
    if isinstance(scenario, Mapping):
        text = yaml.safe_dump(dict(scenario), sort_keys=False)
        return load_scenario_text(text, "<scenario dict>")
    if isinstance(scenario, os.PathLike) or _looks_like_path(scenario, base_dir):
        path = _find(Path(scenario), base_dir)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problem = Problem(str(path), 1, 1, "", f"cannot read the file: {exc}")
            raise ScenarioError([problem]) from None
        return load_scenario_text(text, str(path))
    if not isinstance(scenario, str):
        raise TypeError(f"scenario must be a path, YAML text or a dict, not {type(scenario)}")
    return load_scenario_text(scenario, "<scenario text>")


def _looks_like_path(text: object, base_dir: str | os.PathLike[str] | None) -> bool:
    if not isinstance(text, str) or "\n" in text or not text.strip():
        return False
    if text.strip().lower().endswith(SCENARIO_SUFFIXES):
        return True
    candidates = [Path(text)] + ([Path(base_dir) / text] if base_dir is not None else [])
    return any(c.is_file() for c in candidates)


def _find(path: Path, base_dir: str | os.PathLike[str] | None) -> Path:
    if not path.is_absolute() and base_dir is not None and (Path(base_dir) / path).is_file():
        return Path(base_dir) / path
    if path.is_file():
        return path
    where = f" (looked in {base_dir} and {Path.cwd()})" if base_dir is not None else ""
    raise ScenarioFileNotFound(f"scenario file not found: {path}{where}")
