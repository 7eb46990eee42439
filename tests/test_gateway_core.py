"""Issue 2: HTTPS, /info, tokens, sessions, the role policy and the admin API."""

from __future__ import annotations

import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from emulator.certs import prepare
from emulator.fronts.gateway.responses import UNAUTHORIZED_PAGE
from emulator.model.tokens import TokenAuthority

from .conftest import Api

OBSERVED_HEADERS = {
    "Server": "openresty/1.17.8.1",
    "Strict-Transport-Security": "max-age=63072000; includeSubdomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


async def test_info_is_the_gateway_xml_with_real_headers(api: Api) -> None:
    status, body, response = await api.call("GET", "/info")
    assert status == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    for name, value in OBSERVED_HEADERS.items():
        assert response.headers[name] == value
    root = ET.fromstring(body)
    assert root.tag == "envoy_info"
    assert root.findtext("device/software") == "D7.6.175"
    assert root.findtext("device/sn") == api.emulator.world.gateway.serial
    assert root.findtext("device/pn") == "800-00654-r08"
    assert root.findtext("web-tokens") == "true"


async def test_minted_tokens_have_entrez_header_and_claims(api: Api) -> None:
    now = api.emulator.world.now()
    for role, lifetime in (("owner", 365 * 86400), ("installer", 12 * 3600)):
        token = await api.token(role, username="me@example.com")
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "ES256" and header["typ"] == "JWT" and header["kid"]
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["aud"] == api.emulator.world.gateway.serial
        assert claims["iss"] == "Entrez"
        assert claims["enphaseUser"] == role
        assert claims["username"] == "me@example.com"
        assert claims["iat"] == int(now)
        assert claims["exp"] - claims["iat"] == lifetime
        assert len(claims["jti"]) >= 16


async def test_ttl_is_honoured(api: Api) -> None:
    token = await api.token("installer", ttl_s=60)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 60


async def test_check_jwt_answers_the_real_body_and_a_session_cookie(api: Api) -> None:
    token = await api.token("installer")
    status, body, response = await api.call("GET", "/auth/check_jwt", token=token)
    assert status == 200
    assert body == b"<!DOCTYPE html><h2>Valid token.</h2>\n"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("sessionId=")
    assert cookie.endswith("; Secure; HttpOnly; path=/")
    # the cookie alone now opens an EV route
    session_id = cookie.split(";")[0].split("=", 1)[1]
    status, _ = await api.get("/ivp/pdm/chargers", headers={"Cookie": f"sessionId={session_id}"})
    assert status == 200


async def test_401_is_the_gateways_page_without_www_authenticate(api: Api) -> None:
    status, body, response = await api.call("GET", "/ivp/pdm/chargers")
    assert status == 401
    assert body == UNAUTHORIZED_PAGE
    assert len(body) == 555
    assert b"\r\n" in body and b"<title>401 Authorization Required</title>" in body
    assert b"/home" in body
    assert "WWW-Authenticate" not in response.headers
    assert response.headers["Content-Type"] == "text/html"
    assert set(response.headers) <= {
        "Server",
        "Date",
        "Content-Type",
        "Content-Length",
        "Connection",
    }


def forged_token(serial: str, role: str = "installer") -> str:
    other = TokenAuthority(ec.generate_private_key(ec.SECP256R1()))
    return other.mint(role=role, serial=serial, now=2_000_000_000 - 3600)


async def credentials(api: Api) -> dict[str, str | None]:
    serial = api.emulator.world.gateway.serial
    now = api.emulator.world.now()
    own = api.emulator.authority
    return {
        "none": None,
        "owner": await api.token("owner"),
        "installer": await api.token("installer"),
        "expired": own.mint(role="installer", serial=serial, now=now - 13 * 3600),
        "wrong_key": TokenAuthority(ec.generate_private_key(ec.SECP256R1())).mint(
            role="installer", serial=serial, now=now
        ),
        "wrong_aud": own.mint(role="installer", serial="999999999999", now=now),
        "garbage": "not.a.jwt",
    }


MATRIX = {
    # credential: (EV route, /info, admin health)
    "none": (401, 200, 200),
    "owner": (401, 200, 200),
    "installer": (200, 200, 200),
    "expired": (401, 200, 200),
    "wrong_key": (401, 200, 200),
    "wrong_aud": (401, 200, 200),
    "garbage": (401, 200, 200),
}


async def test_auth_matrix(api: Api) -> None:
    creds = await credentials(api)
    seen = {}
    for name, token in creds.items():
        row = []
        for path in ("/ivp/pdm/chargers", "/info", "/__emulator/health"):
            status, _ = await api.get(path, token=token)
            row.append(status)
        check_status, _ = await api.get("/auth/check_jwt", token=token)
        assert (check_status == 200) == (name in ("owner", "installer")), name
        seen[name] = tuple(row)
    assert seen == MATRIX


async def test_policy_switch_opens_ev_routes_to_owners(make_api) -> None:  # type: ignore[no-untyped-def]
    api = await make_api("gateway: {ev_min_role: owner}\nchargers: [{id: a}]\n")
    owner = await api.token("owner")
    assert (await api.get("/ivp/pdm/chargers", token=owner))[0] == 200
    assert (await api.get("/ivp/pdm/chargers"))[0] == 401


async def test_session_expires_after_ten_idle_minutes(api: Api) -> None:
    token = await api.token("installer")
    _, _, response = await api.call("GET", "/auth/check_jwt", token=token)
    cookie = {"Cookie": response.headers["Set-Cookie"].split(";")[0]}
    await api.advance(9 * 60 + 59)
    assert (await api.get("/ivp/pdm/chargers", headers=cookie))[0] == 200  # restarts the timer
    await api.advance(9 * 60 + 59)
    assert (await api.get("/ivp/pdm/chargers", headers=cookie))[0] == 200
    await api.advance(600)
    assert (await api.get("/ivp/pdm/chargers", headers=cookie))[0] == 401
    # the token itself still works and opens a new session
    assert (await api.get("/ivp/pdm/chargers", token=token))[0] == 200


async def test_installer_token_dies_after_twelve_hours_on_the_emulator_clock(api: Api) -> None:
    token = await api.token("installer")
    await api.advance(12 * 3600 - 1)
    assert (await api.get("/ivp/pdm/chargers", token=token))[0] == 200
    await api.advance(1)
    assert (await api.get("/ivp/pdm/chargers", token=token))[0] == 401


async def test_revoke_tokens_and_reboot(api: Api) -> None:
    token = await api.token("installer")
    _, _, response = await api.call("GET", "/auth/check_jwt", token=token)
    cookie = {"Cookie": response.headers["Set-Cookie"].split(";")[0]}
    status, body = await api.post("/__emulator/gateway/events", {"event": "reboot"})
    assert status == 200 and body["sessions_dropped"] == 1
    assert (await api.get("/ivp/pdm/chargers", headers=cookie))[0] == 401
    assert (await api.get("/ivp/pdm/chargers", token=token))[0] == 200
    await api.post("/__emulator/gateway/events", {"event": "revoke_tokens"})
    assert (await api.get("/ivp/pdm/chargers", token=token))[0] == 401
    fresh = await api.token("installer")
    assert (await api.get("/ivp/pdm/chargers", token=fresh))[0] == 200


async def test_options_on_ev_routes_is_204_without_auth(api: Api) -> None:
    status, _, response = await api.call("OPTIONS", f"/ivp/pdm/charger/{api.serial}/status")
    assert status == 204
    assert "GET" in response.headers["Allow"]


async def test_unknown_ivp_path_is_the_gateways_404(api: Api) -> None:
    status, body, _ = await api.call("GET", "/ivp/ocpp/whatever")
    assert status == 404
    assert body == {"error": "404 - Not Found"}
    status, body, _response = await api.call("GET", "/not/a/route")
    assert status == 404 and "no such path" in body["error"]["message"]


async def test_ca_is_served_and_reused_across_starts(certs_dir: Path, make_api) -> None:  # type: ignore[no-untyped-def]
    first = await make_api()
    second = await make_api()
    assert first.emulator.certs.ca_fingerprint == second.emulator.certs.ca_fingerprint
    status, body, _response = await first.call("GET", "/__emulator/ca.pem")
    assert status == 200 and body == (certs_dir / "ca.pem").read_bytes()


def test_private_keys_are_owner_only(tmp_path: Path) -> None:
    prepare(tmp_path)
    TokenAuthority.from_dir(tmp_path)
    for name in ("ca-key.pem", "server.pem", "token-signing-key.pem"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))


def test_server_certificate_covers_extra_names(tmp_path: Path) -> None:
    from cryptography import x509

    certs = prepare(tmp_path, ("envoy.lan", "10.1.2.3"))
    pem = certs.server_path.read_bytes()
    cert_pem = pem[pem.index(b"-----BEGIN CERTIFICATE-----") :]
    cert = x509.load_pem_x509_certificate(cert_pem)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    names = set(san.get_values_for_type(x509.DNSName))
    ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    assert {"envoy.local", "localhost", "envoy.lan"} <= names
    assert {"127.0.0.1", "::1", "10.1.2.3"} <= ips


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", None),
        (b"[1, 2]", None),
        (b'{"role": "root"}', "role"),
        (b'{"role": "owner", "ttl_s": "long"}', "ttl_s"),
        (b'{"role": "owner", "colour": "blue"}', "colour"),
        (b"", None),
    ],
)
async def test_bad_admin_input_is_a_400_naming_the_problem(api: Api, body: bytes, field) -> None:  # type: ignore[no-untyped-def]
    status, answer, _ = await api.call("POST", "/__emulator/tokens", data=body)
    assert status == 400
    assert answer["error"]["message"]
    if field:
        assert answer["error"]["field"] == field


async def test_admin_token_gates_the_admin_api(make_api) -> None:  # type: ignore[no-untyped-def]
    api = await make_api(admin_token="s3cret")
    assert (await api.get("/__emulator/health"))[0] == 200
    status, body = await api.post("/__emulator/tokens", {"role": "owner"})
    assert status == 401 and "X-Emulator-Admin-Token" in body["error"]["message"]
    status, body = await api.post(
        "/__emulator/tokens", {"role": "owner"}, headers={"X-Emulator-Admin-Token": "s3cret"}
    )
    assert status == 200


async def test_wrong_method_is_405_with_allow(api: Api) -> None:
    status, body, response = await api.call("DELETE", "/ivp/pdm/chargers")
    assert status == 405
    assert "GET" in response.headers["Allow"]
    assert "DELETE" in body["error"]["message"]
