"""The admin API refuses what a web page in the user's browser could send it.

The admin API is open (no token unless ``--admin-token``), so a page on another site could
otherwise drive it through the user's browser: a ``<form>`` or a ``fetch`` in ``no-cors``
mode can POST ``text/plain`` anywhere without asking. Two rules close that (see
docs/security.md), on every state-changing request (any method but GET, HEAD, OPTIONS):

* an ``Origin`` (or ``Sec-Fetch-Site``) that is not the server's own origin: 403. The
  dashboard at ``https://HOST:PORT/`` is same-origin and passes; clients that are not
  browsers (curl, tests, pyenphase) send no Origin and pass;
* a body on a JSON route sent as one of the content types a page may send without a
  CORS preflight (``text/plain``, the two form types): 415, naming ``application/json``.
  Other types (``application/octet-stream``, none at all) reach the route, which reads
  the body as JSON; a browser cannot send them cross-site without a preflight, which the
  emulator never grants.
"""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from ..routing import RouteSpec

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON = "application/json"
SIMPLE_TYPES = frozenset({"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"})
"""The CORS-safelisted request content types: what a page may POST anywhere unasked."""


def cross_site_refusal(request: web.Request, spec: RouteSpec | None) -> tuple[int, str] | None:
    """(status, message) when ``request`` must be refused as cross-site; None: fine."""
    if request.method in SAFE_METHODS:
        return None
    origin = request.headers.get("Origin")
    if origin is not None and not same_origin(origin, request):
        return 403, (
            f"cross-origin request refused: Origin {origin[:100]!r} is not this server "
            f"({own_origin(request)}); the admin API changes state only for its own pages "
            "and for clients that are not browsers (docs/security.md)"
        )
    fetch_site = request.headers.get("Sec-Fetch-Site", "").lower()
    if fetch_site in ("cross-site", "same-site"):
        return 403, (
            f"cross-origin request refused (Sec-Fetch-Site: {fetch_site}); see docs/security.md"
        )
    media = spec.body_media if spec is not None else JSON
    has_body = bool(request.content_length) or (
        request.content_length is None and request.body_exists
    )
    if has_body and media == JSON and request.content_type in SIMPLE_TYPES:
        given = request.headers.get("Content-Type", "")[:100]
        return 415, f"send the body as JSON (Content-Type: {JSON}), not {given}"
    return None


def own_origin(request: web.Request) -> str:
    url = request.url
    return str(URL.build(scheme=url.scheme, host=url.host or "", port=url.port))


def same_origin(origin: str, request: web.Request) -> bool:
    """Whether an Origin header names this server as the request reached it."""
    try:
        given = URL(origin.strip())
    except ValueError:
        return False
    if not given.absolute or given.host is None:
        return False  # "null" (a sandboxed page, a file://) is no origin
    own = request.url
    return (
        given.scheme.lower() == own.scheme.lower()
        and given.host.lower() == (own.host or "").lower()
        and given.port == own.port
    )
