"""Building blocks for the JSON Schemas route specs carry: named components and shorthands.

A :class:`Component` stands where the document should say ``$ref``: the OpenAPI builder
lists it once under ``components/schemas`` by its name. So a schema is written once, beside
the routes that use it, and no table elsewhere repeats it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias


@dataclass(frozen=True, eq=False)
class Component:
    """A schema with a name, referenced by ``$ref`` wherever it appears."""

    name: str
    schema: Schema


Schema: TypeAlias = Mapping[str, Any] | Component
"""A JSON Schema (OpenAPI 3.0 dialect), or a named one; either may nest components."""


INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
STR: Schema = {"type": "string"}
BOOL: Schema = {"type": "boolean"}
NULLABLE_STR: Schema = {"type": "string", "nullable": True}
NULLABLE_NUM: Schema = {"type": "number", "nullable": True}
ANY_OBJECT: Schema = {"type": "object"}
ANY_ARRAY: Schema = {"type": "array"}


def obj(required: Iterable[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": props}


def array(items: Schema | Component) -> dict[str, Any]:
    return {"type": "array", "items": items}


def enum(values: Iterable[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}
