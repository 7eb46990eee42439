"""Enlighten accounts, sites and login sessions: who may ask the emulated cloud what.

Pure model, no HTTP. Time comes from an injected ``now`` (the emulator's virtual clock), so
``clock/advance`` expires sessions and one-time codes exactly as it drains batteries. Session
ids, OTP nonces and XSRF tokens come from :mod:`secrets`; user ids and site ids are
deterministic. Every bound below is [DESIGN] (Enphase publishes none) and documented in
docs/cloud.md.
"""

from __future__ import annotations

import hmac
import math
import secrets
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from .errors import ModelError, Refusal, invalid, not_found

SESSION_TTL_S = 24 * 3600.0
"""A login session (and every token bound to it) lives one day, whatever its use."""
MAX_SESSIONS_PER_ACCOUNT = 10
"""Past this, Enlighten-style "Too many active sessions" until one is logged out or expires."""
MAX_SESSIONS = 10_000
"""All accounts together; past it, logins get a rate-limit refusal with a retry time."""
OTP_TTL_S = 300.0
"""A pending MFA login (its ``login_otp_nonce``) is short-lived."""
MAX_OTP_ATTEMPTS = 5
"""Wrong codes before the pending login is dropped (``isBlocked``)."""
MAX_OTP_RESENDS = 3
"""Code resends before the pending login is dropped (``isBlocked``)."""
FIRST_USER_ID = 1_000_001


class AccountRole(StrEnum):
    OWNER = "owner"
    INSTALLER = "installer"


class AccountRefusal(StrEnum):
    """Why the cloud refuses; the cloud front maps each to its status and body."""

    UNAUTHORISED = "unauthorised"  # bad credentials, unknown or expired session (401)
    FORBIDDEN = "forbidden"  # the account has no access to that site or gateway (403)
    BLOCKED = "blocked"  # the account is blocked (login answers isBlocked)
    MFA_INVALID = "mfa_invalid"  # a wrong one-time code, attempts left
    MFA_BLOCKED = "mfa_blocked"  # too many wrong codes or resends: log in again
    TOO_MANY_SESSIONS = "too_many_sessions"  # the account's session quota is full
    RATE_LIMITED = "rate_limited"  # the emulator-wide bound is full; see retry_after_s


_KIND = {
    AccountRefusal.UNAUTHORISED: Refusal.INVALID,
    AccountRefusal.MFA_INVALID: Refusal.INVALID,
    AccountRefusal.FORBIDDEN: Refusal.NOT_FOUND,
}


class AccountError(ModelError):
    """A cloud refusal. ``kind`` keeps generic fronts working; ``reason`` is the precise one."""

    def __new__(
        cls, reason: AccountRefusal, message: str, retry_after_s: float | None = None
    ) -> AccountError:
        return Exception.__new__(cls)

    def __init__(
        self, reason: AccountRefusal, message: str, retry_after_s: float | None = None
    ) -> None:
        super().__init__(_KIND.get(reason, Refusal.CONFLICT), message)
        self.reason = reason
        self.retry_after_s = retry_after_s

    def __reduce__(self) -> tuple[object, ...]:
        return (AccountError, (self.reason, self.message, self.retry_after_s))


@dataclass(frozen=True)
class Site:
    site_id: int
    name: str
    gateway_serial: str
    charger_serials: tuple[str, ...] = ()
    time_zone: str = "UTC"


@dataclass
class Account:
    email: str
    password: str
    role: AccountRole
    user_id: int
    name: str
    site_ids: list[int] = field(default_factory=list)
    mfa_code: str | None = None
    blocked: bool = False

    @property
    def is_consumer(self) -> bool:
        """Login answers ``is_consumer``: true for home owners, false for installers."""
        return self.role is AccountRole.OWNER


@dataclass
class LoginSession:
    session_id: str
    email: str
    user_id: int
    created_at: float
    expires_at: float
    xsrf_token: str
    last_seen: float

    def alive(self, now: float) -> bool:
        return now < self.expires_at


@dataclass
class PendingLogin:
    """Credentials accepted, one-time code awaited; found again by its nonce cookie."""

    nonce: str
    email: str
    expires_at: float
    xsrf_token: str
    attempts: int = 0
    resends: int = 0


@dataclass(frozen=True)
class GatewayGrant:
    """What Entrez may mint for a gateway: ``TokenAuthority.mint(role=..., serial=...)``."""

    role: str
    serial: str
    username: str
    site_id: int


def normalise_email(email: str) -> str:
    return str(email).strip().lower()


def site_id_for(gateway_serial: str) -> int:
    """A stable seven-digit site id derived from the gateway serial."""
    return 1_000_000 + zlib.crc32(gateway_serial.encode()) % 9_000_000


class Accounts:
    """The cloud's directory: accounts, their sites, login sessions and pending MFA logins."""

    def __init__(
        self,
        now: Callable[[], float],
        *,
        session_ttl_s: float = SESSION_TTL_S,
        max_sessions_per_account: int = MAX_SESSIONS_PER_ACCOUNT,
        max_sessions: int = MAX_SESSIONS,
        otp_ttl_s: float = OTP_TTL_S,
        max_otp_attempts: int = MAX_OTP_ATTEMPTS,
        max_otp_resends: int = MAX_OTP_RESENDS,
    ) -> None:
        for name, value in (("session_ttl_s", session_ttl_s), ("otp_ttl_s", otp_ttl_s)):
            if not value > 0:  # also refuses NaN
                raise invalid(f"{name} must be > 0 seconds, not {value!r}", name)
        for name, count in (
            ("max_sessions_per_account", max_sessions_per_account),
            ("max_sessions", max_sessions),
            ("max_otp_attempts", max_otp_attempts),
        ):
            if count < 1:
                raise invalid(f"{name} must be at least 1, not {count}", name)
        if max_otp_resends < 0:
            raise invalid(f"max_otp_resends must be >= 0, not {max_otp_resends}", "max_otp_resends")
        self._now = now
        self.session_ttl_s = session_ttl_s
        self.max_sessions_per_account = max_sessions_per_account
        self.max_sessions = max_sessions
        self.otp_ttl_s = otp_ttl_s
        self.max_otp_attempts = max_otp_attempts
        self.max_otp_resends = max_otp_resends
        self._accounts: dict[str, Account] = {}
        self._sites: dict[int, Site] = {}
        self._sessions: dict[str, LoginSession] = {}
        self._by_account: dict[str, dict[str, LoginSession]] = {}
        self._pending: dict[str, PendingLogin] = {}  # by nonce
        self._pending_of: dict[str, str] = {}  # email -> nonce: one pending login per account
        self._next_user_id = FIRST_USER_ID

    # -- building -------------------------------------------------------------------------

    def add_site(
        self,
        name: str,
        gateway_serial: str,
        charger_serials: Sequence[str] = (),
        *,
        site_id: int | None = None,
        time_zone: str = "UTC",
    ) -> Site:
        sid = site_id_for(gateway_serial) if site_id is None else site_id
        if isinstance(sid, bool) or not isinstance(sid, int) or sid < 1:
            raise invalid(f"site_id must be a positive integer, not {sid!r}", "site_id")
        if sid in self._sites:
            raise invalid(f"two sites share the id {sid}", "site_id")
        if any(s.gateway_serial == gateway_serial for s in self._sites.values()):
            raise invalid(f"gateway {gateway_serial} already belongs to a site", "gateway_serial")
        site = Site(sid, name, gateway_serial, tuple(charger_serials), time_zone)
        self._sites[sid] = site
        return site

    def set_chargers(self, site_id: int | str, charger_serials: Sequence[str]) -> Site:
        """Keep a site's chargers in step with the world (scenario load, added chargers)."""
        site = replace(self.site(site_id), charger_serials=tuple(charger_serials))
        self._sites[site.site_id] = site
        return site

    def add_account(
        self,
        email: str,
        password: str,
        role: AccountRole | str = AccountRole.OWNER,
        *,
        sites: Iterable[int] = (),
        mfa_code: str | None = None,
        blocked: bool = False,
        name: str | None = None,
    ) -> Account:
        key = normalise_email(email)
        if "@" not in key.strip("@"):
            raise invalid(f"not an email address: {email!r}", "email")
        if key in self._accounts:
            raise invalid(f"an account for {key} already exists", "email")
        if not password:
            raise invalid("password must not be empty", "password")
        try:
            parsed_role = AccountRole(str(role).lower())
        except ValueError:
            raise invalid(f"role must be owner or installer, not {role!r}", "role") from None
        if mfa_code is not None and not str(mfa_code).strip():
            raise invalid("mfa_code must be a non-empty code, or None for no MFA", "mfa_code")
        site_ids = [self.site(s).site_id for s in sites]
        account = Account(
            email=key,
            password=password,
            role=parsed_role,
            user_id=self._next_user_id,
            name=name or key.split("@", 1)[0],
            site_ids=site_ids,
            mfa_code=None if mfa_code is None else str(mfa_code).strip(),
            blocked=blocked,
        )
        self._next_user_id += 1
        self._accounts[key] = account
        return account

    def set_blocked(self, email: str, blocked: bool = True) -> Account:
        """Block (ending its sessions and pending login) or unblock an account."""
        account = self.account(email)
        account.blocked = blocked
        if blocked:
            self.logout_all(account.email)
            self._drop_pending(account.email)
        return account

    def set_mfa(self, email: str, code: str | None) -> Account:
        account = self.account(email)
        if code is not None and not str(code).strip():
            raise invalid("mfa_code must be a non-empty code, or None for no MFA", "mfa_code")
        account.mfa_code = None if code is None else str(code).strip()
        self._drop_pending(account.email)
        return account

    # -- reading --------------------------------------------------------------------------

    def account(self, email: str) -> Account:
        account = self._accounts.get(normalise_email(email))
        if account is None:
            raise not_found(f"no account {email!r} (known: {', '.join(self._accounts) or 'none'})")
        return account

    def site(self, site_id: int | str) -> Site:
        site = self._sites.get(_site_number(site_id))
        if site is None:
            known = ", ".join(str(s) for s in self._sites) or "none"
            raise not_found(f"no site {site_id!r} (known: {known})")
        return site

    @property
    def accounts(self) -> list[Account]:
        return list(self._accounts.values())

    @property
    def sites(self) -> list[Site]:
        return list(self._sites.values())

    def active_sessions(self, email: str | None = None) -> int:
        now = self._now()
        if email is None:
            return sum(1 for s in self._sessions.values() if s.alive(now))
        return len(self._live_sessions_of(normalise_email(email), now))

    # -- logging in -----------------------------------------------------------------------

    def login(self, email: str, password: str) -> LoginSession | PendingLogin:
        """A session, or a pending login when the account has MFA. Unknown user and wrong
        password are the same refusal, so a client cannot probe for accounts."""
        account = self._accounts.get(normalise_email(email))
        if account is None or not hmac.compare_digest(
            account.password.encode(), str(password).encode()
        ):
            raise AccountError(AccountRefusal.UNAUTHORISED, "invalid email or password")
        if account.blocked:
            raise AccountError(AccountRefusal.BLOCKED, f"account {account.email} is blocked")
        if account.mfa_code is not None:
            return self._begin_mfa(account)
        return self._open(account)

    def validate_otp(self, nonce: str, email: str, otp: str) -> LoginSession:
        pending = self._live_pending(nonce)
        account = self._accounts[pending.email]
        if account.blocked:
            self._drop_pending(account.email)
            raise AccountError(AccountRefusal.BLOCKED, f"account {account.email} is blocked")
        code = account.mfa_code or ""
        right = hmac.compare_digest(code.encode(), str(otp).strip().encode())
        if normalise_email(email) != pending.email or not right:
            pending.attempts += 1
            left = self.max_otp_attempts - pending.attempts
            if left <= 0:
                self._drop_pending(pending.email)
                raise AccountError(
                    AccountRefusal.MFA_BLOCKED,
                    f"{self.max_otp_attempts} wrong codes: the login is blocked; log in again",
                )
            raise AccountError(AccountRefusal.MFA_INVALID, f"wrong code; {left} attempt(s) left")
        self._drop_pending(pending.email)
        return self._open(account)

    def resend_otp(self, nonce: str) -> PendingLogin:
        """A new code is "sent" (the account's code stays the same) and the nonce rotates."""
        pending = self._live_pending(nonce)
        pending.resends += 1
        if pending.resends > self.max_otp_resends:
            self._drop_pending(pending.email)
            raise AccountError(
                AccountRefusal.MFA_BLOCKED,
                f"more than {self.max_otp_resends} resends: the login is blocked; log in again",
            )
        del self._pending[pending.nonce]
        pending.nonce = secrets.token_hex(16)
        pending.expires_at = self._now() + self.otp_ttl_s
        self._pending[pending.nonce] = pending
        self._pending_of[pending.email] = pending.nonce
        return pending

    def session(self, session_id: str) -> LoginSession:
        """The live session with this id, for every later request; refuses unknown/expired."""
        now = self._now()
        found = self._sessions.get(str(session_id))
        if found is None:
            raise AccountError(AccountRefusal.UNAUTHORISED, "no such session; log in again")
        if not found.alive(now):
            self._drop_session(found)
            raise AccountError(AccountRefusal.UNAUTHORISED, "the session expired; log in again")
        found.last_seen = now
        return found

    def logout(self, session_id: str) -> bool:
        found = self._sessions.get(str(session_id))
        if found is None:
            return False
        self._drop_session(found)
        return True

    def logout_all(self, email: str | None = None) -> int:
        """End every session (of one account, or of all): the admin's "revoke"."""
        if email is None:
            victims = list(self._sessions.values())
        else:
            victims = list(self._by_account.get(normalise_email(email), {}).values())
        for each in victims:
            self._drop_session(each)
        return len(victims)

    def purge(self) -> int:
        """Forget expired sessions and pending logins; returns how many went."""
        now = self._now()
        dead = [s for s in self._sessions.values() if not s.alive(now)]
        for each in dead:
            self._drop_session(each)
        stale = [p for p in self._pending.values() if now >= p.expires_at]
        for pending in stale:
            self._drop_pending(pending.email)
        return len(dead) + len(stale)

    # -- what a session may see -----------------------------------------------------------

    def account_of(self, session: LoginSession) -> Account:
        return self._accounts[session.email]

    def sites_of(self, session: LoginSession) -> list[Site]:
        return [self._sites[s] for s in self.account_of(session).site_ids]

    def site_for(self, session: LoginSession, site_id: int | str) -> Site:
        """The site if this session's account may see it; unknown sites look the same."""
        number = _site_number(site_id)
        if number not in self.account_of(session).site_ids:
            raise AccountError(
                AccountRefusal.FORBIDDEN, f"{session.email} has no access to site {number}"
            )
        return self._sites[number]

    def charger_site(self, session: LoginSession, site_id: int | str, serial: str) -> Site:
        site = self.site_for(session, site_id)
        if serial not in site.charger_serials:
            known = ", ".join(site.charger_serials) or "none"
            raise not_found(f"no charger {serial!r} on site {site.site_id} (known: {known})")
        return site

    def gateway_grant(self, session_id: str, serial: str, username: str) -> GatewayGrant:
        """Entrez, pyenphase's form: a gateway token for a gateway of the account's sites."""
        session = self.session(session_id)
        account = self.account_of(session)
        if normalise_email(username) != account.email:
            raise AccountError(
                AccountRefusal.UNAUTHORISED, "username does not match the session's account"
            )
        for site in self.sites_of(session):
            if site.gateway_serial == str(serial):
                return GatewayGrant(
                    account.role.value, site.gateway_serial, account.email, site.site_id
                )
        raise AccountError(
            AccountRefusal.FORBIDDEN, f"{account.email} has no access to gateway {serial!r}"
        )

    def access_claims(self, session_id: str, email: str) -> dict[str, object]:
        """Entrez, the HA integration's form: claims of a site-wide access token that dies
        with the session (``exp`` = session expiry); the front signs and answers them."""
        session = self.session(session_id)
        account = self.account_of(session)
        if normalise_email(email) != account.email:
            raise AccountError(
                AccountRefusal.UNAUTHORISED, "email does not match the session's account"
            )
        return {
            "iss": "Entrez",
            "session_id": session.session_id,
            "user_id": str(account.user_id),
            "email": account.email,
            "enphaseUser": account.role.value,
            "iat": int(session.created_at),
            "exp": int(session.expires_at),
        }

    def manager_claims(self, session: LoginSession) -> dict[str, object]:
        """Claims of the ``enlighten_manager_token_production`` cookie JWT; clients read
        ``session_id`` and ``user_id`` from it, at top level or under ``data``."""
        account = self.account_of(session)
        return {
            "iss": "Enlighten",
            "data": {
                "session_id": session.session_id,
                "user_id": str(account.user_id),
                "email": account.email,
                "first_name": account.name,
                "is_consumer": account.is_consumer,
            },
            "iat": int(session.created_at),
            "exp": int(session.expires_at),
        }

    def describe(self) -> dict[str, object]:
        """For the admin API: accounts (without passwords), sites and live session counts."""
        return {
            "accounts": [
                {
                    "email": a.email,
                    "role": a.role.value,
                    "user_id": a.user_id,
                    "sites": list(a.site_ids),
                    "mfa": a.mfa_code is not None,
                    "blocked": a.blocked,
                    "sessions": self.active_sessions(a.email),
                }
                for a in self._accounts.values()
            ],
            "sites": [
                {
                    "site_id": s.site_id,
                    "name": s.name,
                    "gateway_serial": s.gateway_serial,
                    "charger_serials": list(s.charger_serials),
                }
                for s in self._sites.values()
            ],
        }

    # -- internals ------------------------------------------------------------------------

    def _open(self, account: Account) -> LoginSession:
        now = self._now()
        mine = self._live_sessions_of(account.email, now)
        if len(mine) >= self.max_sessions_per_account:
            first_end = min(s.expires_at for s in mine)
            raise AccountError(
                AccountRefusal.TOO_MANY_SESSIONS,
                f"Too many active sessions: {account.email} has {len(mine)} "
                f"(limit {self.max_sessions_per_account}); log one out or wait for one to expire",
                retry_after_s=_seconds_until(first_end, now),
            )
        if len(self._sessions) >= self.max_sessions:
            self.purge()
            if len(self._sessions) >= self.max_sessions:
                first_end = min(s.expires_at for s in self._sessions.values())
                raise AccountError(
                    AccountRefusal.RATE_LIMITED,
                    f"the emulator holds {self.max_sessions} sessions, its limit",
                    retry_after_s=_seconds_until(first_end, now),
                )
        session = LoginSession(
            session_id=secrets.token_hex(16),
            email=account.email,
            user_id=account.user_id,
            created_at=now,
            expires_at=now + self.session_ttl_s,
            xsrf_token=secrets.token_urlsafe(32),
            last_seen=now,
        )
        self._sessions[session.session_id] = session
        self._by_account.setdefault(account.email, {})[session.session_id] = session
        return session

    def _begin_mfa(self, account: Account) -> PendingLogin:
        self._drop_pending(account.email)  # a new login replaces the previous code's nonce
        pending = PendingLogin(
            nonce=secrets.token_hex(16),
            email=account.email,
            expires_at=self._now() + self.otp_ttl_s,
            xsrf_token=secrets.token_urlsafe(32),
        )
        self._pending[pending.nonce] = pending
        self._pending_of[account.email] = pending.nonce
        return pending

    def _live_pending(self, nonce: str) -> PendingLogin:
        pending = self._pending.get(str(nonce))
        if pending is None:
            raise AccountError(
                AccountRefusal.UNAUTHORISED, "no pending login for this nonce; log in again"
            )
        if self._now() >= pending.expires_at:
            self._drop_pending(pending.email)
            raise AccountError(
                AccountRefusal.UNAUTHORISED, "the one-time code expired; log in again"
            )
        return pending

    def _live_sessions_of(self, email: str, now: float) -> list[LoginSession]:
        mine = self._by_account.get(email, {})
        for dead in [s for s in mine.values() if not s.alive(now)]:
            self._drop_session(dead)
        return list(mine.values())

    def _drop_session(self, session: LoginSession) -> None:
        self._sessions.pop(session.session_id, None)
        mine = self._by_account.get(session.email)
        if mine is not None:
            mine.pop(session.session_id, None)
            if not mine:
                del self._by_account[session.email]

    def _drop_pending(self, email: str) -> None:
        nonce = self._pending_of.pop(email, None)
        if nonce is not None:
            self._pending.pop(nonce, None)


def _site_number(site_id: int | str) -> int:
    if isinstance(site_id, bool):
        raise invalid(f"site id must be a number, not {site_id!r}", "site_id")
    if isinstance(site_id, int):
        return site_id
    text = str(site_id).strip()
    if not text.isdigit() or not text.isascii():
        raise invalid(f"site id must be a number, not {site_id!r}", "site_id")
    return int(text)


def _seconds_until(when: float, now: float) -> float:
    """Whole seconds to wait (at least 1), as a Retry-After header wants them."""
    return float(max(1, math.ceil(when - now)))


DEFAULT_PASSWORD = "emulator"
DEFAULT_OWNER = "owner@example.com"
DEFAULT_INSTALLER = "installer@example.com"


def default_accounts(
    now: Callable[[], float],
    gateway_serial: str,
    charger_serials: Sequence[str],
    *,
    site_name: str = "Home",
    time_zone: str = "UTC",
) -> Accounts:
    """One site (the gateway and its chargers) seen by an owner and an installer, both with
    the password ``emulator`` and no MFA."""
    accounts = Accounts(now)
    site = accounts.add_site(site_name, gateway_serial, charger_serials, time_zone=time_zone)
    accounts.add_account(DEFAULT_OWNER, DEFAULT_PASSWORD, AccountRole.OWNER, sites=[site.site_id])
    accounts.add_account(
        DEFAULT_INSTALLER, DEFAULT_PASSWORD, AccountRole.INSTALLER, sites=[site.site_id]
    )
    return accounts
