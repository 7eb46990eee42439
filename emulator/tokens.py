"""Tokens shaped like those of Enphase's token service ("Entrez"), signed with ES256.

The emulator stands in for Entrez: it keeps its own P-256 key, mints tokens with the
real header and claims, and verifies them the way the gateway does (signature, ``aud``
equal to the gateway serial, expiry on the emulator's clock). Every failure is the same
generic rejection, as on the device.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .certs import write_secret
from .roles import TOKEN_ROLES

KEY_FILE = "token-signing-key.pem"
ISSUER = "Entrez"
DEFAULT_TTL = {"owner": 365 * 86400, "installer": 12 * 3600}
VERIFIED_CACHE_SIZE = 4096
"""Tokens whose (expensive) ES256 check is remembered; the oldest is forgotten first."""


class InvalidToken(Exception):
    """The token would not pass the gateway's check; ``reason`` is for logs only."""


@dataclass(frozen=True)
class TokenClaims:
    role: str
    username: str
    serial: str
    issued_at: float
    expires_at: float
    token_id: str


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
    write_secret(path, pem)
    return key


class TokenAuthority:
    """Mints and checks gateway tokens for one gateway serial."""

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key
        self._public_key = key.public_key()
        self._verified: dict[tuple[str, str], TokenClaims | str] = {}
        """Signature and claim checks already done, by (token, serial): the claims, or why
        the token failed. Only expiry depends on the time, so it is judged on every call."""
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

    def mint(
        self,
        *,
        role: str,
        serial: str,
        now: float,
        ttl_s: float | None = None,
        username: str | None = None,
    ) -> str:
        if role not in TOKEN_ROLES:
            raise ValueError(f"role must be one of {', '.join(TOKEN_ROLES)}, not {role!r}")
        ttl = DEFAULT_TTL[role] if ttl_s is None else ttl_s
        claims = {
            "aud": serial,
            "iss": ISSUER,
            "enphaseUser": role,
            "exp": int(now + ttl),
            "iat": int(now),
            "jti": secrets.token_hex(16),
            "username": username or f"{role}@example.com",
        }
        return jwt.encode(
            claims, self._key, algorithm="ES256", headers={"kid": self.kid, "typ": "JWT"}
        )

    def verify(self, token: str, *, serial: str, now: float) -> TokenClaims:
        key = (token, serial)
        known = self._verified.get(key)
        if known is None:
            known = self._check(token, serial)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                del self._verified[next(iter(self._verified))]  # the oldest entry
            self._verified[key] = known
        if isinstance(known, str):
            raise InvalidToken(known)
        if known.expires_at <= now:  # judged on the emulator clock, on every request
            raise InvalidToken("token has expired")
        return known

    def _check(self, token: str, serial: str) -> TokenClaims | str:
        """Everything but expiry: signature, algorithm, issuer, audience and role."""
        try:
            claims = jwt.decode(
                token,
                self._public_key,
                algorithms=["ES256"],
                audience=serial,
                issuer=ISSUER,
                options={"verify_exp": False, "verify_iat": False, "require": ["exp", "aud"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:  # incl. bytes no codec takes
            return str(exc) or type(exc).__name__
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            return "token has no valid expiry"
        role = claims.get("enphaseUser")
        if role not in TOKEN_ROLES:
            return f"unknown enphaseUser {role!r}"
        return TokenClaims(
            role=role,
            username=str(claims.get("username", "")),
            serial=serial,
            issued_at=float(claims.get("iat", 0)),
            expires_at=float(exp),
            token_id=str(claims.get("jti", "")),
        )
