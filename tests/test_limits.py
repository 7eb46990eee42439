"""Issue 7: hostile requests — size limits, header abuse, path tricks, bad bodies.

Each is sent as raw bytes over TLS (so nothing in a client library tidies it up first).
The emulator must never answer 5xx, must refuse with a sensible 4xx (JSON from the
emulator; aiohttp's parser answers the requests it cannot parse at all) and must keep
serving afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from emulator.fronts.app import MAX_BODY
from emulator.fronts.gateway.responses import UNAUTHORIZED_PAGE

from .conftest import Api

SERIAL = "202200000001"
SCENARIO = f"""
seed: 5
clock: {{start: "2026-06-01T12:00:00Z"}}
chargers:
  - {{id: garage, serial: "{SERIAL}", plugged_in: {{capacity_kwh: 60, soc: 20}}}}
"""
PDM = f"/ivp/pdm/charger/{SERIAL}"


@dataclass
class Raw:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def is_json(self) -> bool:
        return self.headers.get("content-type", "").startswith("application/json")


def parse(data: bytes) -> Raw:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = body[: int(headers["content-length"])]
    return Raw(status, headers, body)


async def raw(api: Api, data: bytes, *, timeout: float = 10.0) -> Raw:
    """Send bytes as they are over TLS; read one response (the server closes or we stop)."""
    reader, writer = await asyncio.open_connection(
        "127.0.0.1",
        api.server.port,
        ssl=api.emulator.certs.client_context(),
        server_hostname="localhost",
    )
    try:
        writer.write(data)
        with contextlib.suppress(ConnectionError):  # the server may answer and close early
            await writer.drain()
        received = b""
        deadline = time.monotonic() + timeout
        while True:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), deadline - time.monotonic())
            except (ConnectionError, TimeoutError):
                break
            if not chunk:
                break
            received += chunk
            if b"\r\n\r\n" in received:
                answer = parse(received)
                length = answer.headers.get("content-length")
                if length is not None and len(answer.body) >= int(length):
                    break
        assert received, "the server answered nothing"
        return parse(received)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


def request(
    method: str, target: str | bytes, headers: dict[str, Any] | None = None, body: bytes = b""
) -> bytes:
    line = target if isinstance(target, bytes) else target.encode()
    out = method.encode() + b" " + line + b" HTTP/1.1\r\nHost: localhost\r\n"
    for name, value in (headers or {}).items():
        value = value if isinstance(value, bytes) else str(value).encode()
        out += name.encode() + b": " + value + b"\r\n"
    chunked = "Transfer-Encoding" in (headers or {})
    if not chunked and (body or method in ("POST", "PUT", "PATCH")):
        out += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
    return out + b"Connection: close\r\n\r\n" + body


def bearer(token: str | bytes) -> dict[str, bytes]:
    return {"Authorization": b"Bearer " + (token if isinstance(token, bytes) else token.encode())}


@pytest.fixture
async def gw(make_api) -> Api:  # type: ignore[no-untyped-def]
    api = await make_api(SCENARIO)
    api.installer = await api.token("installer")  # type: ignore[attr-defined]
    return api


async def still_serving(api: Api) -> None:
    answer = await raw(api, request("GET", PDM + "/status", bearer(api.installer)))  # type: ignore[attr-defined]
    assert answer.status == 200 and answer.is_json
    assert answer.json["data"]["chargers"][0]["pluggedIn"] is True


def refused(answer: Raw, *codes: int) -> None:
    """A sensible refusal: a 4xx (from the given set if any), JSON when the emulator wrote it."""
    assert 400 <= answer.status < 500, (answer.status, answer.body[:300])
    if codes:
        assert answer.status in codes, (answer.status, answer.body[:300])
    if answer.headers.get("server") == "openresty/1.17.8.1" and answer.status != 401:
        assert answer.is_json, answer.headers
        assert answer.json["error"]


# -- size limits -------------------------------------------------------------------------------


async def test_oversized_bodies_get_a_json_413(gw: Api) -> None:
    big = b'{"chargingLevel": 16, "pad": "' + b"x" * (MAX_BODY + 1024) + b'"}'
    targets = [PDM + "/start_charging", PDM + "/trigger_message", "/__emulator/tokens"]
    for target in targets:
        answer = await raw(gw, request("POST", target, bearer(gw.installer), big))  # type: ignore[attr-defined]
        refused(answer, 413)
        assert answer.json["error"]["code"] == 413
    # the same without a Content-Length: chunked
    chunks = b"".join(b"%x\r\n%s\r\n" % (65536, b"y" * 65536) for _ in range(20)) + b"0\r\n\r\n"
    head = request("POST", "/__emulator/tokens", {"Transfer-Encoding": "chunked"})
    answer = await raw(gw, head + chunks)
    refused(answer, 413)
    # just under the limit is read and judged on its content
    fits = b'{"role": "owner", "username": "' + b"u" * (MAX_BODY - 100) + b'"}'
    refused(await raw(gw, request("POST", "/__emulator/tokens", {}, fits)), 400)
    await still_serving(gw)


async def test_a_lying_content_length_is_refused(gw: Api) -> None:
    for value in (b"-1", b"abc", b"1, 2", b"99999999999999999999999"):
        answer = await raw(gw, request("GET", "/info", {"Content-Length": value}))
        refused(answer)
    await still_serving(gw)


# -- header abuse ------------------------------------------------------------------------------


async def test_huge_and_many_headers(gw: Api) -> None:
    cases = [
        {"X-Big": b"a" * 100_000},
        {"Authorization": b"Bearer " + b"a" * 50_000},
        {"Cookie": b"sessionId=" + b"c" * 20_000},
        {f"X-H{i}": b"v" for i in range(1000)},
    ]
    for headers in cases:
        refused(await raw(gw, request("GET", PDM + "/status", headers)))
    # many cookies, and a long but legal header, are fine
    cookies = "; ".join(f"c{i}=v{i}" for i in range(200))
    answer = await raw(gw, request("GET", "/info", {"Cookie": cookies, "X-Long": "b" * 4000}))
    assert answer.status == 200
    await still_serving(gw)


def forged_tokens(api: Api) -> dict[str, bytes]:
    """Tokens the gateway must refuse, each for its own reason."""
    good = api.installer  # type: ignore[attr-defined]
    claims = jwt.decode(good, options={"verify_signature": False})
    header = jwt.get_unverified_header(good)
    other_key = ec.generate_private_key(ec.SECP256R1())

    def unsigned(payload: dict[str, Any]) -> bytes:
        def part(obj: dict[str, Any]) -> bytes:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=")

        return part({"alg": "none", "typ": "JWT"}) + b"." + part(payload) + b"."

    head, body, sig = good.encode().split(b".")
    return {
        "alg none": unsigned(claims),
        "other key": jwt.encode(claims, other_key, algorithm="ES256", headers=header).encode(),
        "other gateway": jwt.encode(
            {**claims, "aud": "999999999999"}, other_key, algorithm="ES256"
        ).encode(),
        "HS256": jwt.encode(
            claims, "a-shared-secret-that-is-32-bytes!", algorithm="HS256"
        ).encode(),
        "tampered payload": head
        + b"."
        + base64.urlsafe_b64encode(json.dumps({**claims, "exp": 2**40}).encode()).rstrip(b"=")
        + b"."
        + sig,
        "bad signature": head + b"." + body + b"." + sig[::-1],
        "two parts": head + b"." + body,
        "empty parts": b"..",
        "not base64": b"@@@.###.$$$",
        "json bomb": base64.urlsafe_b64encode(b"[" * 5000).rstrip(b"=") + b"." + body + b".x",
    }


async def test_bad_authorization_forms_are_a_plain_401(gw: Api) -> None:
    values: list[bytes] = [
        b"Bearer",
        b"Bearer ",
        b"Bearer    ",
        b"Basic dXNlcjpwYXNz",
        b"Basic",
        b"Token abc",
        b"bearer",
        b"Bearer \xc3\xa9\xe4\xb8\xad\xf0\x9f\x94\x91",  # UTF-8
        b"Bearer \xe9\xff\xfe",  # not UTF-8 at all
        b"Bearer a.b.c",
        b"Bearer " + gw.installer.encode()[:-5],  # type: ignore[attr-defined]
        b"\xff\xfe",
        b"Bearer " + b"a" * 7000,
    ]
    values += [b"Bearer " + token for token in forged_tokens(gw).values()]
    for value in values:
        answer = await raw(gw, request("GET", PDM + "/status", {"Authorization": value}))
        assert answer.status == 401, (value[:60], answer.status, answer.body[:200])
        assert answer.body == UNAUTHORIZED_PAGE
        assert "www-authenticate" not in answer.headers
    # the scheme is case-insensitive, and extra spaces around the token do not matter
    token = gw.installer.encode()  # type: ignore[attr-defined]
    for value in (b"bearer " + token, b"BEARER " + token, b"Bearer   " + token + b"  "):
        answer = await raw(gw, request("GET", PDM + "/status", {"Authorization": value}))
        assert answer.status == 200, value[:20]
    # nor do bad cookies open anything or break anything
    for cookie in (
        b"sessionId=",
        b"sessionId=nope",
        b";;;=;=",
        b"sessionId=\xff\xfe",
        b'sessionId="unterminated',
        b"sessionId=" + b"1" * 4000,
    ):
        answer = await raw(gw, request("GET", PDM + "/status", {"Cookie": cookie}))
        assert answer.status in (400, 401), (cookie, answer.status)
    await still_serving(gw)


async def test_expired_and_revoked_tokens_stay_refused(gw: Api) -> None:
    short = await gw.token("installer", ttl_s=60)
    assert (await raw(gw, request("GET", PDM + "/status", bearer(short)))).status == 200
    await gw.advance(61)
    assert (await raw(gw, request("GET", PDM + "/status", bearer(short)))).status == 401
    # an expired token stays expired when asked again (no cached verdict revives it)
    assert (await raw(gw, request("GET", PDM + "/status", bearer(short)))).status == 401
    await gw.post("/__emulator/gateway/events", {"event": "revoke_tokens"})
    answer = await raw(gw, request("GET", PDM + "/status", bearer(gw.installer)))  # type: ignore[attr-defined]
    assert answer.status == 401


# -- path tricks -------------------------------------------------------------------------------


async def test_path_tricks(gw: Api) -> None:
    auth = bearer(gw.installer)  # type: ignore[attr-defined]
    encoded_serial = "".join(f"%{ord(c):02X}" for c in SERIAL)
    answer = await raw(gw, request("GET", f"/ivp/pdm/charger/{encoded_serial}/status", auth))
    assert answer.status == 200  # percent-encoded digits are the same serial
    tricks: list[bytes] = [
        b"/ivp/pdm/charger/../chargers/../../__emulator/state",
        b"/ivp/pdm/charger/%2E%2E/%2E%2E/status",
        b"/ivp/pdm/charger/" + SERIAL.encode() + b"%2Fstatus",
        b"/ivp/pdm/charger/a%2Fb/status",
        b"/ivp/pdm/charger/%2F%2F/status",
        b"/ivp/pdm/charger/%00/status",
        b"/ivp/pdm/charger/" + SERIAL.encode() + b"%00/status",
        b"/ivp/pdm/charger/%ZZ/status",
        b"/ivp/pdm/charger/%C0%AF/status",
        b"/ivp/pdm/charger/%FF%FE/status",
        b"/ivp/pdm/charger/%E2%80%AE/status",
        b"/ivp/pdm/charger/" + b"9" * 5000 + b"/status",
        b"/ivp/pdm/charger/" + b"9" * 10_000 + b"/status",
        b"/ivp/pdm/charger/" + b"%41" * 2000 + b"/status",
        b"/ivp/pdm/charger//status",
        b"/ivp/pdm/charger/ /status",
        b"/ivp/pdm/charger/\x00/status",
        b"/ivp/pdm/charger/\xff/status",
        b"//ivp//pdm//chargers",
        b"/ivp/pdm/chargers/",
        b"/ivp/pdm/chargers?" + b"x=1&" * 2000,
        b"/__emulator/ocpp?serial=%00&action=%FF",
        b"/__emulator/ocpp?serial=" + b"9" * 5000,
        b"/ivp/pdm/chargers#fragment",
        b"*",
        b"http://evil.example/ivp/pdm/chargers",
    ]
    for target in tricks:
        answer = await raw(gw, request("GET", target, auth))
        assert answer.status < 500, (target[:80], answer.status, answer.body[:200])
        if answer.status != 200:
            refused(answer)
    await still_serving(gw)


async def test_traversal_cannot_reach_a_gated_admin_api(make_api) -> None:  # type: ignore[no-untyped-def]
    api = await make_api(SCENARIO, admin_token="s3cret")
    for target in (
        "/ivp/../__emulator/state",
        "/ivp/pdm/%2E%2E/%2E%2E/__emulator/state",
        "/info/../__emulator/state",
        "/__emulator/health/../state",
        "/__emulator/./state",
        "/%5F%5Femulator/state",
    ):
        answer = await raw(api, request("GET", target))
        assert answer.status in (401, 404), (target, answer.status, answer.body[:200])


async def test_wrong_and_strange_methods(gw: Api) -> None:
    auth = bearer(gw.installer)  # type: ignore[attr-defined]
    for method, target in (
        ("DELETE", PDM + "/status"),
        ("PUT", PDM + "/start_charging"),
        ("GET", PDM + "/start_charging"),
        ("PATCH", "/info"),
        ("TRACE", "/info"),
        ("POST", "/__emulator/health"),
        ("DELETE", "/__emulator/tokens"),
    ):
        answer = await raw(gw, request(method, target, auth))
        refused(answer, 405)
        assert answer.headers["allow"], method
        assert answer.json["error"]["code"] == 405
    for line in (b"FOO /info HTTP/1.1", b"GET /info HTTP/9.9", b"GET /info", b"\x16\x03\x01"):
        answer = await raw(gw, line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert answer.status < 500, (line, answer.status)
    await still_serving(gw)


async def test_pipelined_requests_are_answered_in_order(gw: Api) -> None:
    keep = request("GET", "/info").replace(b"Connection: close\r\n", b"")
    reader, writer = await asyncio.open_connection(
        "127.0.0.1",
        gw.server.port,
        ssl=gw.emulator.certs.client_context(),
        server_hostname="localhost",
    )
    writer.write(keep * 20 + request("GET", "/__emulator/health"))
    await writer.drain()
    data = await asyncio.wait_for(reader.read(-1), 10)
    writer.close()
    assert data.count(b"HTTP/1.1 200 OK") == 21
    assert data.rstrip().endswith(b"}")  # the health JSON came last


async def test_half_sent_requests_do_not_hurt(gw: Api) -> None:
    for partial in (b"GET /info HTTP/1.1\r\nHost:", b"POST /__emulator/tokens HTTP/1.1\r\n"):
        _, writer = await asyncio.open_connection(
            "127.0.0.1",
            gw.server.port,
            ssl=gw.emulator.certs.client_context(),
            server_hostname="localhost",
        )
        writer.write(partial + b"Content-Length: 100\r\n\r\n{")
        await writer.drain()
        writer.close()
    await still_serving(gw)


# -- bodies ------------------------------------------------------------------------------------

BAD_BODIES: list[bytes] = [
    b"{",
    b"\xff\xfe{}",
    b"\xef\xbb\xbf{}",  # a UTF-8 byte order mark
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"chargingLevel": ' + b"9" * 5000 + b"}",
    b'{"chargingLevel": 1e400}',
    b'{"chargingLevel": NaN}',
    b'{"chargingLevel": -Infinity}',
    b'{"chargingLevel": 16, "chargingLevel": "16"}',
    b'{"chargingLevel": "16"}',
    b'{"chargingLevel": 16.0}',
    b'{"chargingLevel": true}',
    b'{"chargingLevel": null, "connectorId": 0}',
    b'{"connectorId": 99999999999999999999999}',
    b'{"requestedMessage": {"$gt": ""}}',
    b'{"event": "plug_in", "vehicle": {"capacity_kwh": 1e308, "soc": -1}}',
    b'{"event": "set_current", "amps": 2147483648}',
    b'{"event": "set_mode", "mode": "SCHEDULED_CHARGING", "schedule": [{"startTime": "25:00"}]}',
    b'{"role": "installer", "ttl_s": 1e308}',
    b'{"role": ["installer"]}',
    b'{"seconds": 1e308}',
    b'{"duration": "99999999999999999999d"}',
    b'{"time": "9999-99-99T99:99:99Z"}',
    b'{"time": "9999-12-31T23:59:59Z"}',  # a valid time the clock cannot go on from
    b'{"duration": "."}',
    b'{"duration": "1.2.3h"}',
    b'"just a string"',
    b"[]",
    b"null",
    b"42",
    '{"chargingLevel": 16}'.encode("utf-16"),
    b"\x00" * 100,
    b'{"\\ud800": 1, "chargingLevel": "\\udfff"}',  # lone surrogates, echoed in messages
]


@pytest.mark.parametrize(
    "target",
    [
        PDM + "/start_charging",
        PDM + "/stop_charging",
        PDM + "/trigger_message",
        f"/ivp/peb/charger/{SERIAL}/schedule",
        f"/__emulator/chargers/{SERIAL}/events",
        "/__emulator/gateway/events",
        "/__emulator/tokens",
        "/__emulator/clock/advance",
        "/__emulator/clock/set",
        "/__emulator/scenario/validate",
    ],
)
async def test_hostile_json_bodies(gw: Api, target: str) -> None:
    method = "PUT" if target.endswith("/schedule") else "POST"
    for body in BAD_BODIES:
        for content_type in ("application/json", "text/plain"):
            headers = {**bearer(gw.installer), "Content-Type": content_type}  # type: ignore[attr-defined]
            answer = await raw(gw, request(method, target, headers, body))
            assert answer.status < 500, (body[:60], answer.status, answer.body[:300])
            if answer.status != 200:
                refused(answer)
    await still_serving(gw)


def test_a_cached_token_verdict_is_still_judged_per_gateway_and_per_time() -> None:
    from emulator.model.tokens import InvalidToken, TokenAuthority

    authority = TokenAuthority.ephemeral()
    token = authority.mint(role="installer", serial="122300000001", now=1000.0, ttl_s=60)
    assert authority.verify(token, serial="122300000001", now=1000.0).role == "installer"
    with pytest.raises(InvalidToken):  # another gateway: aud does not match
        authority.verify(token, serial="122300000002", now=1000.0)
    with pytest.raises(InvalidToken):  # the cached verdict does not outlive the expiry
        authority.verify(token, serial="122300000001", now=1060.0)
    assert authority.verify(token, serial="122300000001", now=1059.0).role == "installer"
    for _ in range(2):  # a refused token stays refused, cached or not
        with pytest.raises(InvalidToken):
            authority.verify(token[:-4] + "AAAA", serial="122300000001", now=1000.0)


@pytest.mark.parametrize("opener", ["[", "{a: ", "- ", "? "])
def test_a_scenario_nested_past_the_c_stack_is_refused_not_fatal(opener: str) -> None:
    """libyaml composes recursively in C: 100,000 levels in a worker thread used to
    overflow its stack and kill the process (a segfault, no traceback)."""
    from emulator.errors import ScenarioError
    from emulator.scenario.load import load_scenario

    outcome: list[BaseException] = []

    def load() -> None:
        try:
            load_scenario(opener * 100_000 + "x", "deep.yaml")
        except BaseException as exc:  # the thread reports whatever it met
            outcome.append(exc)

    worker = threading.Thread(target=load)
    worker.start()
    worker.join()
    assert len(outcome) == 1 and isinstance(outcome[0], ScenarioError), outcome
    # ours ("nested too deeply"), or libyaml's own limit where it has one (PyYAML 6.0.4:
    # "exceeded maximum nesting depth"): a problem on line 1 either way
    assert "deep.yaml:1:" in str(outcome[0]) and "nest" in str(outcome[0]), outcome
