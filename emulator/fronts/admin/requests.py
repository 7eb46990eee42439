"""Admin routes for the request journal: read it with filters, or clear it.

These two routes are not journaled themselves (see ``Journal.record``).
"""

from __future__ import annotations

from aiohttp import web

from ..context import emulator_of
from ..journal import FILTERS, JOURNAL_PATH, Query
from ..routing import Param
from ..schemas import ANY_ARRAY, INT, obj
from .control import admin
from .replies import PREFIX, json_response


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


P = JOURNAL_PATH.removeprefix(PREFIX)
FILTER_DOCS = {
    "method": "one method or a comma-separated list (GET,POST)",
    "path": "a path pattern: {name} one segment, * within one segment, ** any segments",
    "status": "a status (401) or a class (4xx)",
    "since": "a sequence number (entries after it) or an ISO time (at or after it)",
    "limit": "keep the last N matches",
    "role": "the role the request was recognised with",
}
LISTING = obj(
    ["requests", "count", "total", "dropped", "last_seq"],
    requests=ANY_ARRAY,
    count=INT,
    total=INT,
    dropped=INT,
    last_seq=INT,
)

ROUTES = (
    admin(
        "GET",
        P,
        list_requests,
        "requests",
        f"The request journal, oldest first; filters: {', '.join(FILTERS)}.",
        params=tuple(Param(name, FILTER_DOCS[name], "query") for name in FILTERS),
        response=LISTING,
    ),
    admin(
        "DELETE",
        P,
        clear_requests,
        "requests_clear",
        "Clear the request journal (sequence numbers keep counting).",
        response=obj(["cleared", "last_seq"], cleared=INT, last_seq=INT),
    ),
)
