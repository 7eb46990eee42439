"""Reading scenario files. (Full validation with line numbers: see validate.py.)"""

from __future__ import annotations

from typing import Any

import yaml

from ..model.errors import invalid


def load_scenario(text: str, source: str = "<scenario>") -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise invalid(f"{source}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise invalid(f"{source}: a scenario must be a mapping at the top level")
    return data
