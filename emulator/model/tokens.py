"""Tokens shaped like those of Enphase's token service ("Entrez"), signed with ES256.

The emulator stands in for Entrez: it keeps its own P-256 key, mints tokens with the
real header and claims, and verifies them the way the gateway does. Every failure is the
same generic 401 to the client; the :class:`Denial` code says why, for the journal.

Checking a token has two halves, kept apart so that caching can never go stale:

- *authenticity* (signature, header and claim shapes) is a fact about the token string
  and this authority's key: it never changes, so it is cached (ES256 is slow);
- the *verdict* (``aud`` against the gateway's serial, revocation, ``iat``/``nbf``/
  ``exp`` against the emulator's clock) is judged again on every call, from the cached
  claims, with a handful of comparisons.

Revocation is by *generation*: each token carries, inside its signed ``jti``, the
authority's generation when it was minted; ``revoke_all`` starts a new generation. So
revocation costs no memory per token, ignores the clock (which a reset moves back), and
lasts as long as the authority, which outlives every world the emulator builds.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.api_jws import PyJWS

from ..certs import publish_secret
from .roles import TOKEN_ROLES

KEY_FILE = "token-signing-key.pem"
ISSUER = "Entrez"
DEFAULT_TTL = {"owner": 365 * 86400, "installer": 12 * 3600}
VERIFIED_CACHE_SIZE = 4096
"""Tokens whose authenticity check is remembered; the oldest is forgotten first."""
MAX_TOKEN_CHARS = 2048
"""Longer tokens are refused unread (a real one is about 450 characters); this also
bounds the verified cache at about VERIFIED_CACHE_SIZE * MAX_TOKEN_CHARS bytes."""
LATEST_NUMERIC_DATE = 253_402_300_799
"""9999-12-31T23:59:59Z: a time claim beyond it (or below 0) is malformed."""
HEADER_KEYS = frozenset({"alg", "kid", "typ"})
"""Exactly the header Entrez tokens carry."""
_JWS = PyJWS()


class Denial(StrEnum):
    """Why a request got no role (or too low a one). Never shown to the client, which
    always sees the gateway's one 401 page; meant for the journal and dashboards."""

    NO_CREDENTIALS = "no_credentials"
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    WRONG_SERIAL = "wrong_serial"
    REVOKED = "revoked"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    SESSION_UNKNOWN = "session_unknown"
    SESSION_IDLE = "session_idle"
    SESSION_DROPPED = "session_dropped"
    SESSION_EVICTED = "session_evicted"
    ROLE_TOO_LOW = "role_too_low"


class InvalidToken(Exception):
    """The token would not pass the gateway's check; ``reason`` says why (logs only)."""

    def __init__(self, reason: Denial, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """An authentic token's claims, as the gateway reads them."""

    role: str
    username: str
    serial: str
    """The ``aud`` claim: the serial of the gateway the token was made for."""
    issued_at: int
    expires_at: int
    token_id: str
    not_before: int | None = None
    generation: int = 0
    """The minting authority's revocation generation; 0 for a token this authority
    instance did not mint (an earlier run with the same key file)."""


def load_or_create_key(path: Path) -> ec.EllipticCurvePrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} is not an EC private key; delete it to make a new one")
        return key
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        publish_secret(path, pem)
    except FileExistsError:  # another emulator on this folder made it first: share it
        return load_or_create_key(path)
    return key


def _numeric_date(claims: dict[str, Any], name: str) -> int:
    """An integer time claim in range; real tokens never carry fractions."""
    value = claims.get(name)
    if type(value) is not int or not 0 <= value <= LATEST_NUMERIC_DATE:
        raise InvalidToken(Denial.MALFORMED, f"{name!r} is not a whole epoch second")
    return value


def _clip(value: object) -> str:
    """A claim for a log line: attacker-chosen, so short."""
    text = repr(value)
    return text if len(text) <= 64 else text[:61] + "..."


class TokenAuthority:
    """Mints and checks gateway tokens; owns revocation. One per emulator process: every
    world (and so every reset and scenario swap) must share it."""

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key
        self._public_key = key.public_key()
        self._authentic: dict[str, TokenClaims | InvalidToken] = {}
        """Authenticity checks done, by token: the claims, or why it can never pass."""
        self._instance = secrets.token_hex(6)
        """Marks the jti of tokens minted by this object, so a token from an earlier run
        with the same key file cannot claim one of this run's generations."""
        self.generation = 0
        """Bumped by :meth:`revoke_all`; tokens of an older generation are revoked."""
        public_der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = hashlib.sha256(public_der).hexdigest()[:40]

    @classmethod
    def from_dir(cls, certs_dir: str | Path) -> TokenAuthority:
        return cls(load_or_create_key(Path(certs_dir) / KEY_FILE))

    @classmethod
    def ephemeral(cls) -> TokenAuthority:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    # -- minting and revoking -------------------------------------------------------------

    def mint(
        self,
        *,
        role: str,
        serial: str,
        now: float,
        ttl_s: float | None = None,
        username: str | None = None,
    ) -> str:
        """A token for ``serial`` issued at ``now`` on the emulator's clock."""
        if role not in TOKEN_ROLES:
            raise ValueError(f"role must be one of {', '.join(TOKEN_ROLES)}, not {role!r}")
        ttl = DEFAULT_TTL[role] if ttl_s is None else ttl_s
        claims = {
            "aud": serial,
            "iss": ISSUER,
            "enphaseUser": role,
            "exp": int(now + ttl),
            "iat": int(now),
            # 32 hex digits like a random jti: instance (12), generation (8), random (12)
            "jti": f"{self._instance}{self.generation:08x}{secrets.token_hex(6)}",
            "username": username or f"{role}@example.com",
        }
        return jwt.encode(
            claims, self._key, algorithm="ES256", headers={"kid": self.kid, "typ": "JWT"}
        )

    def sign(self, claims: dict[str, Any]) -> str:
        """An ES256 JWT of arbitrary ``claims`` (the cloud's manager and Entrez JSON
        tokens). It has no ``aud``, so the gateway never accepts it."""
        return jwt.encode(
            claims, self._key, algorithm="ES256", headers={"kid": self.kid, "typ": "JWT"}
        )

    def decode(self, token: str) -> dict[str, Any] | None:
        """The claims of a JWT this authority signed (signature checked, times not: the
        cloud checks the session a token names instead); None for anything else."""
        if len(token) > MAX_TOKEN_CHARS:
            return None
        try:
            decoded = _JWS.decode_complete(token, self._public_key, algorithms=["ES256"])
            claims = json.loads(decoded["payload"])
        except (jwt.PyJWTError, ValueError, TypeError, RecursionError):
            return None
        return claims if isinstance(claims, dict) else None

    def revoke_all(self) -> int:
        """Every token minted so far stops working for good, whatever the clock says,
        and so do tokens signed with this key by an earlier run. Returns the generation
        that tokens minted from now on belong to."""
        self.generation += 1
        return self.generation

    # -- checking -------------------------------------------------------------------------

    def verify(self, token: str, *, serial: str, now: float) -> TokenClaims:
        """The claims of a token this gateway accepts at ``now`` (emulator time), or
        :class:`InvalidToken` with the reason."""
        claims = self.authenticate(token)
        refusal = self.judge(claims, serial=serial, now=now)
        if refusal is not None:
            raise refusal
        return claims

    def authenticate(self, token: str) -> TokenClaims:
        """Signature, header and claim shapes: cached, as they never change."""
        known = self._authentic.get(token)
        if known is None:
            if len(token) > MAX_TOKEN_CHARS:
                raise InvalidToken(Denial.MALFORMED, f"token is {len(token)} characters long")
            try:
                known = self._read(token)
            except InvalidToken as exc:
                known = exc
            if len(self._authentic) >= VERIFIED_CACHE_SIZE:
                del self._authentic[next(iter(self._authentic))]  # the oldest entry
            self._authentic[token] = known
        if isinstance(known, InvalidToken):
            raise InvalidToken(known.reason, known.detail)  # a fresh one: no shared traceback
        return known

    def judge(self, claims: TokenClaims, *, serial: str, now: float) -> InvalidToken | None:
        """Everything that can change: the gateway's serial, revocation and the emulator
        clock (which a reset moves back). None when the token is good at ``now``."""
        if claims.serial != serial:
            return InvalidToken(
                Denial.WRONG_SERIAL, f"token is for gateway {_clip(claims.serial)}, not {serial}"
            )
        if claims.generation < self.generation:
            return InvalidToken(Denial.REVOKED, "token was revoked (revoke_tokens)")
        if claims.issued_at > now:
            return InvalidToken(Denial.NOT_YET_VALID, "token is issued later than the clock")
        if claims.not_before is not None and claims.not_before > now:
            return InvalidToken(Denial.NOT_YET_VALID, "token's nbf is later than the clock")
        if claims.expires_at <= now:
            return InvalidToken(Denial.EXPIRED, "token has expired on the emulator clock")
        return None

    def _read(self, token: str) -> TokenClaims:
        try:
            decoded = _JWS.decode_complete(token, self._public_key, algorithms=["ES256"])
        except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError) as exc:
            raise InvalidToken(Denial.BAD_SIGNATURE, str(exc) or "bad signature") from None
        except (jwt.PyJWTError, ValueError, TypeError) as exc:  # incl. bytes no codec takes
            raise InvalidToken(Denial.MALFORMED, str(exc) or type(exc).__name__) from None
        header = decoded["header"]
        if set(header) != HEADER_KEYS or header["typ"] != "JWT":
            raise InvalidToken(Denial.MALFORMED, f"header is not Entrez's: {_clip(header)}")
        try:
            claims = json.loads(decoded["payload"])
        except (ValueError, RecursionError):
            raise InvalidToken(Denial.MALFORMED, "payload is not JSON") from None
        if not isinstance(claims, dict):
            raise InvalidToken(Denial.MALFORMED, "payload is not a JSON object")
        return self._claims(claims)

    def _claims(self, claims: dict[str, Any]) -> TokenClaims:
        """Exactly the shapes of real tokens (gateway.md): anything else is malformed."""
        aud, iss, role = claims.get("aud"), claims.get("iss"), claims.get("enphaseUser")
        jti, username = claims.get("jti"), claims.get("username")
        if not isinstance(aud, str):
            raise InvalidToken(Denial.MALFORMED, f"aud must be one serial, not {_clip(aud)}")
        if iss != ISSUER:
            raise InvalidToken(Denial.MALFORMED, f"iss is {_clip(iss)}, not {ISSUER!r}")
        if role not in TOKEN_ROLES:
            raise InvalidToken(Denial.MALFORMED, f"unknown enphaseUser {_clip(role)}")
        if not isinstance(jti, str) or not jti:
            raise InvalidToken(Denial.MALFORMED, "jti is missing")
        if not isinstance(username, str):
            raise InvalidToken(Denial.MALFORMED, "username is missing")
        return TokenClaims(
            role=role,
            username=username,
            serial=aud,
            issued_at=_numeric_date(claims, "iat"),
            expires_at=_numeric_date(claims, "exp"),
            token_id=jti,
            not_before=_numeric_date(claims, "nbf") if "nbf" in claims else None,
            generation=self._generation_of(jti),
        )

    def _generation_of(self, jti: str) -> int:
        """The generation a token was minted in; 0 (older than any revocation made by
        this object) for tokens another instance minted with the same key."""
        if len(jti) != 32 or not jti.startswith(self._instance):
            return 0
        try:
            return int(jti[12:20], 16)
        except ValueError:
            return 0
