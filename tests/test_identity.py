"""Identities are drawn without faker but exactly as faker drew them: same seed, same site."""

from __future__ import annotations

import pytest

from emulator.model.identity import CAR_NAMES, CHARGER_PLACES, IdentityMaker

faker = pytest.importorskip("faker")


class FakerIdentities(IdentityMaker):
    """The former implementation: every draw through a seeded ``Faker("en_US")``."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.faker = faker.Faker("en_US")
        self.faker.seed_instance(seed)

    def _numerify(self, digits: int) -> str:
        return str(self.faker.numerify("#" * digits))

    def _hexify(self, digits: int) -> str:
        return str(self.faker.hexify("^" * digits, upper=False))

    def _random_int(self, low: int, high: int) -> int:
        return int(self.faker.random_int(low, high))

    def _random_element(self, elements):  # type: ignore[no-untyped-def]
        return self.faker.random_element(elements)


def draw_site(ids: IdentityMaker, chargers: int) -> list[object]:
    """What build_world asks for, in its order, plus a car per charger."""
    out: list[object] = [ids.gateway_serial(), ids.euaid(), ids.build_time()]
    for index in range(chargers):
        out += [
            ids.charger_serial(),
            ids.charger_firmware(),
            ids.charger_name(index),
            ids.mac(),
            ids.ip(),
            ids.car_name(),
        ]
    return out


@pytest.mark.parametrize("seed", [0, 1, 7, 42, 12345, 2**40 + 3, -5])
def test_same_identities_as_faker(seed: int) -> None:
    assert draw_site(IdentityMaker(seed), 12) == draw_site(FakerIdentities(seed), 12)


def test_many_chargers_same_as_faker() -> None:
    """Past the 200 random addresses, and with uniqueness retries."""
    assert draw_site(IdentityMaker(3), 260) == draw_site(FakerIdentities(3), 260)


def test_default_scenario_identity() -> None:
    ids = IdentityMaker(7)  # the embedded default scenario's seed
    assert ids.gateway_serial() == "122352601815"  # as the banner has always shown
    ids.euaid(), ids.build_time(), ids.charger_serial(), ids.charger_firmware()
    assert ids.charger_name(0) in CHARGER_PLACES
    assert ids.mac().startswith("00:1d:c0:")
    assert ids.ip().startswith("192.168.1.")
    assert ids.car_name() in CAR_NAMES
