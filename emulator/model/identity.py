"""Seeded, realistic identities: same seed, same serials, names and addresses.

They used to come from faker (``Faker("en_US")`` seeded per world), which cost start-up
~50 ms to import and another ~50 ms to instantiate (it scans every provider and locale),
for five one-line helpers. The same draws are now made here on a ``random.Random`` seeded
the same way, in the same order, so every seed gives the identities faker gave it
(``tests/test_identity.py`` checks it against faker).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
HEX_DIGITS = "0123456789abcdef"
"""faker's ``hexify`` alphabet (``string.hexdigits[:-6]``)."""

CHARGER_PLACES = ("Garage", "Driveway", "Carport", "Barn", "Workshop", "Side Yard", "Parking")
RANDOM_IPS = 200
"""Chargers that get a random address in 192.168.1.20-250; more continue in order."""
CAR_NAMES = ("Model 3", "ID.4", "Ioniq 5", "e-Niro", "Leaf", "Zoe", "EV6", "Enyaq", "Mach-E")


class IdentityMaker:
    """Hands out identities in a fixed order for a seed; ask in the same order, get the same."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)  # what faker's seed_instance(seed) makes
        self._used: set[str] = set()
        self._ips = 0
        self._next_ip = 0

    # faker's BaseProvider draws (as of faker 40), one for one:
    def _numerify(self, digits: int) -> str:
        """``numerify("#" * digits)``: one ``randint(0, 9)`` per digit."""
        return "".join([str(self._random.randint(0, 9)) for _ in range(digits)])

    def _hexify(self, digits: int) -> str:
        """``hexify("^" * digits)``: one ``choice`` of a lower-case hex digit each."""
        return "".join([self._random.choice(HEX_DIGITS) for _ in range(digits)])

    def _random_int(self, low: int, high: int) -> int:
        """``random_int(low, high)``: inclusive."""
        return self._random.randrange(low, high + 1)

    def _random_element(self, elements: Sequence[T]) -> T:
        """``random_element(elements)`` of a tuple: one ``choice``."""
        return self._random.choice(elements)

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            value: str = make()
            if value not in self._used:
                self._used.add(value)
                return value
        raise RuntimeError("could not make a unique identity")

    def gateway_serial(self) -> str:
        return self._unique(lambda: "1223" + self._numerify(8))

    def euaid(self) -> str:
        return self._hexify(6)

    def build_time(self) -> int:
        return 1_672_531_200 + self._random_int(0, 365 * 86400)  # within 2023, fixed

    def charger_serial(self) -> str:
        return self._unique(lambda: "2022" + self._numerify(8))

    def charger_name(self, index: int) -> str:
        place = self._random_element(CHARGER_PLACES)
        return place if index == 0 else f"{place} {index + 1}"

    def mac(self) -> str:
        return self._unique(lambda: "00:1d:c0:" + ":".join(self._hexify(2) for _ in range(3)))

    def ip(self) -> str:
        self._ips += 1
        if self._ips <= RANDOM_IPS:  # a home network: random addresses in 192.168.1.x
            return self._unique(lambda: "192.168.1." + str(self._random_int(20, 250)))
        while True:  # a bigger site (benchmarks): the next free address, subnet after subnet
            n, self._next_ip = self._next_ip, self._next_ip + 1
            candidate = f"192.168.{1 + n // 231}.{20 + n % 231}"
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate

    def charger_firmware(self) -> str:
        return f"25.{self._random_int(30, 39)}.1.{self._random_int(2, 20)}"

    def car_name(self) -> str:
        return self._random_element(CAR_NAMES)
