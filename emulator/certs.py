"""TLS material made with trustme: a CA kept across restarts and a fresh server certificate."""

from __future__ import annotations

import hashlib
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

DEFAULT_NAMES = (
    "envoy.local",
    "localhost",
    "127.0.0.1",
    "::1",
    "enlighten.enphaseenergy.com",  # the emulated cloud, by Host on the gateway's port
    "entrez.enphaseenergy.com",
)
CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
SERVER_FILE = "server.pem"


def write_secret(path: Path, data: bytes) -> None:
    """Write a private key readable by its owner only (0600), even on the first byte."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def publish_secret(path: Path, data: bytes) -> None:
    """Write a private key (0600) so that nobody ever reads it half-written, and only if
    no one has published one at ``path`` first: FileExistsError then (read theirs).
    Emulators started together on one certs folder thus agree on one key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.link(name, path)  # atomic, and refuses an existing file
    finally:
        os.unlink(name)


@dataclass(frozen=True)
class Certificates:
    ca_path: Path
    server_path: Path
    ca_pem: bytes
    names: tuple[str, ...]

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.server_path)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this emulator's CA (and verifies host names)."""
        return ssl.create_default_context(cadata=self.ca_pem.decode())

    @property
    def ca_fingerprint(self) -> str:
        cert = x509.load_pem_x509_certificate(self.ca_pem)
        return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def load_or_create_ca(certs_dir: Path) -> trustme.CA:
    ca_path, key_path = certs_dir / CA_FILE, certs_dir / CA_KEY_FILE
    if ca_path.exists() and key_path.exists():
        return trustme.CA.from_pem(ca_path.read_bytes(), key_path.read_bytes())
    ca = trustme.CA(organization_name="IQ Gateway Emulator", organization_unit_name="test CA")
    certs_dir.mkdir(parents=True, exist_ok=True)
    write_secret(key_path, ca.private_key_pem.bytes())
    ca_path.write_bytes(ca.cert_pem.bytes())
    return ca


def prepare(certs_dir: str | Path, extra_names: tuple[str, ...] = ()) -> Certificates:
    """Load (or create and keep) the CA in ``certs_dir`` and issue a server certificate."""
    certs_dir = Path(certs_dir)
    ca = load_or_create_ca(certs_dir)
    names = tuple(dict.fromkeys((*DEFAULT_NAMES, *extra_names)))
    leaf = ca.issue_cert(*names)
    server_path = certs_dir / SERVER_FILE
    write_secret(server_path, leaf.private_key_and_cert_chain_pem.bytes())
    return Certificates(
        ca_path=certs_dir / CA_FILE,
        server_path=server_path,
        ca_pem=ca.cert_pem.bytes(),
        names=names,
    )
