"""Login, MFA and Entrez (docs/cloud.md, "Login and MFA" and "Entrez"): thin handlers
over :class:`~emulator.model.accounts.Accounts`; the bodies come from :mod:`.payloads`."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aiohttp import web

from ...model.accounts import AccountError, Accounts, LoginSession
from ...model.roles import Role
from ..context import EMULATOR_KEY, emulator_of
from ..routing import RouteSpec
from . import payloads as p
from .replies import NAME, answer, json_reply, with_cookies

OTP_COOKIE_AGE = 300


def accounts_of(request: web.Request) -> Accounts:
    return request.app[EMULATOR_KEY].accounts


def _site_of(accounts: Accounts, session: LoginSession) -> int | None:
    sites = accounts.sites_of(session)
    return sites[0].site_id if sites else None


def _opened(request: web.Request, session: LoginSession, *, otp: bool) -> web.Response:
    """A session's success body and its three cookies."""
    emulator = emulator_of(request)
    accounts = emulator.accounts
    account = accounts.account_of(session)
    manager = emulator.authority.sign(accounts.manager_claims(session))
    build = p.otp_success if otp else p.login_success
    body = build(session, account, manager, _site_of(accounts, session))
    return with_cookies(json_reply(body), p.login_cookies(session, manager))


async def _form(request: web.Request) -> dict[str, str]:
    """A form body (what both clients send); a JSON object is accepted too."""
    if request.content_type == "application/json":
        try:
            data = json.loads(await request.read() or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(reason="the body must be a form or a JSON object")
        return {str(k): str(v) for k, v in data.items()}
    form = await request.post()
    return {k: str(v) for k, v in form.items()}


async def login(request: web.Request) -> web.Response:
    form = await _form(request)
    email, password = form.get("user[email]", ""), form.get("user[password]", "")
    accounts = accounts_of(request)
    try:
        opened = accounts.login(email, password)
    except AccountError as err:
        return answer(p.login_refusal(err))
    if isinstance(opened, LoginSession):
        return _opened(request, opened, otp=False)
    return with_cookies(json_reply(p.mfa_required()), p.pending_cookies(opened), OTP_COOKIE_AGE)


def _b64(text: str) -> str:
    """The integration base64-encodes ``email`` and ``otp``; plain text is taken as is."""
    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return text


async def validate_otp(request: web.Request) -> web.Response:
    form = await _form(request)
    nonce = request.cookies.get(p.OTP_NONCE_COOKIE, "")
    try:
        session = accounts_of(request).validate_otp(
            nonce, _b64(form.get("email", "")), _b64(form.get("otp", ""))
        )
    except AccountError as err:
        return answer(p.otp_refusal(err))
    return _opened(request, session, otp=True)


async def resend_otp(request: web.Request) -> web.Response:
    nonce = request.cookies.get(p.OTP_NONCE_COOKIE, "")
    try:
        pending = accounts_of(request).resend_otp(nonce)
    except AccountError as err:
        return answer(p.resend_refusal(err))
    return with_cookies(json_reply(p.otp_resent()), p.pending_cookies(pending), OTP_COOKIE_AGE)


async def tokens(request: web.Request) -> web.Response:
    """Entrez: ``serial_num`` present → a gateway token as text (pyenphase); absent → the
    JSON access token (the HA integration)."""
    try:
        body: Any = json.loads(await request.read() or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return json_reply({"message": "the body must be a JSON object"}, 400)
    emulator = emulator_of(request)
    accounts = emulator.accounts
    session_id = str(body.get("session_id", ""))
    try:
        if "serial_num" in body:
            grant = accounts.gateway_grant(
                session_id, str(body["serial_num"]), str(body.get("username", ""))
            )
            token = emulator.authority.mint(
                role=grant.role,
                serial=grant.serial,
                now=emulator.world.now(),
                username=grant.username,
            )
            return web.Response(
                text=token, content_type="text/plain", headers={"Cache-Control": "no-store"}
            )
        claims = accounts.access_claims(session_id, str(body.get("email", "")))
    except AccountError as err:
        return answer(p.entrez_refusal(err))
    exp = claims["exp"]
    expires = float(exp) if isinstance(exp, int | float) else 0.0
    return json_reply(p.entrez_token(emulator.authority.sign(claims), expires))


async def logout(request: web.Request) -> web.Response:
    """[DESIGN] ends the session named by the cookie; always 200."""
    session_id = request.cookies.get(p.SESSION_COOKIE, "")
    ended = accounts_of(request).logout(session_id) if session_id else False
    response = json_reply({"message": "success", "loggedOut": ended})
    response.del_cookie(p.SESSION_COOKIE, path="/")
    return response


def _route(
    method: str,
    path: str,
    handler: Any,
    name: str,
    summary: str,
    body: str | None,
    evidence: str = "community",
) -> RouteSpec:
    return RouteSpec(
        method,
        path,
        handler,
        Role.ANYBODY,
        name,
        evidence,  # type: ignore[arg-type]
        summary,
        body=body,
        surface=NAME,
        tags=("cloud-login",),
        body_media="application/x-www-form-urlencoded",
    )


ROUTES: tuple[RouteSpec, ...] = (
    _route(
        "POST",
        "/login/login.json",
        login,
        "cloud_login",
        "Password login: session id and cookies, or requires_mfa.",
        "user[email], user[password]",
    ),
    _route(
        "POST",
        "/app-api/validate_login_otp",
        validate_otp,
        "cloud_validate_otp",
        "Check the one-time code of an MFA login.",
        "email, otp (base64), the login_otp_nonce cookie",
    ),
    _route(
        "POST",
        "/app-api/generate_mfa_login_otp",
        resend_otp,
        "cloud_resend_otp",
        "Resend the one-time code (rotates the nonce).",
        "locale",
    ),
    _route(
        "DELETE",
        "/logout",
        logout,
        "cloud_logout",
        "End the login session named by the cookie.",
        None,
        "designed",
    ),
    RouteSpec(
        "POST",
        "/tokens",
        tokens,
        Role.ANYBODY,
        "entrez_tokens",
        "community",
        "Entrez: a gateway token (text) with serial_num, else a JSON access token.",
        body='{"session_id", "serial_num", "username"} or {"session_id", "email"}',
        surface=NAME,
        tags=("cloud-login",),
        media="text/plain",
    ),
)
