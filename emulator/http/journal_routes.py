"""Admin routes for the request journal: read it with filters, or clear it.

These two routes are not journaled themselves (see ``Journal.record``).
"""

from __future__ import annotations

from aiohttp import web

from ..journal import FILTERS, JOURNAL_PATH, Query
from .context import emulator_of
from .responses import json_response
from .table import ADMIN, RouteSpec


async def list_requests(request: web.Request) -> web.Response:
    journal = emulator_of(request).journal
    query = Query.from_query_string(request.query)
    found = journal.select(query)
    return json_response(
        {
            "requests": [entry.to_dict() for entry in found],
            "count": len(found),
            "total": len(journal),
            "dropped": journal.dropped,
            "last_seq": journal.last_seq,
        }
    )


async def clear_requests(request: web.Request) -> web.Response:
    journal = emulator_of(request).journal
    return json_response({"cleared": journal.clear(), "last_seq": journal.last_seq})


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec(
        "GET",
        JOURNAL_PATH,
        list_requests,
        ADMIN,
        "requests",
        "admin",
        f"The request journal, oldest first; filters: {', '.join(FILTERS)}.",
    ),
    RouteSpec(
        "DELETE",
        JOURNAL_PATH,
        clear_requests,
        ADMIN,
        "requests_clear",
        "admin",
        "Clear the request journal (sequence numbers keep counting).",
    ),
)
