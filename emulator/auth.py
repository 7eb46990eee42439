"""Who is asking: tokens, sessions and revocation, judged on the emulator's clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jwt

from .roles import Role
from .sessions import Session, SessionStore
from .tokens import InvalidToken, TokenAuthority, TokenClaims


@dataclass(frozen=True)
class Caller:
    role: Role
    username: str = ""
    via: str = "none"  # "bearer", "cookie" or "none"


ANONYMOUS = Caller(Role.ANYBODY)


class GatewayAuth:
    def __init__(
        self,
        authority: TokenAuthority,
        serial: Callable[[], str],
        now: Callable[[], float],
    ) -> None:
        self.authority = authority
        self.sessions = SessionStore()
        self._serial = serial
        self._now = now
        self.revoked_before = 0.0
        self._minted: set[str] = set()
        self._revoked: set[str] = set()

    def mint(self, role: str, ttl_s: float | None = None, username: str | None = None) -> str:
        token = self.authority.mint(
            role=role, serial=self._serial(), now=self._now(), ttl_s=ttl_s, username=username
        )
        self._minted.add(jwt.decode(token, options={"verify_signature": False})["jti"])
        return token

    def check(self, token: str) -> TokenClaims:
        claims = self.authority.verify(token, serial=self._serial(), now=self._now())
        if self._is_revoked(claims):
            raise InvalidToken("token was revoked")
        return claims

    def login(self, token: str) -> Session:
        return self.sessions.open(self.check(token), self._now())

    def identify(self, bearer: str | None, session_id: str | None) -> Caller:
        """The caller's role from a Bearer token, else a live session cookie, else anybody."""
        if bearer:
            try:
                claims = self.check(bearer)
            except InvalidToken:
                return ANONYMOUS
            return Caller(Role.parse(claims.role), claims.username, "bearer")
        if session_id:
            session = self.sessions.touch(session_id, self._now())
            if session is not None and not self._is_revoked(session.claims):
                return Caller(Role.parse(session.claims.role), session.claims.username, "cookie")
        return ANONYMOUS

    def _is_revoked(self, claims: TokenClaims) -> bool:
        return claims.token_id in self._revoked or claims.issued_at < self.revoked_before

    def revoke_all(self) -> None:
        """Every token issued up to now stops working; so do the sessions made with them.

        Tokens this emulator minted are revoked by id (so a token minted right after,
        in the same clock second, still works); others by their ``iat``.
        """
        self._revoked |= self._minted
        self.revoked_before = float(int(self._now()))
        self.sessions.drop_all()

    def drop_sessions(self) -> int:
        return self.sessions.drop_all()
