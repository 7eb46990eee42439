"""Acceptance with a client nobody here wrote: pyenphase from PyPI (what Home Assistant uses)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from pyenphase import Envoy
from pyenphase.exceptions import EnvoyAuthenticationError

from emulator.model.tokens import TokenAuthority

from .conftest import Api


async def test_pyenphase_sets_up_and_authenticates_with_an_installer_token(api: Api) -> None:
    envoy = Envoy(f"127.0.0.1:{api.server.port}")
    try:
        await envoy.setup()
        assert envoy.firmware == "7.6.175"
        assert envoy.serial_number == api.emulator.world.gateway.serial
        await envoy.authenticate(token=await api.token("installer"))
        assert envoy.auth is not None
    finally:
        await envoy.close()


async def test_pyenphase_rejects_a_forged_token(api: Api) -> None:
    forger = TokenAuthority(ec.generate_private_key(ec.SECP256R1()))
    forged = forger.mint(
        role="installer", serial=api.emulator.world.gateway.serial, now=api.emulator.world.now()
    )
    envoy = Envoy(f"127.0.0.1:{api.server.port}")
    try:
        await envoy.setup()
        with pytest.raises(EnvoyAuthenticationError, match="Unable to verify token"):
            await envoy.authenticate(token=forged)
    finally:
        await envoy.close()
