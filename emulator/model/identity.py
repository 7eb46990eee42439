"""Seeded, realistic identities made with faker: same seed, same serials, names and addresses."""

from __future__ import annotations

from faker import Faker

CHARGER_PLACES = ("Garage", "Driveway", "Carport", "Barn", "Workshop", "Side Yard", "Parking")
RANDOM_IPS = 200
"""Chargers that get a random address in 192.168.1.20-250; more continue in order."""
CAR_NAMES = ("Model 3", "ID.4", "Ioniq 5", "e-Niro", "Leaf", "Zoe", "EV6", "Enyaq", "Mach-E")


class IdentityMaker:
    """Hands out identities in a fixed order for a seed; ask in the same order, get the same."""

    def __init__(self, seed: int) -> None:
        self.faker = Faker("en_US")
        self.faker.seed_instance(seed)
        self._used: set[str] = set()
        self._ips = 0
        self._next_ip = 0

    def _unique(self, make) -> str:  # type: ignore[no-untyped-def]
        for _ in range(1000):
            value: str = make()
            if value not in self._used:
                self._used.add(value)
                return value
        raise RuntimeError("could not make a unique identity")

    def gateway_serial(self) -> str:
        return self._unique(lambda: "1223" + self.faker.numerify("########"))

    def euaid(self) -> str:
        return self.faker.hexify("^^^^^^", upper=False)

    def build_time(self) -> int:
        return 1_672_531_200 + self.faker.random_int(0, 365 * 86400)  # within 2023, fixed

    def charger_serial(self) -> str:
        return self._unique(lambda: "2022" + self.faker.numerify("########"))

    def charger_name(self, index: int) -> str:
        place = self.faker.random_element(CHARGER_PLACES)
        return place if index == 0 else f"{place} {index + 1}"

    def mac(self) -> str:
        return self._unique(
            lambda: "00:1d:c0:" + ":".join(self.faker.hexify("^^") for _ in range(3))
        )

    def ip(self) -> str:
        self._ips += 1
        if self._ips <= RANDOM_IPS:  # a home network: random addresses in 192.168.1.x
            return self._unique(lambda: "192.168.1." + str(self.faker.random_int(20, 250)))
        while True:  # a bigger site (benchmarks): the next free address, subnet after subnet
            n, self._next_ip = self._next_ip, self._next_ip + 1
            candidate = f"192.168.{1 + n // 231}.{20 + n % 231}"
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate

    def charger_firmware(self) -> str:
        return f"25.{self.faker.random_int(30, 39)}.1.{self.faker.random_int(2, 20)}"

    def car_name(self) -> str:
        return self.faker.random_element(CAR_NAMES)
