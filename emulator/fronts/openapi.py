"""An OpenAPI 3 document of a set of routes, built from their specs and their surfaces.

Pure: no request, no application. Everything comes from the :class:`.routing.RouteSpec`
(summary, parameters, request and response schemas, evidence, tags) and from the surface
that owns the route (its security schemes, who it admits, how it refuses). A schema's
:class:`.schemas.Component` values become ``$ref``\\ s to ``components/schemas``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..model.roles import Role
from .routing import Param, RouteSpec
from .schemas import Component, Schema
from .surface import DocContext, Surface, surface_of

OPENAPI_VERSION = "3.0.3"
REF = "#/components/schemas/"
ANY_JSON: dict[str, Any] = {"description": "Any JSON value (shape not pinned down here)."}
DESCRIPTION = (
    "The emulated IQ Gateway surface (observed gateway routes and designed EV routes, see "
    "x-shape) and the emulator's admin API under /__emulator/. Generated from the route "
    "table on each request."
)


class _Components:
    """Collects the named schemas a document refers to, turning each into a ``$ref``."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def resolve(self, node: Any) -> Any:
        if isinstance(node, Component):
            if node.name not in self.schemas:
                self.schemas[node.name] = {}  # reserve first: a component may nest itself
                self.schemas[node.name] = self.resolve(node.schema)
            return {"$ref": REF + node.name}
        if isinstance(node, Mapping):
            return {key: self.resolve(value) for key, value in node.items()}
        if isinstance(node, list | tuple):
            return [self.resolve(value) for value in node]
        return node


def _example(text: str) -> Any:
    """The JSON example at the start of a RouteSpec.body description, if it has one."""
    try:
        value, _ = json.JSONDecoder().raw_decode(text.strip())
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _parameters(spec: RouteSpec, context: DocContext) -> list[dict[str, Any]]:
    declared = {p.name: p for p in spec.params}
    listed = [declared.get(name, Param(name)) for name in spec.path_names]
    listed += [p for p in spec.params if p.where == "query"]
    out = []
    for param in listed:
        item: dict[str, Any] = {
            "name": param.name,
            "in": param.where,
            "required": param.where == "path",
            "schema": param.schema or {"type": "string", "minLength": 1},
        }
        if param.description:
            item["description"] = param.description
        if param.sample and param.sample in context.samples:
            item["example"] = context.samples[param.sample]
        out.append(item)
    return out


def _request_body(spec: RouteSpec) -> dict[str, Any] | None:
    if not spec.has_body:
        return None
    media: dict[str, Any] = {}
    if spec.body_media == "application/json":
        media["schema"] = spec.request if spec.request is not None else {"type": "object"}
        example = _example(spec.body) if spec.body else None
        if example is not None:
            media["example"] = example
    body: dict[str, Any] = {"required": not spec.body_optional}
    if spec.body is not None:
        body = {"description": spec.body, **body}
    return {**body, "content": {spec.body_media: media}}


def _success(spec: RouteSpec, context: DocContext) -> dict[str, Any]:
    if spec.method == "OPTIONS":
        return {
            "204": {
                "description": "[COMM] preflight without auth; the Allow header lists the methods.",
                "headers": {"Allow": {"schema": {"type": "string"}}},
            }
        }
    if not spec.media:  # sent with no Content-Type at all (the gateway's /ivp/* energy routes)
        return {"200": {"description": spec.summary}}
    overridden = spec.name in context.overridden
    if spec.media != "application/json" and not overridden:
        return {"200": {"description": spec.summary, "content": {spec.media: {}}}}
    schema: Schema = ANY_JSON if overridden or spec.response is None else spec.response
    return {
        "200": {"description": spec.summary, "content": {"application/json": {"schema": schema}}}
    }


def operation(spec: RouteSpec, surface: Surface, context: DocContext) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": spec.name,
        "summary": spec.summary,
        "tags": list(spec.tags or (surface.name,)),
        "x-shape": spec.evidence,
        "x-min-role": surface.auth.describe(spec, context),
        "security": surface.auth.security(spec, context),
    }
    parameters = _parameters(spec, context)
    if parameters:
        op["parameters"] = parameters
    body = _request_body(spec)
    if body is not None:
        op["requestBody"] = body
    responses = {**_success(spec, context), **surface.dialect.documented(spec, context)}
    op["responses"] = dict(sorted(responses.items()))
    return op


def build_document(
    specs: Iterable[RouteSpec],
    *,
    surfaces: Iterable[Surface],
    ev_min_role: Role = Role.INSTALLER,
    admin_gated: bool = False,
    overridden: Iterable[str] = (),
    serials: Iterable[str] = (),
    server_url: str | None = None,
) -> dict[str, Any]:
    """The OpenAPI document for these routes, owned by these surfaces."""
    listed = tuple(surfaces)
    serial_list = list(serials)
    context = DocContext(
        ev_min_role=ev_min_role,
        admin_gated=admin_gated,
        overridden=frozenset(overridden),
        samples={"serial": serial_list[0]} if serial_list else {},
    )
    components = _Components()
    paths: dict[str, dict[str, Any]] = {}
    used: list[Surface] = []
    for spec in specs:
        surface = surface_of(spec, listed)
        if surface not in used:
            used.append(surface)
        item = paths.setdefault(spec.path, {})
        item[spec.method.lower()] = components.resolve(operation(spec, surface, context))
    doc: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Enphase IQ Gateway emulator",
            "version": _version(),
            "description": DESCRIPTION,
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": {k: v for s in listed for k, v in s.auth.schemes.items()},
        },
        "tags": [
            {"name": tag, "description": text} for s in listed for tag, text in s.tags.items()
        ],
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc


def _version() -> str:
    # importlib.metadata is imported here, not at the top: it costs start-up ~5 ms and
    # only the OpenAPI document needs it.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("iq-gateway-emulator")
    except PackageNotFoundError:  # running from a source tree
        return "0"
