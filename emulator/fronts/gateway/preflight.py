"""[COMM] ``OPTIONS`` on an EV route answers 204 without auth, listing the methods."""

from __future__ import annotations

from aiohttp import web

from ...model.roles import Role
from ..routing import Handler, RouteSpec
from .responses import SERVER


def preflight(allow: str) -> Handler:
    async def options(request: web.Request) -> web.Response:
        return web.Response(status=204, headers={"Allow": allow, "Server": SERVER})

    return options


def preflights(routes: tuple[RouteSpec, ...]) -> tuple[RouteSpec, ...]:
    """One OPTIONS route per EV path, named after the first route on that path."""
    methods: dict[str, list[RouteSpec]] = {}
    for spec in routes:
        if spec.is_ev:
            methods.setdefault(spec.path, []).append(spec)
    out = []
    for path, specs in methods.items():
        allow = ", ".join(sorted({*(s.method for s in specs), "OPTIONS"}))
        out.append(
            RouteSpec(
                "OPTIONS",
                path,
                preflight(allow),
                Role.ANYBODY,
                f"{specs[0].name}_preflight",
                "community",
                f"Preflight: 204, Allow: {allow}",
                surface=specs[0].surface,
                tags=specs[0].tags,
                params=specs[0].params,
            )
        )
    return tuple(out)
