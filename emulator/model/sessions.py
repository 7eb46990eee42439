"""Gateway web sessions: the ``sessionId`` cookie handed out by ``/auth/check_jwt``.

The store is bounded, so that a client that logs in on every poll cannot make it grow
for ever:

- sessions idle for :data:`IDLE_TIMEOUT_S` on the emulator clock are swept each time a
  session is opened (amortised O(1): the store is kept in least-recently-used order, so
  the sweep only looks at sessions it removes, plus one);
- at most ``max_sessions`` (:data:`MAX_SESSIONS`) live at once; opening one more evicts
  the least recently used.

Why a session ended is remembered for the last ``max_sessions`` ended sessions, so a
dashboard can say "idle" rather than "unknown"; older ids answer ``session_unknown``.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass

from .tokens import Denial, TokenClaims

IDLE_TIMEOUT_S = 600.0
"""A session dies 10 minutes after its last request (community notes)."""
MAX_SESSIONS = 1024
"""Live sessions kept at most (an emulator choice: the device's limit is not known).
About 250 bytes each, plus as much again for the reasons of ended ones."""


@dataclass(slots=True)
class Session:
    session_id: str
    claims: TokenClaims
    last_seen: float


class SessionStore:
    def __init__(
        self, idle_timeout_s: float = IDLE_TIMEOUT_S, max_sessions: int = MAX_SESSIONS
    ) -> None:
        if max_sessions < 1:
            raise ValueError("max_sessions must be at least 1")
        self.idle_timeout_s = idle_timeout_s
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        """Least recently used first."""
        self._ended: OrderedDict[str, Denial] = OrderedDict()
        """Why recent sessions ended, oldest first, at most ``max_sessions``."""

    def open(self, claims: TokenClaims, now: float) -> Session:
        self.sweep(now)
        while len(self._sessions) >= self.max_sessions:
            oldest = next(iter(self._sessions))
            self.end(oldest, Denial.SESSION_EVICTED)
        session = Session(secrets.token_hex(16), claims, now)
        self._sessions[session.session_id] = session
        return session

    def touch(self, session_id: str, now: float) -> Session | Denial:
        """The live session for this id with its idle timer restarted, or why there is
        none. Only idleness is judged here; the token's own validity is the caller's."""
        session = self._sessions.get(session_id)
        if session is None:
            return self._ended.get(session_id, Denial.SESSION_UNKNOWN)
        if self._idle(session, now):
            self.end(session_id, Denial.SESSION_IDLE)
            return Denial.SESSION_IDLE
        session.last_seen = max(session.last_seen, now)
        self._sessions.move_to_end(session_id)
        return session

    def end(self, session_id: str, reason: Denial) -> bool:
        """Close one session and remember why; False if it was not open."""
        if self._sessions.pop(session_id, None) is None:
            return False
        self._ended[session_id] = reason
        self._ended.move_to_end(session_id)
        while len(self._ended) > self.max_sessions:
            self._ended.popitem(last=False)
        return True

    def sweep(self, now: float) -> int:
        """Close the sessions idle at ``now``, from the least recently used on."""
        swept = 0
        while self._sessions:
            oldest = next(iter(self._sessions.values()))
            if not self._idle(oldest, now):
                break
            self.end(oldest.session_id, Denial.SESSION_IDLE)
            swept += 1
        return swept

    def drop_all(self, reason: Denial = Denial.SESSION_DROPPED) -> int:
        """Close every session (a reboot, a revocation); returns how many there were."""
        count = len(self._sessions)
        for session_id in list(self._sessions):
            self.end(session_id, reason)
        return count

    def _idle(self, session: Session, now: float) -> bool:
        return now - session.last_seen >= self.idle_timeout_s

    def __len__(self) -> int:
        return len(self._sessions)
