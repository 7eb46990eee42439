"""Reading scenario YAML with positions: every value's line and column, for messages.

The loader is PyYAML's safe loader with YAML 1.2-style scalars, so what a user types is
what the scenario gets: ``18:00`` stays the string "18:00" (YAML 1.1 would read 1080),
``2026-06-01T18:00:00Z`` stays a string (not a datetime), ``0123`` is not octal, and only
``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` are strings).

Parsing uses libyaml (PyYAML's C parser, :class:`yaml.CSafeLoader`) when PyYAML has it:
ten times faster on a big file, with the same node tree and the same marks; the pure
Python loader is the fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]

MAX_NODES = 200_000
"""A document that expands (through aliases) to more values than this is refused."""


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


class ScenarioLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema booleans, ints and floats, and no timestamps."""


_DROPPED = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
}
ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_INT = re.compile(r"^(?:[-+]?[0-9][0-9_]*|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+"
    r"|[-+]?[0-9][0-9_]*\.[0-9_]*"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
ScenarioLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def _construct_int(loader: ScenarioLoader, node: ScalarNode) -> int:
    value = str(loader.construct_scalar(node)).replace("_", "")
    if value.startswith("0o"):
        return int(value[2:], 8)
    if value.startswith("0x"):
        return int(value[2:], 16)
    return int(value, 10)


ScenarioLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)

_Fast: type[Any] | None = getattr(yaml, "CSafeLoader", None)
if _Fast is not None:

    class ScenarioCLoader(_Fast):  # type: ignore[misc,valid-type]
        """The same rules on libyaml's parser."""

    ScenarioCLoader.yaml_implicit_resolvers = ScenarioLoader.yaml_implicit_resolvers
    ScenarioCLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
    LOADER: type[Any] = ScenarioCLoader
else:  # pragma: no cover - PyYAML built without libyaml
    LOADER = ScenarioLoader


class TooLarge(Exception):
    pass


@dataclass
class Document:
    """The parsed scenario and where each of its values (and mapping keys) was written."""

    data: Any
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)
    duplicates: list[tuple[Path, Mark]] = field(default_factory=list)

    def mark(self, path: Path, *, key: bool = False) -> Mark:
        """The position of ``path``'s value (or its key), else of its nearest ancestor."""
        probe = tuple(path)
        if key and probe in self.keys:
            return self.keys[probe]
        while probe:
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Mark(1, 1))


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _find_duplicates(node: Node, path: Path, out: list[tuple[Path, Mark]], seen: set[int]) -> None:
    """Keys written twice in one mapping (PyYAML silently keeps the last one)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, MappingNode):
        names: set[str] = set()
        for key, value in node.value:
            if key.tag == "tag:yaml.org,2002:merge":
                continue
            name = key.value if isinstance(key, ScalarNode) else None
            if name is not None:
                if name in names:
                    out.append(((*path, name), _mark(key)))
                names.add(name)
            _find_duplicates(value, (*path, name if name is not None else "?"), out, seen)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _find_duplicates(item, (*path, index), out, seen)


def _index(node: Node, data: Any, path: Path, doc: Document, stack: set[int]) -> None:
    if len(doc.values) > MAX_NODES:
        raise TooLarge
    doc.values[path] = _mark(node)
    if id(node) in stack:  # a recursive alias: index it once
        return
    stack.add(id(node))
    try:
        if isinstance(node, MappingNode) and isinstance(data, dict):
            for key, value in node.value:  # after construction: merges already flattened
                if not isinstance(key, ScalarNode):
                    continue
                name = _key_of(key, data)
                if name is None:
                    continue
                doc.keys[(*path, name)] = _mark(key)
                _index(value, data[name], (*path, name), doc, stack)
        elif isinstance(node, SequenceNode) and isinstance(data, list):
            for index, item in enumerate(node.value):
                if index < len(data):
                    _index(item, data[index], (*path, index), doc, stack)
    finally:
        stack.discard(id(node))


def _key_of(key: ScalarNode, data: dict[Any, Any]) -> Any:
    if key.value in data:  # the common case, without building a loader for the key
        return key.value
    candidate = _scalar(key)
    return candidate if candidate in data else None


def _scalar(node: ScalarNode) -> Any:
    try:
        return ScenarioLoader("").construct_object(node)
    except yaml.YAMLError:
        return node.value


MAX_DEPTH = 1_000
"""Collections nested deeper than this are refused (a scenario nests less than ten deep)."""
_COMPACT_NESTERS = "[{-?"
"""The characters that can open a level of nesting without a new line; deeper block
nesting needs ever more indentation, and 1 MiB of text holds fewer than 1,500 such levels."""
_SAFE_NESTERS = 10_000
"""libyaml composes in C, recursively: a document nested some 50,000 deep overflows a
thread's stack and kills the process. One holding fewer compact nesters than this cannot
come near that, and is composed without the depth check."""


def _check_depth(text: str) -> None:
    """RecursionError when ``text`` nests collections deeper than :data:`MAX_DEPTH`,
    found from the parser's event stream (iterative, in C) before anything is composed."""
    if sum(text.count(c) for c in _COMPACT_NESTERS) <= _SAFE_NESTERS:
        return
    loader = LOADER(text)
    try:
        depth = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise RecursionError(f"collections nested more than {MAX_DEPTH} deep")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()


def parse(text: str) -> Document:
    """Parse one YAML document with positions. Raises yaml.YAMLError, TooLarge or
    RecursionError (nested too deeply)."""
    _check_depth(text)
    loader = LOADER(text)
    try:
        node = loader.get_single_node()
        duplicates: list[tuple[Path, Mark]] = []
        if node is not None:
            _find_duplicates(node, (), duplicates, set())
        data = None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()
    doc = Document(data, duplicates=duplicates)
    if node is not None:
        _index(node, data, (), doc, set())
    return doc


def describe_path(path: Path) -> str:
    """``("chargers", 0, "max_amps")`` → ``chargers[0].max_amps``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"
