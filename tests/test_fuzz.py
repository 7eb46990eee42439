"""Issue 7: thousands of generated requests against the live HTTPS server.

Two generators, both checked against the OpenAPI document the server publishes:

- **schemathesis** generates valid and invalid requests (wrong types, huge values,
  missing fields, unknown serials) for every documented operation, with an installer
  token, an owner token and none; every response must be documented (status, content
  type, body schema) and none may be a 5xx;
- **hypothesis**, directly, generates what schemathesis does not: any method on any
  path of the route table (wrong methods included), path parameters full of slashes,
  NULs and unicode, and bodies of arbitrary bytes (invalid JSON, invalid UTF-8).

The scenario has no fault rules, so any 5xx is a bug. The runs are deterministic
(``derandomize``); set ``FUZZ_SCALE=10`` for a longer, randomised hunt.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from emulator.fronts.registry import ROUTE_TABLE
from emulator.fronts.server import RunningServer, start_server
from emulator.runtime import Emulator, Settings
from emulator.scenario.load import load_scenario

# Hypothesis keeps a cache of constants from the code it reads: under .pytest_cache (already
# ignored by git), not in a .hypothesis folder at the top of the work tree.
set_hypothesis_home_dir(
    str(Path(__file__).resolve().parent.parent / ".pytest_cache" / "hypothesis")
)
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
RANDOM = SCALE > 1  # a longer run explores new inputs; the normal run is reproducible
SERIAL = "202200000001"
SCENARIO = f"""
seed: 9
clock: {{start: "2026-06-01T12:00:00Z"}}
chargers:
  - {{id: garage, serial: "{SERIAL}", plugged_in: {{capacity_kwh: 80, soc: 30}}}}
  - id: drive
    serial: "202200000002"
    mode: SCHEDULED_CHARGING
    schedule: [{{startTime: "23:00", endTime: "06:00", chargingLevel: 16}}]
"""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class LiveServer:
    """The emulator on real HTTPS in its own thread, for synchronous clients."""

    def __init__(self, certs_dir: Path) -> None:
        self.emulator = Emulator(
            Settings(certs_dir=certs_dir, port=0, clock="manual", log_requests=False),
            load_scenario(SCENARIO),
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: RunningServer = asyncio.run_coroutine_threadsafe(
            start_server(self.emulator, host="127.0.0.1", port=0), self.loop
        ).result(30)
        self.base = f"https://localhost:{self.server.port}"
        self.ca = str(self.emulator.certs.ca_path)
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE must not replace our CA
        self.session.verify = self.ca
        self.tokens = {
            "installer": self.emulator.world.auth.mint("installer", ttl_s=10 * 365 * 86400),
            "owner": self.emulator.world.auth.mint("owner"),
        }
        self.sent = 0

    def auth(self, who: str) -> dict[str, str]:
        token = self.tokens.get(who)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def document(self) -> dict[str, Any]:
        answer = self.session.get(self.base + "/__emulator/openapi.json")
        assert answer.status_code == 200
        return answer.json()

    def server_errors(self) -> list[str]:
        """5xx answers in the journal (a second witness, beside each response)."""
        return [
            f"{e.method} {e.path} -> {e.status}"
            for e in list(self.emulator.journal.entries)
            if e.status >= 500
        ]

    def close(self) -> None:
        self.session.close()
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def live(certs_dir: Path) -> Iterator[LiveServer]:
    server = LiveServer(certs_dir)
    try:
        yield server
    finally:
        server.close()


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        print_blob=False,
    )


def probe(live: LiveServer, strategy: Any, examples: int, headers: dict[str, str]) -> int:
    """Send ``examples`` generated cases; raise on the first nonconforming answer."""
    sent = 0

    @fuzz_settings(examples)
    @given(case=strategy)
    def check(case: Any) -> None:
        nonlocal sent
        response = case.call(
            base_url=live.base, session=live.session, headers=headers, verify=live.ca
        )
        sent += 1
        case.validate_response(response, checks=CHECKS)

    with contextlib.suppress(Unsatisfiable):  # e.g. negative cases with nothing to break
        check()
    return sent


def run_schemathesis(
    live: LiveServer, prefixes: tuple[str, ...], plans: list[tuple[str, str, bool, int]]
) -> tuple[int, list[str]]:
    """Each plan: (generation mode, who, fixed real serial?, examples) for every operation."""
    schema = schemathesis.openapi.from_dict(live.document())
    failures: list[str] = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(prefixes):
            continue
        has_sn = "{sn}" in operation.path
        for mode, who, real_sn, examples in plans:
            if real_sn and not has_sn:
                continue
            if operation.method.upper() == "OPTIONS" and mode == "negative":
                continue  # nothing to get wrong in a bare preflight
            strategy = operation.as_strategy(
                generation_mode=GenerationMode(mode),
                path_parameters={"sn": SERIAL} if real_sn else None,
            )
            try:
                sent += probe(live, strategy, examples, live.auth(who))
            except Exception as exc:  # collect all, report together
                failures.append(f"{operation.label} [{mode}, {who}]: {exc}"[:3000])
    return sent, failures


def test_schemathesis_gateway_and_ev_routes(live: LiveServer) -> None:
    plans = [
        ("positive", "installer", True, 30),
        ("positive", "installer", False, 8),
        ("negative", "installer", True, 25),
        ("negative", "installer", False, 8),
        ("positive", "owner", True, 5),
        ("positive", "none", False, 5),
    ]
    sent, failures = run_schemathesis(live, ("/ivp/", "/info", "/auth/"), plans)
    assert not failures, "\n\n".join(failures)
    assert not live.server_errors()
    print(f"\n{sent} requests sent")
    assert sent >= 1000 * min(SCALE, 1), sent
    status = live.session.get(f"{live.base}/ivp/pdm/chargers", headers=live.auth("installer"))
    assert status.status_code == 200  # still serving


def test_schemathesis_admin_routes(live: LiveServer) -> None:
    plans = [("positive", "none", False, 80), ("negative", "none", False, 80)]
    plans += [("positive", "none", True, 40), ("negative", "none", True, 40)]
    sent, failures = run_schemathesis(live, ("/__emulator/",), plans)
    assert not failures, "\n\n".join(failures)
    assert not live.server_errors()
    print(f"\n{sent} requests sent")
    assert sent >= 500 * min(SCALE, 1), sent
    assert live.session.get(f"{live.base}/__emulator/health").status_code == 200


# -- hypothesis, directly: what schemathesis leaves out ----------------------------------------

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
ROUTES = sorted({(s.method, s.path) for s in ROUTE_TABLE})

path_values = st.one_of(
    st.just(SERIAL),
    st.just("garage"),
    st.sampled_from(["", ".", "..", "%", "%00", "/", "a/b", "0" * 300, "\x00", "ä", "💥"]),
    st.text(max_size=40),
    st.text(alphabet="0123456789", min_size=1, max_size=20),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=15), children, max_size=4)
    ),
    max_leaves=12,
)
KEYS = [
    "chargingLevel",
    "connectorId",
    "requestedMessage",
    "chargingMode",
    "schedules",
    "event",
    "amps",
    "vehicle",
    "role",
    "ttl_s",
    "seconds",
    "duration",
    "time",
    "data",
]
bodies = st.one_of(
    st.none(),
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4).map(
        lambda d: json.dumps(d).encode()
    ),
    st.sampled_from(
        [
            b"{",
            b"\xff\xfe\x00{}",
            b'{"chargingLevel": 1e999}',
            b'{"a": NaN}',
            b"[" * 3000,
            b'{"chargingLevel": ' + b"9" * 5000 + b"}",
            b'{"event": "plug_in", "vehicle": "nope"}',
        ]
    ),
)
auth_headers = st.sampled_from(
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer a.b.c"},
        {"Cookie": "sessionId=nope"},
        "installer",
        "installer",
        "owner",
    ]
)
content_types = st.sampled_from(
    [None, "application/json", "text/plain", "application/x-www-form-urlencoded", "*/*;;"]
)


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: ``nullable: true`` becomes a type that allows null."""
    if isinstance(node, dict):
        out = {k: to_json_schema(v) for k, v in node.items() if k not in ("nullable", "example")}
        if node.get("nullable") and "type" in node:
            out["type"] = [node["type"], "null"]
        return out
    if isinstance(node, list):
        return [to_json_schema(v) for v in node]
    return node


def conforms(doc: dict[str, Any], template: str, method: str, response: requests.Response) -> str:
    """'' when the response is one the document allows, else what is wrong."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}: {response.text[:300]}"
    media = response.headers.get("Content-Type", "").split(";")[0].strip()
    operation = doc["paths"].get(template, {}).get(method.lower())
    if operation is None or str(status) not in operation["responses"]:
        # wrong method (405 + Allow) or a path the parameters broke out of (404): JSON errors
        if status == 405 and "Allow" in response.headers and media == "application/json":
            return ""
        if status == 404 and media == "application/json" and "error" in response.json():
            return ""
        if status == 400 and media.startswith("text/plain"):  # aiohttp's own parser refusal
            return ""
        return f"undocumented {status} ({media}) for {method} {template}"
    documented = operation["responses"][str(status)].get("content")
    if not documented:
        return ""
    if media not in documented:
        return f"{status} answered {media!r}, documented {sorted(documented)}"
    if media == "application/json":
        try:
            body = response.json()
        except ValueError:
            return f"{status} says JSON but is not: {response.text[:200]}"
        schema = to_json_schema(documented[media].get("schema", {}))
        try:
            jsonschema.validate(body, {**schema, "components": to_json_schema(doc["components"])})
        except jsonschema.ValidationError as exc:
            return f"{status} body does not match the document: {exc.message}"
    return ""


def test_hypothesis_any_method_any_path_any_bytes(live: LiveServer) -> None:
    doc = live.document()
    sent = 0
    problems: list[str] = []

    @fuzz_settings(700)
    @given(
        route=st.sampled_from(ROUTES),
        other_method=st.one_of(st.none(), st.none(), st.sampled_from(METHODS)),
        values=st.lists(path_values, min_size=3, max_size=3),
        body=bodies,
        who=auth_headers,
        content_type=content_types,
    )
    def check(
        route: tuple[str, str],
        other_method: str | None,
        values: list[str],
        body: bytes | None,
        who: Any,
        content_type: str | None,
    ) -> None:
        nonlocal sent
        method, template = route
        method = other_method or method  # a third of the time, likely the wrong method
        names = re.findall(r"\{([^}:]+)", template)
        path = template
        for name, value in zip(names, values, strict=False):
            path = path.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
        headers = live.auth(who) if isinstance(who, str) else dict(who)
        if content_type:
            headers["Content-Type"] = content_type
        response = live.session.request(
            method, live.base + path, data=body, headers=headers, timeout=30
        )
        sent += 1
        problem = conforms(doc, template, method, response)
        if problem:
            problems.append(f"{method} {path} body={body!r:.80}: {problem}")
        assert not problem, problem

    try:
        check()
    finally:
        assert not problems, "\n".join(problems[:20])
    assert not live.server_errors()
    print(f"\n{sent} requests sent")
    assert sent >= 500 * min(SCALE, 1), sent
    assert live.session.get(f"{live.base}/__emulator/health").status_code == 200
