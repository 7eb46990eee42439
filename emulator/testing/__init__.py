"""The emulator as a test double: start a real HTTPS gateway from Python in one line.

    async with Gateway.start(scenario="scenarios/home.yaml", seed=3) as gw:
        token = gw.token("installer")
        gw.plug_in(car={"capacity_kwh": 60, "soc": 20})
        async with gw.client(token=token) as http:
            ...  # or hand gw.host / gw.ca_path to the client under test
        await gw.advance("2h")
        gw.assert_called("POST", "/ivp/pdm/charger/{sn}/start_charging", times=1)

``Gateway`` runs in the current event loop; ``SyncGateway`` (``Gateway.start_sync``) runs
the same thing in a background thread for synchronous test suites. Both inherit every
driving method from :class:`Controls`, which calls the same control facade the admin API
uses (:mod:`emulator.control`), and serve real HTTPS with a CA kept in a per-user cache
directory, so starting one costs a few milliseconds.
"""

from ..fronts.journal import JournalEntry
from .assertions import check_called, check_not_called, journal_report
from .ca_cache import default_certs_dir
from .controls import Controls, Done
from .gateway import Gateway
from .sources import ScenarioSource, resolve_scenario
from .sync import SyncGateway, SyncResponse

__all__ = [
    "Controls",
    "Done",
    "Gateway",
    "JournalEntry",
    "ScenarioSource",
    "SyncGateway",
    "SyncResponse",
    "check_called",
    "check_not_called",
    "default_certs_dir",
    "journal_report",
    "resolve_scenario",
]
