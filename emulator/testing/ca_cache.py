"""The per-user CA cache: one CA for every test gateway, so each start costs milliseconds."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Generator
from pathlib import Path

from ..certs import CA_FILE, CA_KEY_FILE, load_or_create_ca
from ..model.tokens import KEY_FILE, load_or_create_key

CERTS_ENV = "IQ_GATEWAY_EMULATOR_CERTS"
SHARED_FILES = (CA_FILE, CA_KEY_FILE, KEY_FILE)


def default_certs_dir() -> Path:
    """Where the test CA is kept between runs: ``$IQ_GATEWAY_EMULATOR_CERTS``, else
    ``$XDG_CACHE_HOME/iq-gateway-emulator/certs`` (``~/.cache/...``)."""
    if os.environ.get(CERTS_ENV):
        return Path(os.environ[CERTS_ENV])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "iq-gateway-emulator" / "certs"


@contextlib.contextmanager
def _locked(directory: Path) -> Generator[None, None, None]:
    """An exclusive lock across processes (pytest-xdist workers share the cache)."""
    directory.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared_ca(certs_dir: Path) -> Path:
    """Make sure ``certs_dir`` holds a CA and a token key (made once, under a lock)."""
    if not all((certs_dir / name).exists() for name in SHARED_FILES):
        with _locked(certs_dir):
            load_or_create_ca(certs_dir)
            load_or_create_key(certs_dir / KEY_FILE)
    return certs_dir / CA_FILE


def private_copy(certs_dir: Path) -> Path:
    """A private working folder with the shared CA and key: each gateway writes its own
    server certificate there, so gateways in other threads or processes never race."""
    workdir = Path(tempfile.mkdtemp(prefix="iq-gateway-"))
    for name in SHARED_FILES:
        shutil.copyfile(certs_dir / name, workdir / name)
    return workdir
