"""Gateway web sessions: the ``sessionId`` cookie handed out by ``/auth/check_jwt``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from .tokens import TokenClaims

IDLE_TIMEOUT_S = 600.0
"""A session dies 10 minutes after its last request (community notes)."""


@dataclass
class Session:
    session_id: str
    claims: TokenClaims
    last_seen: float


class SessionStore:
    def __init__(self, idle_timeout_s: float = IDLE_TIMEOUT_S) -> None:
        self.idle_timeout_s = idle_timeout_s
        self._sessions: dict[str, Session] = {}

    def open(self, claims: TokenClaims, now: float) -> Session:
        session = Session(secrets.token_hex(16), claims, now)
        self._sessions[session.session_id] = session
        return session

    def touch(self, session_id: str, now: float) -> Session | None:
        """The live session for this id (its idle timer restarted), or None."""
        session = self._sessions.get(session_id)
        if session is None:
            return None
        if now - session.last_seen >= self.idle_timeout_s or now >= session.claims.expires_at:
            del self._sessions[session_id]
            return None
        session.last_seen = now
        return session

    def drop_all(self) -> int:
        count = len(self._sessions)
        self._sessions.clear()
        return count

    def drop_issued_before(self, when: float) -> None:
        for sid in [s for s, v in self._sessions.items() if v.claims.issued_at < when]:
            del self._sessions[sid]

    def __len__(self) -> int:
        return len(self._sessions)
