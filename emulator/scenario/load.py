"""Reading scenario files: parse with positions, validate, and return the mapping.

``load_scenario(text, source)`` is the one entry point every front uses (the ``serve``
start-up, ``PUT /__emulator/scenario``, ``validate``, ``run``, the test fixtures). It
raises ``ScenarioError`` listing *every* problem as ``file:line:col: message``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .errors import Problem, ScenarioError

MAX_TEXT = 1024 * 1024
MAX_PROBLEMS = 200
"""At most this many problems are listed, then one saying how many more (docs/limits.md)."""


def load_packaged(text: str, source: str) -> dict[str, Any]:
    """A scenario shipped inside the package (the embedded default), parsed without the
    validation passes: the test suite validates it (tests/test_one_model.py), and
    skipping them keeps jsonschema out of ``serve``'s start-up. The default's text comes
    already parsed (:mod:`.default_data`) while it is the text that copy was made from."""
    from . import default_data

    if hashlib.sha256(text.encode("utf-8")).hexdigest() == default_data.TEXT_SHA256:
        return default_data.data()
    from .source import parse

    data: dict[str, Any] = parse(text).data
    return data


def load_scenario(text: str, source: str = "<scenario>") -> dict[str, Any]:
    """The validated scenario mapping, or ScenarioError with every problem found."""
    # Imported here, not at the top: pyyaml, the parser and the checks cost start-up
    # ~30 ms, and serve's embedded default scenario needs none of them (load_packaged).
    import yaml

    from .source import TooLarge, describe_path, parse
    from .validate import check
    from .yaml_words import explain

    if len(text) > MAX_TEXT:
        raise ScenarioError(
            [Problem(source, 1, 1, describe_path(()), "a scenario file is at most 1 MiB")]
        )
    try:
        doc = parse(text)
    except yaml.MarkedYAMLError as exc:
        line, column, what = explain(exc, text)  # plain words for indentation mistakes
        raise ScenarioError(
            [Problem(source, line, column, "", f"not valid YAML: {what}")]
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(source, 1, 1, "", f"not valid YAML: {exc}")]) from None
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, nesting 1000 deep
        what = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise ScenarioError([Problem(source, 1, 1, "", f"not valid YAML: {what}")]) from None
    except TooLarge:
        raise ScenarioError(
            [Problem(source, 1, 1, "", "the document expands to too many values (aliases?)")]
        ) from None
    problems = check(doc, source)
    if len(problems) > MAX_PROBLEMS:
        last = problems[MAX_PROBLEMS - 1]
        more = len(problems) - MAX_PROBLEMS
        problems = [
            *problems[:MAX_PROBLEMS],
            Problem(source, last.line, last.column, "", f"... and {more} more problems"),
        ]
    if problems:
        raise ScenarioError(problems)
    data: dict[str, Any] = doc.data
    return data
