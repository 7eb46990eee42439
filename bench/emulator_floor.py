"""``python -m emulator serve`` answering the status route with a constant body, for the
throughput floor only (``bench/floor.py``).

Everything of the emulator's HTTP stack stays (its aiohttp application with every surface's
routes, the host-bound cloud surface, the entry middleware), except that a request for the
status route is answered at once, in the entry middleware, with the body and headers the
real route sent first: no guards, no handler, no journal. What this serves per second is
the most any status route in this application could serve on this machine; the distance
from the bare server to it is the cost of the stack before any work.

    python bench/emulator_floor.py serve --port 9443 --quiet ...
"""

from __future__ import annotations

import sys
from typing import Any


def main(argv: list[str]) -> int:
    from aiohttp import web

    from emulator.fronts import app as app_module
    from emulator.fronts.gateway.responses import JSON_HEADERS

    real_enter = app_module.enter
    constant: dict[str, bytes] = {}

    @web.middleware
    async def enter(request: web.Request, handler: Any) -> web.StreamResponse:
        entry = request.app[app_module.ENTRIES_KEY].get(request.match_info.route)
        if entry is not None and entry.spec.name == "status":
            body = constant.get("body")
            if body is not None:
                return web.Response(body=body, headers=JSON_HEADERS)
            response = await real_enter(request, handler)  # the first answer is real
            if isinstance(response, web.Response) and response.status == 200:
                constant["body"] = bytes(response.body)  # type: ignore[arg-type]
            return response
        return await real_enter(request, handler)

    app_module.enter = enter
    from emulator.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
