"""YAML parser errors in plain words.

``expected <block end>, but found '?'`` means nothing to someone who indented one line by
three spaces instead of four. :func:`explain` recognises the common mistakes (a line
indented differently from its block, a tab, a second ``: `` on a line, an unclosed bracket
or quote) and says which line and what to do; anything else keeps PyYAML's own words.
"""

from __future__ import annotations

import re

import yaml

_FOUND = re.compile(r"expected <block end>, but found '([^']*)'")
"""PyYAML's pure-Python parser; libyaml (the C loader) says the same in other words:"""
_LIBYAML_BLOCK = ("did not find expected '-' indicator", "did not find expected key")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _previous(lines: list[str], index: int) -> int | None:
    """The index of the last non-blank, non-comment line before ``index``."""
    for i in range(index - 1, -1, -1):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            return i
    return None


def explain(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str]:
    """(line, column, message), 1-based, for a parse error of ``text``."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    problem = exc.problem or ""
    context = exc.context or ""
    started = exc.context_mark.line + 1 if exc.context_mark else None
    if "'\\t'" in problem or "\t" in here[: _indent(here) + 1]:
        return line, column, f"line {line} is indented with a tab; YAML indents with spaces only"
    if _FOUND.search(problem) or problem in _LIBYAML_BLOCK:
        since = f" (the block starts on line {started})" if started and started != line else ""
        return (
            line,
            column,
            f"line {line} is indented differently from the lines above it{since}: keys of "
            "one mapping, and the '- ' items of one list, must start in the same column",
        )
    if problem.startswith("mapping values are not allowed"):
        before = _previous(lines, line - 1)
        if before is not None and _indent(here) > _indent(lines[before]):
            return (
                line,
                column,
                f"line {line} is indented more than line {before + 1} above it, which "
                "already has a value; indent it like that line (or, if it continues a text "
                "value, quote the text)",
            )
        return (
            line,
            column,
            f"line {line} has a second ': ' after a key's value; quote the value "
            '("...") if the colon is part of it',
        )
    if context.startswith("while parsing a flow"):
        opened = f" opened on line {started}" if started else ""
        return line, column, f"a [...] or {{...}}{opened} is not closed where line {line} needs it"
    if context.startswith("while scanning a quoted scalar"):
        opened = f" on line {started}" if started else ""
        return line, column, f"a quote opened{opened} is never closed"
    return line, column, " ".join(x for x in (context, problem) if x)
