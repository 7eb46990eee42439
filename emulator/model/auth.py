"""Who is asking: tokens, sessions and revocation, judged on the emulator's clock.

One :class:`GatewayAuth` belongs to one world (its sessions are the gateway's memory and
die with it); the :class:`TokenAuthority` it is given belongs to the emulator process and
carries revocation across resets and scenario swaps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from .roles import Role
from .sessions import Session, SessionStore
from .tokens import Denial, InvalidToken, TokenAuthority, TokenClaims


class Denied(NamedTuple):
    """Why a request is refused: a code for dashboards and a sentence for people."""

    reason: Denial
    detail: str


@dataclass(frozen=True, slots=True)
class Caller:
    """The role a request gets. When a credential was sent but gave nothing, ``role`` is
    anybody and ``denial``/``detail`` say why (the client only ever sees the 401 page)."""

    role: Role
    username: str = ""
    via: str = "none"
    """The credential judged: "bearer", "cookie" or "none"."""
    denial: Denial | None = None
    detail: str = ""

    def refusal(self, required: Role) -> Denied | None:
        """Why this caller may not use a route that needs ``required``; None if it may."""
        if self.role >= required:
            return None
        if self.denial is not None:
            return Denied(self.denial, self.detail)
        return Denied(
            Denial.ROLE_TOO_LOW, f"{self.role.label} is below {required.label}, which it needs"
        )


ANONYMOUS = Caller(
    Role.ANYBODY, denial=Denial.NO_CREDENTIALS, detail="no Bearer token and no sessionId cookie"
)
_SESSION_TEXT = {
    Denial.SESSION_UNKNOWN: "no such session (never opened here, or forgotten: reset, "
    "scenario change or long ended)",
    Denial.SESSION_IDLE: "the session was idle for 10 minutes",
    Denial.SESSION_DROPPED: "the session was dropped by a reboot",
    Denial.SESSION_EVICTED: "the session was evicted to make room for newer ones",
    Denial.REVOKED: "the session's token was revoked (revoke_tokens)",
    Denial.EXPIRED: "the session's token has expired",
    Denial.WRONG_SERIAL: "the session's token is for another gateway",
    Denial.NOT_YET_VALID: "the session's token is issued later than the clock",
}


CALLER_CACHE_SIZE = 1024
"""Distinct (role, username, credential) callers remembered; the cache starts over when
full. Only the immutable answer is cached: the token's verdict is judged per request."""


class GatewayAuth:
    """Identifies callers for one world: ``serial`` and ``now`` are the world's, read on
    every call, so a serial change or a clock jump is seen at once.

    A good credential's :class:`Caller` is shared between requests (it is immutable and
    depends only on the claims' role and username), so a poll does not build one and
    parse its role each time; expiry, revocation and the serial are still judged first,
    on every request."""

    def __init__(
        self,
        authority: TokenAuthority,
        serial: Callable[[], str],
        now: Callable[[], float],
        sessions: SessionStore | None = None,
    ) -> None:
        self.authority = authority
        self.sessions = sessions if sessions is not None else SessionStore()
        self._serial = serial
        self._now = now
        self._callers: dict[tuple[str, str, str], Caller] = {}

    def _caller(self, claims: TokenClaims, via: str) -> Caller:
        """The shared Caller for good claims (built once per role, username and via)."""
        key = (claims.role, claims.username, via)
        found = self._callers.get(key)
        if found is None:
            if len(self._callers) >= CALLER_CACHE_SIZE:
                self._callers.clear()
            found = self._callers[key] = Caller(Role.parse(claims.role), claims.username, via)
        return found

    def mint(self, role: str, ttl_s: float | None = None, username: str | None = None) -> str:
        return self.authority.mint(
            role=role, serial=self._serial(), now=self._now(), ttl_s=ttl_s, username=username
        )

    def check(self, token: str) -> TokenClaims:
        """The token's claims if this gateway accepts it now, else :class:`InvalidToken`."""
        return self.authority.verify(token, serial=self._serial(), now=self._now())

    def login(self, token: str) -> Session:
        """``/auth/check_jwt``: a new session for a good token (:class:`InvalidToken`)."""
        return self.sessions.open(self.check(token), self._now())

    def identify(self, bearer: str | None, session_id: str | None) -> Caller:
        """The caller's role from a Bearer token, else a live session cookie, else anybody
        (with the reason the credential gave nothing)."""
        if bearer:
            try:
                claims = self.check(bearer)
            except InvalidToken as exc:
                return Caller(Role.ANYBODY, via="bearer", denial=exc.reason, detail=exc.detail)
            return self._caller(claims, "bearer")
        if session_id:
            return self._from_session(session_id)
        return ANONYMOUS

    def _from_session(self, session_id: str) -> Caller:
        now = self._now()
        found = self.sessions.touch(session_id, now)
        if isinstance(found, Session):
            refusal = self.authority.judge(found.claims, serial=self._serial(), now=now)
            if refusal is None:
                return self._caller(found.claims, "cookie")
            # a session lives no longer than its token: expired, revoked or other gateway
            self.sessions.end(session_id, refusal.reason)
            found = refusal.reason
        return Caller(
            Role.ANYBODY, via="cookie", denial=found, detail=_SESSION_TEXT.get(found, found.value)
        )

    def revoke_all(self) -> int:
        """``revoke_tokens``: every token issued so far stops working, on every world that
        shares the authority, and so do this gateway's sessions. Returns the sessions
        dropped."""
        self.authority.revoke_all()
        return self.sessions.drop_all(Denial.REVOKED)

    def drop_sessions(self) -> int:
        """A reboot: sessions are gone, tokens stay valid. Returns how many were dropped."""
        return self.sessions.drop_all(Denial.SESSION_DROPPED)
