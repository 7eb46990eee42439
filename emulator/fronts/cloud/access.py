"""Who is calling the cloud: the first of the ``_enlighten_4_session`` cookie, an
``e-auth-token`` header (a session id, or a JWT naming one) and a Bearer JWT (manager or
Entrez token) that names a live login session (docs/cloud.md, "How an Enlighten request
is authenticated"). Signed tokens are not enough: the session they name must be alive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ...model.accounts import AccountError, AccountRole, Accounts, LoginSession
from ...model.auth import Caller
from ...model.roles import Role
from ...model.tokens import TokenAuthority
from ...model.world import World
from ..context import EMULATOR_KEY, bearer_token
from ..routing import RouteSpec
from ..surface import DocContext, Security
from .payloads import SESSION_COOKIE

AUTH_HEADER = "e-auth-token"
SCHEMES: Mapping[str, Any] = {
    "enlightenSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The session id POST /login/login.json sets.",
    },
    "eAuthToken": {
        "type": "apiKey",
        "in": "header",
        "name": AUTH_HEADER,
        "description": "A session id, or an Entrez/manager JWT naming one.",
    },
    "cloudBearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The manager token (login cookie) or the Entrez JSON token.",
    },
}
SCHEDULER = "/service/evse_scheduler/"
"""This family needs a Bearer as well as a session, like the real one."""


def session_claim(claims: Mapping[str, Any]) -> str | None:
    """``session_id`` at the top level or under ``data``, as the clients look for it."""
    for where in (claims, claims.get("data")):
        if isinstance(where, Mapping):
            for key in ("session_id", "sessionId", "session"):
                value = where.get(key)
                if isinstance(value, str) and value:
                    return value
    return None


def _candidates(request: web.Request, authority: TokenAuthority) -> list[tuple[str, str]]:
    """(credential kind, session id) in the order they are tried."""
    found: list[tuple[str, str]] = []
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found.append(("cookie", cookie))
    header = request.headers.get(AUTH_HEADER, "").strip()
    if header:
        claims = authority.decode(header) if header.count(".") == 2 else None
        sid = session_claim(claims) if claims is not None else header
        if sid:
            found.append(("e-auth-token", sid))
    bearer = bearer_token(request)
    if bearer:
        claims = authority.decode(bearer)
        sid = session_claim(claims) if claims is not None else None
        if sid:
            found.append(("bearer", sid))
    return found


def find_session(request: web.Request) -> LoginSession | None:
    """The first credential that names a live session; the scheduler also needs a Bearer."""
    emulator = request.app[EMULATOR_KEY]
    if request.path.startswith(SCHEDULER) and bearer_token(request) is None:
        return None
    accounts: Accounts = emulator.accounts
    for _, sid in _candidates(request, emulator.authority):
        try:
            return accounts.session(sid)
        except AccountError:
            continue
    return None


def session_of(request: web.Request) -> LoginSession:
    """The caller's session (the auth guard has already let only callers with one in)."""
    session = find_session(request)
    if session is None:
        raise web.HTTPUnauthorized()
    return session


@dataclass(frozen=True)
class CloudAuth:
    schemes: Mapping[str, Any] = field(default_factory=lambda: SCHEMES)

    def identify(self, request: web.Request, world: World) -> Caller:
        session = find_session(request)
        if session is None:
            return Caller(Role.ANYBODY)
        account = request.app[EMULATOR_KEY].accounts.account_of(session)
        role = Role.INSTALLER if account.role is AccountRole.INSTALLER else Role.OWNER
        return Caller(role, username=account.email, via="cookie")

    def required(self, spec: RouteSpec, world: World) -> Role:
        return spec.min_role if isinstance(spec.min_role, Role) else Role.OWNER

    def security(self, spec: RouteSpec, context: DocContext) -> Security:
        if spec.min_role == Role.ANYBODY:
            return [{}]
        if spec.path.startswith(SCHEDULER):
            return [{"cloudBearer": []}]
        return [{"enlightenSession": []}, {"eAuthToken": []}, {"cloudBearer": []}]

    def describe(self, spec: RouteSpec, context: DocContext) -> str:
        return "anybody" if spec.min_role == Role.ANYBODY else "a logged-in Enlighten account"


AUTH = CloudAuth()
