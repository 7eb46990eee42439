"""Issue 4 over HTTPS: replacing the scenario at run time, reset, the schema, overrides,
the timeline on the model clock, and seeds that make the same emulator byte for byte."""

from __future__ import annotations

import textwrap

import yaml

from .conftest import Api

SCENARIO = "/__emulator/scenario"

TWO = textwrap.dedent(
    """\
    seed: 21
    clock: {start: "2026-06-01T12:00:00Z"}
    chargers:
      - {id: left, serial: "202211110001", name: Left}
      - {id: right, serial: "202211110002", name: Right}
    """
)


async def put(api: Api, text: str, name: str | None = None) -> tuple[int, dict]:
    path = SCENARIO + (f"?name={name}" if name else "")
    status, body, _ = await api.call(
        "PUT", path, data=text, headers={"Content-Type": "application/yaml"}
    )
    return status, body


async def chargers(api: Api) -> list[str]:
    token = await api.token("installer")
    status, body = await api.get("/ivp/pdm/chargers", token=token)
    assert status == 200, body
    return [row["serialNumber"] for row in body["data"]]


async def test_a_bad_scenario_is_refused_with_lines_and_changes_nothing(api: Api) -> None:
    before_serials = await chargers(api)
    gateway = api.emulator.world.gateway.serial
    world = api.emulator.world
    await api.event(before_serials[0], "plug_in")
    bad = TWO.replace("seed: 21", "seed: lots").replace("name: Right}", "name: Right, max: 3}")
    status, body = await put(api, bad, name="mine.yaml")
    assert status == 400
    problems = body["error"]["problems"]
    assert [(p["line"], p["column"]) for p in problems] == [(1, 7), (5, 54)]
    assert problems[0] == {
        "file": "mine.yaml",
        "line": 1,
        "column": 7,
        "path": "seed",
        "message": "seed must be a whole number, got the string 'lots'",
    }
    assert "unknown key 'max' in chargers[1]" in problems[1]["message"]
    assert body["error"]["code"] == 400
    assert body["error"]["message"].startswith("mine.yaml:1:7: seed must be a whole number")
    # The old world is untouched: same object, same gateway, the car still plugged in.
    assert api.emulator.world is world
    assert api.emulator.world.gateway.serial == gateway
    assert await chargers(api) == before_serials
    assert (await api.state(before_serials[0]))["state"] == "PREPARING"


async def test_a_good_scenario_replaces_the_world_and_reset_restores_its_start(api: Api) -> None:
    text = TWO + textwrap.dedent(
        """\
        timeline:
          - {after: 1h, charger: left, event: plug_in}
          - {after: 1m, charger: left, event: start_charging, chargingLevel: 16}
          - {after: 1h, expect: {charger: left, state: CHARGING, session_wh: 3680}}
        """
    )
    status, body = await put(api, text)
    assert status == 200, body
    assert body["status"] == "replaced"
    assert [c["id"] for c in body["chargers"]] == ["left", "right"]
    assert body["timeline_steps"] == 3
    assert await chargers(api) == ["202211110001", "202211110002"]
    status, raw, response = await api.call("GET", SCENARIO)
    assert status == 200 and response.content_type == "application/yaml"
    assert raw.decode() == text  # the text as sent, comments and all
    # The timeline runs on the model clock.
    await api.advance(2 * 3600 + 60)
    left = await api.state("202211110001")
    assert left["state"] == "CHARGING"
    assert left["session_wh"] == 3680
    _, timeline = await api.get(SCENARIO + "/timeline")
    assert [s["status"] for s in timeline["steps"]] == ["done", "done", "passed"]
    assert timeline["steps"][0]["at"] == "2026-06-01T13:00:00Z"
    # Reset: the scenario's start again, timeline pending.
    assert (await api.post("/__emulator/reset"))[0] == 200
    assert (await api.state("202211110001"))["state"] == "AVAILABLE"
    assert (await api.get("/__emulator/clock"))[1]["clock"]["now"] == "2026-06-01T12:00:00Z"
    _, timeline = await api.get(SCENARIO + "/timeline")
    assert [s["status"] for s in timeline["steps"]] == ["pending"] * 3
    await api.advance(2 * 3600 + 60)
    assert (await api.state("202211110001"))["session_wh"] == 3680  # the same again


async def test_validate_route_and_schema(api: Api) -> None:
    status, body, _ = await api.call("POST", SCENARIO + "/validate", data="chargers: 3\n")
    assert status == 200
    assert body["valid"] is False
    assert body["problems"][0]["line"] == 1 and body["problems"][0]["column"] == 11
    status, body, _ = await api.call("POST", SCENARIO + "/validate", data=TWO)
    assert (status, body) == (200, {"valid": True, "problems": []})
    assert len(api.emulator.world.chargers) == 1  # validating applies nothing
    status, schema = await api.get(SCENARIO + "/schema")
    assert status == 200
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"gateway", "clock", "chargers", "timeline", "faults"} <= set(schema["properties"])


async def test_a_literal_override_replaces_the_status_body(make_api) -> None:  # type: ignore[no-untyped-def]
    api = await make_api(
        TWO
        + "  - id: third\n"
        + '    serial: "202211110003"\n'
        + "    overrides:\n"
        + '      status: {captured: true, data: {chargers: [{sn: "202211110003", mode: 7}]}}\n'
    )
    token = await api.token("installer")
    status, body = await api.get("/ivp/pdm/charger/202211110003/status", token=token)
    assert (status, body) == (
        200,
        {"captured": True, "data": {"chargers": [{"sn": "202211110003", "mode": 7}]}},
    )
    status, body = await api.get("/ivp/pdm/charger/202211110001/status", token=token)
    assert "captured" not in body  # only that charger


async def test_a_template_override_renders_model_values(make_api) -> None:  # type: ignore[no-untyped-def]
    api = await make_api(
        textwrap.dedent(
            """\
            seed: 3
            clock: {start: "2026-06-01T12:00:00Z"}
            chargers:
              - id: garage
                serial: "202200000009"
                plugged_in: {capacity_kwh: 80, soc: 10}
                overrides:
                  power:
                    sn: "{{ charger.serial }}"
                    watts: "{{ charger.power_w }}"
                    label: "{{ charger.name }} at {{ charger.amps }} A"
                    energy: "{{ session.e_c }}"
                    when: "{{ now.iso }}"
            overrides:
              ev_chargers: {total_w: "{{ site.power_w }}", garage: "{{ chargers.garage.state }}"}
            """
        )
    )
    token = await api.token("installer")
    power = "/ivp/peb/ev_charger/202200000009/power"
    _, body = await api.get(power, token=token)
    name = api.emulator.world.chargers["202200000009"].spec.name
    assert body == {
        "sn": "202200000009",
        "watts": 0.0,
        "label": f"{name} at 0 A",
        "energy": 0,
        "when": "2026-06-01T12:00:00Z",
    }
    await api.post(
        "/ivp/pdm/charger/202200000009/start_charging", {"chargingLevel": 16}, token=token
    )
    await api.advance(3600)
    _, body = await api.get(power, token=token)
    assert body["watts"] == 3680.0 and isinstance(body["watts"], float)
    assert body["label"] == f"{name} at 16 A"
    assert body["energy"] == 3680.0
    assert body["when"] == "2026-06-01T13:00:00Z"
    _, site = await api.get("/ivp/peb/ev_chargers", token=token)
    assert site == {"total_w": 3680.0, "garage": "CHARGING"}


async def raw_get(api: Api, path: str, token: str) -> bytes:
    """The body exactly as sent (no JSON round trip)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with api.session.get(api.base + path, headers=headers) as response:
        assert response.status == 200
        return await response.read()


async def test_the_same_seed_gives_the_same_emulator_byte_for_byte(make_api) -> None:  # type: ignore[no-untyped-def]
    text = "seed: 1234\nchargers: [{id: a}, {id: b, plugged_in: true}]\n"
    bodies = []
    for scenario in (text, text, text.replace("1234", "1235")):
        api = await make_api(scenario)
        token = await api.token("installer")
        serial = api.emulator.world.aliases["a"]
        raw = [
            await raw_get(api, path, token)
            for path in (
                "/ivp/pdm/chargers",
                f"/ivp/pdm/charger/{serial}/summary",
                f"/ivp/pdm/charger/{serial}/status",
            )
        ]
        devices = (await api.get("/ivp/pdm/devices", token=token))[1]
        bodies.append((*raw, api.emulator.world.gateway.serial, devices))
    first, second, other = bodies
    assert first == second  # chargers, summary and status bodies, byte for byte
    assert first[0] != other[0] and first[1] != other[1]
    assert first[3] != other[3]  # the gateway serial
    assert [d["mac"] for d in first[4]["devices"]] != [d["mac"] for d in other[4]["devices"]]
    assert [d["sn"] for d in first[4]["devices"]] != [d["sn"] for d in other[4]["devices"]]


async def test_scenario_text_round_trips_through_get(api: Api) -> None:
    status, raw, _ = await api.call("GET", SCENARIO)
    assert status == 200
    assert yaml.safe_load(raw)["chargers"][0]["id"] == "garage"
