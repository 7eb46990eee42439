"""The cloud surface over real HTTPS: hosts, refusal shapes, the same world both ways,
disconnection, reporting lag, Entrez's two forms and the EV service's error codes."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.errors import ScenarioError
from emulator.scenario.load import load_scenario
from emulator.testing import Gateway

OWNER = {"user[email]": "owner@example.com", "user[password]": "emulator"}
EVSE = "/service/evse_controller"


async def logged_in(gw: Gateway, form: dict[str, str] = OWNER) -> tuple[Any, dict[str, Any]]:
    http = gw.cloud_client()
    async with http.post("/login/login.json", data=form) as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        return http, await response.json()


async def site_id(http: Any) -> int:
    async with http.get("/app-api/search_sites.json?searchText=&favourite=false") as response:
        body = await response.json()
    return int(body["sites"][0]["id"])


async def test_login_sets_the_three_cookies_and_a_manager_jwt_naming_the_session() -> None:
    async with Gateway.start() as gw:
        http, body = await logged_in(gw)
        cookies = {c.key: c.value for c in http.cookie_jar}
        assert cookies["_enlighten_4_session"] == body["session_id"]
        assert cookies["enlighten_manager_token_production"] == body["manager_token"]
        assert "XSRF-TOKEN" in cookies
        claims = gw.emulator.authority.decode(body["manager_token"])
        assert claims is not None and claims["data"]["session_id"] == body["session_id"]


async def test_a_bearer_manager_token_alone_authenticates_and_dies_with_the_session() -> None:
    async with Gateway.start() as gw:
        _, body = await logged_in(gw)
        bare = gw.client(
            base_url=gw.cloud_url, headers={"Authorization": f"Bearer {body['manager_token']}"}
        )
        async with bare.get("/app-api/search_sites.json") as response:
            assert response.status == 200
        gw.emulator.accounts.logout(body["session_id"])
        async with bare.get("/app-api/search_sites.json") as response:
            assert response.status == 401
            assert response.content_type == "application/json"


async def test_entrez_json_form_gives_a_token_usable_as_e_auth_token() -> None:
    async with Gateway.start() as gw:
        http, body = await logged_in(gw)
        payload = {"session_id": body["session_id"], "email": "owner@example.com"}
        async with http.post("/tokens", json=payload) as response:
            assert response.status == 200
            token = await response.json()
        assert set(token) == {"token", "expires_at"}
        bare = gw.client(base_url=gw.cloud_url, headers={"e-auth-token": token["token"]})
        async with bare.get("/app-api/search_sites.json") as response:
            assert response.status == 200
        wrong = {"session_id": body["session_id"], "email": "installer@example.com"}
        async with http.post("/tokens", json=wrong) as response:
            assert response.status == 401


async def test_entrez_refuses_a_gateway_of_another_site() -> None:
    async with Gateway.start() as gw:
        http, body = await logged_in(gw)
        payload = {
            "session_id": body["session_id"],
            "serial_num": "999",
            "username": "owner@example.com",
        }
        async with http.post("/tokens", json=payload) as response:
            assert response.status == 403


async def test_the_gateway_port_answers_the_cloud_host_names() -> None:
    async with Gateway.start() as gw:
        http = gw.client()
        headers = {"Host": "enlighten.enphaseenergy.com"}
        async with http.post("/login/login.json", data=OWNER, headers=headers) as response:
            assert response.status == 200
            assert "session_id" in await response.json()
        async with http.post("/login/login.json", data=OWNER) as response:
            assert response.status == 404  # the gateway itself has no such path
        async with http.get("/nothing", headers=headers) as response:
            assert response.status == 404
            assert response.content_type == "application/json"


async def test_unknown_paths_and_unauthenticated_calls_answer_json_in_the_family_shape() -> None:
    async with Gateway.start() as gw:
        http = gw.cloud_client()
        async with http.get(f"{EVSE}/1/ev_chargers/status") as response:
            assert response.status == 401
            body = await response.json()
        assert body["error"]["displayMessage"] == "Not Authorized"
        async with http.get("/no/such/path") as response:
            assert response.status == 404
            assert response.content_type == "application/json"


async def test_status_carries_the_cloud_keys_over_the_local_body() -> None:
    async with Gateway.start() as gw:
        sn = gw.world.view().chargers[0].serial
        gw.plug_in(sn)
        http, _ = await logged_in(gw)
        site = await site_id(http)
        async with http.get(f"{EVSE}/{site}/ev_chargers/status") as response:
            body = await response.json()
        assert body["data"]["site"] == str(site)
        [charger] = body["data"]["chargers"]
        local = gw.client(gw.token("installer"))
        async with local.get(f"/ivp/pdm/charger/{sn}/status") as response:
            [mine] = (await response.json())["data"]["chargers"]
        for key in ("sn", "pluggedIn", "charging", "chargingLevel", "connectors", "sch_d"):
            assert charger[key] == mine[key], key
        assert {"smartEV", "lst_rpt_at", "offlineAt", "isEVDetailsSet"} <= set(charger)
        assert charger["session_d"]["auth_type"] is None


async def test_start_variants_and_the_service_error_codes() -> None:
    async with Gateway.start() as gw:
        sn = gw.world.view().chargers[0].serial
        http, _ = await logged_in(gw)
        site = await site_id(http)
        start = f"{EVSE}/{site}/ev_charger/{sn}/start_charging"  # singular, no body
        async with http.post(start) as response:
            assert response.status == 400
            error = (await response.json())["error"]
        assert error["errorMessageCode"] == "iqevc_ms-10008"
        gw.plug_in(sn)
        async with http.put(
            f"{EVSE}/{site}/ev_chargers/{sn}/start_charging",
            json={"charging_level": 10, "connector_id": 1},
        ) as response:
            assert response.status == 200
            assert (await response.json())["chargingLevel"] == 10
        async with http.post(start, json={"chargingLevel": 10}) as response:
            assert response.status == 400
            assert (await response.json())["error"]["errorMessageCode"] == "iqevc_ms-10012"
        async with http.post(f"{EVSE}/{site}/ev_chargers/UNKNOWN/start_charging") as response:
            assert response.status == 404
        async with http.get(f"{EVSE}/1234/ev_chargers/status") as response:
            assert response.status == 403
        stop = f"{EVSE}/{site}/ev_chargers/{sn}/stop_charging"
        async with http.put(stop) as response:
            assert response.status == 200
        async with http.post(stop) as response:
            assert response.status == 400  # not charging any more


async def test_a_disconnected_charger_works_locally_but_not_through_the_cloud() -> None:
    async with Gateway.start() as gw:
        sn = gw.world.view().chargers[0].serial
        gw.plug_in(sn)
        http, _ = await logged_in(gw)
        site = await site_id(http)
        gw.world.disconnect(sn)
        async with http.get(f"{EVSE}/{site}/ev_chargers/status") as response:
            [charger] = (await response.json())["data"]["chargers"]
        assert charger["connected"] is False and charger["offlineAt"] is not None
        async with http.post(
            f"{EVSE}/{site}/ev_chargers/{sn}/start_charging", json={"chargingLevel": 16}
        ) as response:
            assert response.status == 409
        local = gw.client(gw.token("installer"))
        async with local.post(
            f"/ivp/pdm/charger/{sn}/start_charging", json={"chargingLevel": 16}
        ) as response:
            assert response.status == 200
        assert gw.world.charger_view(sn).charging


async def test_the_cloud_shows_the_last_report_until_the_interval_passes() -> None:
    scenario = {"seed": 7, "chargers": [{"id": "garage"}], "accounts": {"reporting_interval": 300}}
    async with Gateway.start(scenario) as gw:
        sn = gw.world.view().chargers[0].serial
        http, _ = await logged_in(gw)
        site = await site_id(http)

        async def plugged() -> bool:
            async with http.get(f"{EVSE}/api/v2/{site}/ev_chargers/status") as response:
                return bool((await response.json())["data"][sn]["pluggedIn"])

        assert await plugged() is False  # the first report
        gw.plug_in(sn)
        assert await plugged() is False  # not reported yet
        gw.advance("5m")
        assert await plugged() is True
        gw.unplug(sn)
        async with http.get(f"{EVSE}/{site}/ev_chargers/start_live_stream") as response:
            assert (await response.json())["data"]["liveStreamDuration"] == 900
        gw.advance("15s")
        assert await plugged() is False  # the live stream reports every 15 s


async def test_every_cloud_request_is_journaled() -> None:
    async with Gateway.start() as gw:
        await logged_in(gw)
        gw.assert_called("POST", "/login/login.json", status=200, times=1)


async def test_reset_rebuilds_the_directory_and_ends_sessions() -> None:
    async with Gateway.start() as gw:
        http, _ = await logged_in(gw)
        gw.reset()
        async with http.get("/app-api/search_sites.json") as response:
            assert response.status == 401


def test_two_accounts_with_one_email_are_refused_with_their_place() -> None:
    text = (
        "seed: 1\nchargers: [{id: a}]\naccounts:\n  users:\n"
        "    - {email: a@example.com, password: x}\n    - {email: A@example.com, password: y}\n"
    )
    with pytest.raises(ScenarioError) as refused:
        load_scenario(text, "dup.yaml")
    assert "dup.yaml:6:" in str(refused.value)
    assert "two accounts share the email" in str(refused.value)


async def test_scheduler_preference_and_slots_are_the_worlds_schedule() -> None:
    async with Gateway.start() as gw:
        sn = gw.world.view().chargers[0].serial
        http, body = await logged_in(gw)
        site = await site_id(http)
        base = f"/service/evse_scheduler/api/v1/iqevc/charging-mode/{site}/{sn}"
        async with http.get(base + "/preference") as response:
            assert response.status == 401  # the scheduler needs a Bearer
        bearer = {"Authorization": f"Bearer {body['manager_token']}"}
        put = {"mode": "SCHEDULED_CHARGING"}
        async with http.put(base + "/preference", json=put, headers=bearer) as response:
            assert response.status == 400
            assert (await response.json())["error"]["errorMessageCode"] == "iqevc_sch_10031"
        slot = {"startTime": "22:00", "endTime": "06:00", "chargingLevel": 16, "days": [1, 2]}
        schedules = base.replace("charging-mode/", "charging-mode/SCHEDULED_CHARGING/")
        async with http.post(schedules + "/schedule", json=slot, headers=bearer) as response:
            assert response.status == 200
            [made] = (await response.json())["data"]["slots"]
        assert made["id"] == f"{site}:{sn}:slot-1" and made["chargingLevelAmp"] == 16
        async with http.put(base + "/preference", json=put, headers=bearer) as response:
            modes = (await response.json())["data"]["modes"]
        assert modes["scheduledCharging"]["enabled"] is True
        assert gw.world.charger_view(sn).mode.value == "SCHEDULED_CHARGING"
        async with http.patch(
            schedules + "/schedules", json={made["id"]: "DISABLED"}, headers=bearer
        ) as response:
            assert (await response.json())["data"]["slots"][0]["enabled"] is False
        async with http.delete(schedules + f"/schedule/{made['id']}", headers=bearer) as response:
            assert (await response.json())["data"]["slots"] == []


async def test_session_history_lists_the_worlds_sessions() -> None:
    async with Gateway.start() as gw:
        sn = gw.world.view().chargers[0].serial
        gw.plug_in(sn)
        gw.advance("1h")
        http, _ = await logged_in(gw)
        site = await site_id(http)
        day = gw.world.charger_view(sn).at
        from datetime import UTC, datetime

        date = datetime.fromtimestamp(day, UTC).strftime("%d-%m-%Y")
        params = {"offset": 0, "limit": 20, "startDate": date, "endDate": date, "timezone": "UTC"}
        url = f"/service/enho_historical_events_ms/{site}/sessions/{sn}/history"
        async with http.post(url, json={"source": "evse", "params": params}) as response:
            assert response.status == 200
            [row] = (await response.json())["data"]["result"]
        assert row["endTime"] is None and row["id"].startswith(sn)
        bad = {**params, "timezone": "Mars/Olympus"}
        async with http.post(url, json={"source": "evse", "params": bad}) as response:
            assert response.status == 400


async def test_a_scenario_override_replaces_the_cloud_status_body() -> None:
    scenario = {
        "seed": 7,
        "chargers": [{"id": "garage"}],
        "overrides": {"cloud_status": {"meta": {}, "data": {"chargers": []}, "error": {}}},
    }
    async with Gateway.start(scenario) as gw:
        http, _ = await logged_in(gw)
        site = await site_id(http)
        async with http.get(f"{EVSE}/{site}/ev_chargers/status") as response:
            assert (await response.json())["data"] == {"chargers": []}


async def test_too_many_sessions_is_the_text_clients_look_for() -> None:
    async with Gateway.start() as gw:
        for _ in range(10):
            await logged_in(gw)
        http = gw.cloud_client()
        async with http.post("/login/login.json", data=OWNER) as response:
            assert response.status == 400
            assert "too many active sessions" in (await response.text()).lower()


async def test_mfa_resend_rotates_the_nonce_and_the_old_one_dies() -> None:
    scenario = {
        "seed": 7,
        "chargers": [{"id": "garage"}],
        "accounts": {"users": [{"email": "m@example.com", "password": "pw", "mfa": 4711}]},
    }
    async with Gateway.start(scenario) as gw:
        http = gw.cloud_client()
        form = {"user[email]": "m@example.com", "user[password]": "pw"}
        async with http.post("/login/login.json", data=form) as response:
            assert await response.json() == {"requires_mfa": True}
        first = {c.key: c.value for c in http.cookie_jar}["login_otp_nonce"]
        async with http.post("/app-api/generate_mfa_login_otp", data={"locale": "en"}) as response:
            assert await response.json() == {"success": True, "isBlocked": False}
        assert {c.key: c.value for c in http.cookie_jar}["login_otp_nonce"] != first
        stale = gw.client(base_url=gw.cloud_url, cookies={"login_otp_nonce": first})
        otp = {"email": "bUBleGFtcGxlLmNvbQ==", "otp": "NDcxMQ=="}  # base64, as the app sends
        async with stale.post("/app-api/validate_login_otp", data=otp) as response:
            assert response.status == 401
        async with http.post("/app-api/validate_login_otp", data=otp) as response:
            body = await response.json()
        assert body["isValidMobileNumber"] is True and body["session_id"]


async def test_the_admin_journal_lists_cloud_requests() -> None:
    async with Gateway.start() as gw:
        await logged_in(gw)
        admin = gw.client()
        async with admin.get("/__emulator/requests?path=/login/**") as response:
            rows = (await response.json())["requests"]
        assert [(r["method"], r["status"]) for r in rows] == [("POST", 200)]


async def test_the_admin_api_blocks_accounts_and_ends_cloud_sessions() -> None:
    async with Gateway.start() as gw:
        http, _ = await logged_in(gw)
        admin = gw.client()
        async with admin.get("/__emulator/cloud/accounts") as response:
            directory = await response.json()
        assert [a["sessions"] for a in directory["accounts"]] == [1, 0]
        assert "password" not in directory["accounts"][0]
        url = "/__emulator/cloud/accounts/owner@example.com"
        async with admin.post(url, json={"blocked": True}) as response:
            assert response.status == 200
        async with http.get("/app-api/search_sites.json") as response:
            assert response.status == 401  # blocking ended the session
        async with http.post("/login/login.json", data=OWNER) as response:
            assert await response.json() == {"success": False, "isBlocked": True}
        async with admin.post(url, json={"blocked": "yes"}) as response:
            assert response.status == 400
        async with admin.post("/__emulator/cloud/accounts/nobody@x.org", json={}) as response:
            assert response.status == 404
        await logged_in(gw, {"user[email]": "installer@example.com", "user[password]": "emulator"})
        async with admin.post("/__emulator/cloud/logout", json={}) as response:
            assert await response.json() == {"ended": 1}


async def test_a_scenario_may_choose_409_for_not_plugged() -> None:
    scenario = {"seed": 7, "chargers": [{"id": "garage"}], "accounts": {"not_plugged_status": 409}}
    async with Gateway.start(scenario) as gw:
        sn = gw.world.view().chargers[0].serial
        http, _ = await logged_in(gw)
        site = await site_id(http)
        async with http.post(f"{EVSE}/{site}/ev_chargers/{sn}/start_charging") as response:
            assert response.status == 409
            assert (await response.json())["error"]["errorMessageCode"] == "iqevc_ms-10008"


async def test_a_raw_session_id_in_e_auth_token_is_enough() -> None:
    async with Gateway.start() as gw:
        _, body = await logged_in(gw)
        bare = gw.client(base_url=gw.cloud_url, headers={"e-auth-token": body["session_id"]})
        async with bare.get("/app-api/search_sites.json") as response:
            assert response.status == 200
        forged = gw.client(base_url=gw.cloud_url, headers={"e-auth-token": "0" * 32})
        async with forged.get("/app-api/search_sites.json") as response:
            assert response.status == 401


async def test_a_fault_rule_makes_login_a_503_and_the_certificate_names_the_cloud() -> None:
    scenario = {
        "seed": 7,
        "chargers": [{"id": "garage"}],
        "faults": [{"path": "/login/login.json", "status": 503, "times": 1}],
    }
    async with Gateway.start(scenario) as gw:
        assert {"enlighten.enphaseenergy.com", "entrez.enphaseenergy.com"} <= set(
            gw.emulator.certs.names
        )
        http = gw.cloud_client()
        async with http.post("/login/login.json", data=OWNER) as response:
            assert response.status == 503
            assert response.content_type == "application/json"
        async with http.post("/login/login.json", data=OWNER) as response:
            assert response.status == 200
