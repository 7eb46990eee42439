"""Hostile input: no 500, no bypassed body limit, no cross-site driving of the admin API.

Everything goes over real HTTPS to a real server; raw bytes where a client library would
tidy the request up first (see tests/test_limits.py for the helpers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

import pytest

from emulator.fronts.context import SURFACES_KEY
from emulator.fronts.middleware.body_limit import CLIENT_GONE, MAX_BODY

from .conftest import Api
from .test_limits import SCENARIO, SERIAL, Raw, raw, request

FOREIGN = "https://evil.example"


def route_table(api: Api) -> list[tuple[str, str, str]]:
    """(method, concrete path, Host) of every route every surface of the server serves."""
    runner = api.server.runner
    assert runner.app is not None
    out = []
    for surface in runner.app[SURFACES_KEY]:
        host = sorted(surface.hosts)[0] if surface.hosts else "localhost"
        for spec in surface.served():
            out.append((spec.method, re.sub(r"\{[^}]+\}", SERIAL, spec.path), host))
    return out


def head(method: str, path: str, host: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def names_limit(answer: Raw) -> bool:
    return str(MAX_BODY).encode() in answer.body or b"1 MiB" in answer.body


# -- 7. the body limit holds for every route, before its handler ------------------------


async def test_every_route_refuses_a_declared_oversized_body_unread(make_api: Any) -> None:
    api = await make_api(SCENARIO)
    table = route_table(api)
    assert len(table) > 40  # the gateway, the admin API and the cloud
    for method, path, host in table:
        headers = {"Content-Length": str(MAX_BODY + 1), "Content-Type": "application/json"}
        answer = await raw(api, head(method, path, host, headers))
        assert answer.status == 413, (method, path, answer.status, answer.body[:200])
        assert names_limit(answer), (method, path, answer.body[:200])


async def test_a_streamed_oversized_body_is_refused_and_reset_does_not_happen(
    make_api: Any,
) -> None:
    api = await make_api(SCENARIO)
    await api.advance(600)
    before = api.emulator.world.model_t
    chunk = b"x" * 65536
    body = b""
    for _ in range((MAX_BODY // len(chunk)) + 2):  # 1.1 MiB in 64 KiB chunks
        body += f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    body += b"0\r\n\r\n"
    headers = {"Transfer-Encoding": "chunked", "Content-Type": "application/json"}
    answer = await raw(api, head("POST", "/__emulator/reset", "localhost", headers) + body)
    assert answer.status == 413 and answer.is_json, answer.body[:200]
    assert names_limit(answer)
    assert api.emulator.world.model_t == before  # not reset
    # and with Content-Length: refused unread, still not reset
    answer = await raw(
        api, request("POST", "/__emulator/reset", {}, b"{" + b" " * (MAX_BODY + 100) + b"}")
    )
    assert answer.status == 413 and answer.json["error"]["code"] == 413
    assert api.emulator.world.model_t == before
    # a body within the limit still reaches the route
    status, _ = await api.post("/__emulator/reset", {})
    assert status == 200 and api.emulator.world.model_t < before


async def test_the_gateway_refuses_in_its_own_dialect(make_api: Any) -> None:
    api = await make_api(SCENARIO)
    path = f"/ivp/pdm/charger/{SERIAL}/status"
    answer = await raw(api, head("GET", path, "localhost", {"Content-Length": str(MAX_BODY * 2)}))
    assert answer.status == 413
    assert answer.headers.get("server", "").startswith("openresty")


# -- 6. a client that leaves mid-body is the client's doing -----------------------------


async def test_a_client_leaving_mid_body_is_no_500(
    make_api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    api = await make_api(SCENARIO)
    caplog.set_level(logging.DEBUG)
    _reader, writer = await asyncio.open_connection(
        "127.0.0.1",
        api.server.port,
        ssl=api.emulator.certs.client_context(),
        server_hostname="localhost",
    )
    headers = {"Content-Length": "5000", "Content-Type": "application/json"}
    writer.write(head("POST", "/__emulator/tokens", "localhost", headers) + b'{"role": "ow')
    await writer.drain()
    writer.transport.abort()  # gone, 4988 bytes short
    journal = api.emulator.journal
    for _ in range(500):  # the server notices the lost connection on its next loop turns
        if any(e.path == "/__emulator/tokens" for e in journal.select()):
            break
        await asyncio.sleep(0.01)
    entries = [e for e in journal.select() if e.path == "/__emulator/tokens"]
    assert [e.to_dict()["status"] for e in entries] == [CLIENT_GONE]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert "emulator bug" not in caplog.text and "Traceback" not in caplog.text
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    assert (await api.get("/__emulator/health"))[0] == 200


# -- 6. bytes that are not UTF-8 in the admin token header ------------------------------


async def test_a_non_utf8_admin_token_is_a_401(make_api: Any) -> None:
    api = await make_api(SCENARIO, admin_token="s3cret")
    for given in (b"\xff\xfe\xfd", b"s3cret\xff", "s\u00e9cret".encode("latin-1")):
        answer = await raw(
            api, request("GET", "/__emulator/state", {"X-Emulator-Admin-Token": given})
        )
        assert answer.status == 401 and answer.is_json, (given, answer.status, answer.body)
        assert "X-Emulator-Admin-Token" in answer.json["error"]["message"]
    answer = await raw(
        api, request("GET", "/__emulator/state", {"X-Emulator-Admin-Token": "s3cret"})
    )
    assert answer.status == 200


# -- 6. times and durations the emulator cannot name ------------------------------------

OUT_OF_RANGE = [
    ("after: .inf", "after"),
    ("after: 1e300", "after"),
    ("after: -.inf", "after"),
    ("after: .nan", "after"),
    ('after: "999999999999999d"', "after"),
    ("after: 99999999999999999999999999999999999", "after"),
    ('at: "9999-12-31T23:59:59Z"', "at"),
    ('at: "10000-01-01T00:00:00Z"', "at"),
    ("after: 367d", "after"),
]


def with_step(step: str) -> str:
    return SCENARIO + f"timeline:\n  - {{{step}, note: far}}\n"


@pytest.mark.parametrize(("step", "key"), OUT_OF_RANGE)
async def test_far_or_infinite_steps_are_refused_at_put(make_api: Any, step: str, key: str) -> None:
    api = await make_api(SCENARIO)
    status, body, _ = await api.call(
        "PUT",
        "/__emulator/scenario",
        data=with_step(step),
        headers={"Content-Type": "application/yaml"},
    )
    assert status == 400, body
    assert body["error"]["problems"], body
    problem = body["error"]["problems"][0]
    assert problem["path"].startswith("timeline[0]"), body
    assert problem["line"] == 7 and problem["path"] == f"timeline[0].{key}", problem
    status, body = await api.get("/__emulator/scenario/timeline")
    assert status == 200


async def test_a_timeline_within_a_year_is_accepted_and_its_route_answers(
    make_api: Any,
) -> None:
    api = await make_api(SCENARIO)
    status, body, _ = await api.call(
        "PUT",
        "/__emulator/scenario",
        data=with_step("after: 366d"),
        headers={"Content-Type": "application/yaml"},
    )
    assert status == 200, body
    status, body = await api.get("/__emulator/scenario/timeline")
    assert status == 200 and body["steps"][0]["at"] == "2027-06-02T12:00:00Z"


@pytest.mark.parametrize("seconds", [1e300, 1e16, float("inf")])
async def test_the_clock_cannot_be_sent_past_year_9999(make_api: Any, seconds: float) -> None:
    api = await make_api(SCENARIO)
    payload = f'{{"seconds": {seconds!r}}}'.replace("inf", "1e999").encode()
    answer = await raw(
        api,
        request("POST", "/__emulator/clock/advance", {"Content-Type": "application/json"}, payload),
    )
    assert 400 <= answer.status < 500, answer.body
    assert (await api.get("/__emulator/clock"))[0] == 200
    assert (await api.get(f"/ivp/pdm/charger/{SERIAL}/status"))[0] in (200, 401)


# -- 8. the admin API is not a cross-site target ----------------------------------------


async def test_cross_origin_state_changes_are_refused(make_api: Any) -> None:
    api = await make_api(SCENARIO)
    await api.advance(600)
    before = api.emulator.world.model_t
    for headers in (
        {"Origin": FOREIGN},
        {"Origin": "null"},
        {"Origin": f"https://localhost:{api.server.port + 1}"},
        {"Origin": f"http://localhost:{api.server.port}"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        status, body, _ = await api.call("POST", "/__emulator/reset", headers=headers)
        assert status == 403, (headers, body)
        assert "cross-origin" in body["error"]["message"], body
        assert "docs/security.md" in body["error"]["message"]
    status, body, _ = await api.call(
        "PUT", "/__emulator/scenario", data=SCENARIO, headers={"Origin": FOREIGN}
    )
    assert status == 403, body
    assert api.emulator.world.model_t == before  # nothing happened


async def test_text_plain_bodies_are_refused_on_json_routes(make_api: Any) -> None:
    api = await make_api(SCENARIO)
    await api.advance(600)
    before = api.emulator.world.model_t
    for content_type in (
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        headers = {"Content-Type": content_type}
        status, body, _ = await api.call(
            "POST", "/__emulator/reset", data=b'{"x": 1}', headers=headers
        )
        assert status == 415, (content_type, body)
        assert "application/json" in body["error"]["message"]
        status, body, _ = await api.call(
            "POST", "/__emulator/tokens", data=b'{"role": "owner"}', headers=headers
        )
        assert status == 415, (content_type, body)
    assert api.emulator.world.model_t == before


async def test_same_origin_and_non_browser_clients_work(make_api: Any) -> None:
    api = await make_api(SCENARIO)
    own = f"https://localhost:{api.server.port}"
    for headers in (
        {"Origin": own},
        {"Origin": own.upper().replace("HTTPS", "https")},
        {"Origin": own, "Sec-Fetch-Site": "same-origin"},
        {},
    ):
        status, body, _ = await api.call(
            "POST", "/__emulator/tokens", json={"role": "owner"}, headers=headers
        )
        assert status == 200, (headers, body)
    # reads stay open to any origin (a page cannot read them without CORS headers)
    status, _, _ = await api.call("GET", "/__emulator/state", headers={"Origin": FOREIGN})
    assert status == 200
    # a YAML route: PUT is never sent cross-site without a preflight, any text type works
    status, body, _ = await api.call("PUT", "/__emulator/scenario", data=SCENARIO)
    assert status == 200, body
    # the gateway's own API is not the admin API's business
    token = await api.token("installer")
    status, _, _ = await api.call(
        "GET", f"/ivp/pdm/charger/{SERIAL}/status", token=token, headers={"Origin": FOREIGN}
    )
    assert status == 200


# -- 2. a filter pattern past its length limit is a 400 naming the limit ----------------


async def test_a_long_journal_filter_is_a_400_naming_the_limit(make_api: Any) -> None:
    from emulator.patterns import MAX_LENGTH

    api = await make_api(SCENARIO)
    status, body = await api.get("/__emulator/requests?path=/" + "a*" * MAX_LENGTH)
    assert status == 400, body
    assert str(MAX_LENGTH) in body["error"]["message"]
    status, _ = await api.get("/__emulator/requests?path=/" + "a" * (MAX_LENGTH - 1))
    assert status == 200
