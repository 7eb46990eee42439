"""The journal's live feed (``Journal.subscribe``), its per-entry bounds and the denial
``reason`` it records for a 401, over real HTTPS."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from emulator.fronts.journal import JournalEntry
from emulator.testing import Gateway
from tests.test_journal import PDM, gw

STATUS = f"{PDM}/status"
__all__ = ["gw"]  # the journal tests' gateway fixture, shared


async def get(http: aiohttp.ClientSession, path: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.get(path, headers=headers) as response:
        await response.read()
        return response.status


async def test_subscribers_see_each_entry_once_in_order_until_they_unsubscribe(
    gw: Gateway,
) -> None:
    http = gw.client()
    token = gw.token("installer")
    seen: list[JournalEntry] = []
    also: list[int] = []
    unsubscribe = gw.emulator.journal.subscribe(seen.append)
    gw.emulator.journal.subscribe(lambda entry: also.append(entry.seq))
    assert await get(http, STATUS, token) == 200
    assert await get(http, "/ivp/nothing") == 404
    assert [(e.path, e.status) for e in seen] == [(STATUS, 200), ("/ivp/nothing", 404)]
    assert seen == gw.requests()  # the very entries the journal keeps
    unsubscribe()
    unsubscribe()  # twice is harmless
    assert await get(http, STATUS, token) == 200
    assert len(seen) == 2 and also == [1, 2, 3]


async def test_a_failing_subscriber_does_not_fail_the_request(gw: Gateway) -> None:
    def broken(entry: JournalEntry) -> None:
        raise RuntimeError("dashboard bug")

    gw.emulator.journal.subscribe(broken)
    assert await get(gw.client(), STATUS, gw.token("installer")) == 200
    assert [e.status for e in gw.requests()] == [200]


async def journal_rows(http: aiohttp.ClientSession, **filters: Any) -> list[dict[str, Any]]:
    async with http.get("/__emulator/requests", params=filters) as response:
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return list(body["requests"])


async def test_a_401_records_why_and_the_client_sees_the_same_page(
    gw: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    http = gw.client()
    owner, installer = gw.token("owner"), gw.token("installer")
    async with http.get(STATUS) as response:
        page = await response.read()
    assert await get(http, STATUS, owner) == 401
    assert await get(http, STATUS, "not-a-token") == 401
    gw.advance("13h")  # an installer token lives 12 hours
    gw.emulator.settings.log_requests = True
    with caplog.at_level("INFO", logger="emulator.requests"):
        async with http.get(STATUS, headers={"Authorization": f"Bearer {installer}"}) as late:
            assert (late.status, await late.read()) == (401, page)
    assert await get(http, "/info") == 200
    rows = await journal_rows(http)
    assert [(r["status"], r["reason"], r["credentials"]) for r in rows] == [
        (401, "no_credentials", "none"),
        (401, "role_too_low", "bearer"),
        (401, "malformed", "bearer"),
        (401, "expired", "bearer"),
        (200, None, "none"),
    ]
    assert "owner is below installer" in rows[1]["reason_detail"]
    assert rows[3]["reason_detail"]
    assert any("401" in r.message and "reason=expired" in r.message for r in caplog.records)
    assert "reason=expired" in gw.requests(status=401)[-1].line()


async def test_each_entry_is_bounded_however_long_the_path_and_query(gw: Gateway) -> None:
    import tracemalloc

    from emulator.fronts.journal import BODY_CAP, PATH_CAP, QUERY_CAP

    http = gw.client()
    long_path = "/ivp/" + "p" * 3000
    long_query = "&".join(f"k{i}={'v' * 20}" for i in range(200))  # ~5 KB: the line is < 8 KB
    assert await get(http, long_path + "?" + long_query) == 404
    entry = gw.requests()[-1]
    assert len(entry.path) == PATH_CAP and entry.path_truncated
    assert entry.path_size == len(long_path) and entry.query_size == len(long_query)
    assert len(entry.query_string) == QUERY_CAP and entry.query_truncated
    assert entry.query["k0"] == "v" * 20  # what was kept still reads as parameters
    rows = await journal_rows(http)
    assert rows[-1]["truncated_url"] is True and rows[-1]["query_size"] == len(long_query)

    # the documented bound, measured: 200 such requests keep < 200 x (caps + overhead)
    journal = gw.emulator.journal
    journal.clear()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(200):
            await get(http, long_path + "?" + long_query)
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(journal) == 200
    per_entry = kept / 200
    bound = PATH_CAP + QUERY_CAP + 2 * BODY_CAP + 2048
    assert per_entry < bound, f"{per_entry:.0f} bytes per entry (bound {bound})"
    assert per_entry < 8 * 1024  # it was ~21 KB before the caps


async def test_small_entries_stay_as_they_were(gw: Gateway) -> None:
    http = gw.client()
    path = "/ivp/pdm/chargers?verbose=1&a=1&a=2&b=x%26y%3Dz"
    assert await get(http, path, gw.token("installer")) == 200
    entry = gw.requests()[-1]
    assert entry.query == {"verbose": "1", "a": ["1", "2"], "b": "x&y=z"}
    assert entry.target == "/ivp/pdm/chargers?verbose=1&a=1&a=2&b=x&y=z"  # as before: decoded
    assert not (entry.path_truncated or entry.query_truncated)
    assert entry.content_type == "application/json" and entry.reason is None
