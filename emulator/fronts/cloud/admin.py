"""The admin API's view of the emulated cloud (``/__emulator/cloud/...``): the accounts,
blocking and MFA, and ending login sessions. Served by the admin surface, gated like it."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ...model.errors import invalid
from ...model.params import check_keys, text
from ..admin.control import admin
from ..admin.replies import json_response
from ..context import emulator_of, json_object
from ..routing import Param, RouteSpec

EMAIL = Param("email", "the account's email address")


def _directory(request: web.Request) -> dict[str, Any]:
    emulator = emulator_of(request)
    return {**emulator.accounts.describe(), "reporting_interval": emulator.reports.interval_s}


async def accounts(request: web.Request) -> web.Response:
    return json_response(_directory(request))


async def change_account(request: web.Request) -> web.Response:
    """``{"blocked": bool}`` and/or ``{"mfa": "code" | null}``."""
    body = await json_object(request)
    check_keys(body, {"blocked", "mfa"}, "account")
    directory = emulator_of(request).accounts
    email = request.match_info["email"]
    directory.account(email)  # an unknown account is named before a bad field
    if "blocked" in body:
        if not isinstance(body["blocked"], bool):
            raise invalid("'blocked' must be true or false", "blocked")
        directory.set_blocked(email, body["blocked"])
    if "mfa" in body:
        code = None if body["mfa"] is None else text(body, "mfa", max_len=32)
        directory.set_mfa(email, code)
    return json_response(_directory(request))


async def logout(request: web.Request) -> web.Response:
    """``{}`` ends every login session; ``{"email": ...}`` those of one account."""
    body = await json_object(request, optional=True)
    check_keys(body, {"email"}, "logout")
    directory = emulator_of(request).accounts
    email = text(body, "email", max_len=254) if "email" in body else None
    if email is not None:
        directory.account(email)
    return json_response({"ended": directory.logout_all(email)})


ROUTES: tuple[RouteSpec, ...] = (
    admin(
        "GET",
        "/cloud/accounts",
        accounts,
        "admin_cloud_accounts",
        "The emulated cloud's accounts (no passwords), site and session counts.",
    ),
    admin(
        "POST",
        "/cloud/accounts/{email}",
        change_account,
        "admin_cloud_account",
        "Block or unblock an account, or set its MFA code.",
        body='{"blocked": true} and/or {"mfa": "123456" | null}',
        params=(EMAIL,),
    ),
    admin(
        "POST",
        "/cloud/logout",
        logout,
        "admin_cloud_logout",
        "End every cloud login session, or one account's.",
        body='{} or {"email": "owner@example.com"}',
        body_optional=True,
    ),
)
