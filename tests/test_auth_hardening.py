"""Issue "Hostile input and long runs", auth part: revocation across resets, time claims on
the emulator clock, exact claim shapes, a verified-token cache that cannot go stale, and a
session store with a bound. Every 401 stays the gateway's one page; the reason is for the
caller of the Python API (journal, dashboards)."""

from __future__ import annotations

import itertools
import json
import tracemalloc
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.api_jws import PyJWS

from emulator.fronts.gateway.responses import UNAUTHORIZED_PAGE
from emulator.model.auth import Caller, GatewayAuth
from emulator.model.roles import Role
from emulator.model.sessions import MAX_SESSIONS, SessionStore
from emulator.model.tokens import KEY_FILE, Denial, InvalidToken, TokenAuthority, load_or_create_key
from emulator.testing import Gateway

SERIAL = "122352601815"
T0 = 2_240_000_000.0  # 2040: far from the wall clock, so a wall-clock check would show
EVENTS = ("revoke", "reboot", "reset")
SCENARIO = "clock: {start: '2026-06-01T12:00:00Z'}\nchargers: [{id: garage}]\n"
EV_ROUTE = "/ivp/pdm/chargers"


# -- a world's auth without the world -----------------------------------------------------------


@dataclass
class Site:
    """What a world gives its GatewayAuth: a serial and a clock. ``reset`` does what
    Emulator.reset does to auth: a new GatewayAuth, the same authority, the clock back."""

    authority: TokenAuthority
    now: float = T0
    serial: str = SERIAL
    auth: GatewayAuth = field(init=False)

    def __post_init__(self) -> None:
        self.auth = self._new_auth()

    def _new_auth(self) -> GatewayAuth:
        return GatewayAuth(self.authority, lambda: self.serial, lambda: self.now)

    def reset(self) -> None:
        self.now = T0
        self.auth = self._new_auth()

    def event(self, name: str) -> None:
        if name == "revoke":
            self.auth.revoke_all()
        elif name == "reboot":
            self.auth.drop_sessions()
        else:
            self.reset()


@pytest.fixture
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def site(key: ec.EllipticCurvePrivateKey) -> Site:
    return Site(TokenAuthority(key))


def signed(key: ec.EllipticCurvePrivateKey, claims: dict[str, Any], **header: Any) -> str:
    """Signed as is: PyJWT's own ``jwt.encode`` refuses some of the shapes tested here."""
    payload = json.dumps(claims).encode()
    return PyJWS().encode(payload, key, "ES256", headers={"kid": "k", "typ": "JWT", **header})


def real_claims(now: float = T0, **changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "aud": SERIAL,
        "iss": "Entrez",
        "enphaseUser": "installer",
        "exp": int(now) + 3600,
        "iat": int(now),
        "jti": "0123456789abcdef0123456789abcdef",
        "username": "me@example.com",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not ...}


def reason(caller: Caller) -> Denial | None:
    return caller.denial


# -- claim shapes --------------------------------------------------------------------------------

MALFORMED = {
    "aud list with the serial": real_claims(aud=[SERIAL]),
    "aud list with the serial and another": real_claims(aud=[SERIAL, "999"]),
    "aud missing": real_claims(aud=...),
    "aud a number": real_claims(aud=int(SERIAL)),
    "iss other": real_claims(iss="Other"),
    "iss missing": real_claims(iss=...),
    "iss list": real_claims(iss=["Entrez"]),
    "enphaseUser admin": real_claims(enphaseUser="admin"),
    "enphaseUser missing": real_claims(enphaseUser=...),
    "exp fractional": real_claims(exp=T0 + 3600.5),
    "exp a string": real_claims(exp=str(int(T0) + 3600)),
    "exp true": real_claims(exp=True),
    "exp missing": real_claims(exp=...),
    "exp huge": real_claims(exp=10**30),
    "iat missing": real_claims(iat=...),
    "iat fractional": real_claims(iat=T0 + 0.5),
    "iat negative": real_claims(iat=-1),
    "nbf a string": real_claims(nbf="0"),
    "jti missing": real_claims(jti=...),
    "jti a number": real_claims(jti=7),
    "username missing": real_claims(username=...),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_only_the_real_claim_shapes_pass(
    site: Site, key: ec.EllipticCurvePrivateKey, name: str
) -> None:
    caller = site.auth.identify(signed(key, MALFORMED[name]), None)
    assert caller.role is Role.ANYBODY and reason(caller) is Denial.MALFORMED, caller


def test_the_real_shape_passes_and_extra_headers_do_not(
    site: Site, key: ec.EllipticCurvePrivateKey
) -> None:
    assert site.auth.identify(signed(key, real_claims()), None).role is Role.INSTALLER
    for extra in ({"crit": ["exp"]}, {"jku": "https://evil.example/keys"}, {"typ": "at+jwt"}):
        caller = site.auth.identify(signed(key, real_claims(), **extra), None)
        assert reason(caller) is Denial.MALFORMED, extra


def test_each_failure_has_its_own_reason(site: Site, key: ec.EllipticCurvePrivateKey) -> None:
    other = TokenAuthority.ephemeral()
    good = site.auth.mint("installer")
    head, body, sig = good.split(".")
    cases = {
        "not.a.jwt": Denial.MALFORMED,
        "x" * 5000: Denial.MALFORMED,
        other.mint(role="installer", serial=SERIAL, now=T0): Denial.BAD_SIGNATURE,
        f"{head}.{body}.{sig[:9]}{'B' if sig[9] == 'A' else 'A'}{sig[10:]}": (Denial.BAD_SIGNATURE),
        f"{head}.{body}.{sig[::-1]}": Denial.MALFORMED,  # not even base64 of a signature
        jwt.encode(real_claims(), "a-shared-secret-that-is-32-bytes!", "HS256"): (
            Denial.BAD_SIGNATURE
        ),
        site.authority.mint(role="installer", serial="999999999999", now=T0): (Denial.WRONG_SERIAL),
    }
    for token, expected in cases.items():
        assert reason(site.auth.identify(token, None)) is expected, token[:40]
        with pytest.raises(InvalidToken) as refused:
            site.auth.login(token)
        assert refused.value.reason is expected
    assert site.auth.identify(None, None).refusal(Role.INSTALLER) == (
        Denial.NO_CREDENTIALS,
        "no Bearer token and no sessionId cookie",
    )
    owner = site.auth.identify(site.auth.mint("owner"), None)
    assert owner.role is Role.OWNER and owner.refusal(Role.OWNER) is None
    refusal = owner.refusal(Role.INSTALLER)
    assert refusal is not None and refusal.reason is Denial.ROLE_TOO_LOW


# -- time claims on the emulator clock -------------------------------------------------------------


def test_time_claims_are_judged_on_the_emulator_clock_both_ways(
    site: Site, key: ec.EllipticCurvePrivateKey
) -> None:
    # nbf an hour after iat; both in 2040 on the emulator clock, whatever the wall says
    token = signed(key, real_claims(T0, nbf=int(T0) + 3600, exp=int(T0) + 7200))

    def at(t: float) -> Denial | None:
        site.now = t
        return reason(site.auth.identify(token, None))

    assert at(T0 - 1) is Denial.NOT_YET_VALID  # before iat: a clock moved back
    assert at(T0 + 3599) is Denial.NOT_YET_VALID  # before nbf
    assert at(T0 + 3600) is None
    assert at(T0 + 7199) is None
    assert at(T0 + 7200) is Denial.EXPIRED
    assert at(T0 + 3600) is None  # back again: the verdict was never cached
    assert at(T0) is Denial.NOT_YET_VALID
    # a token whose nbf and iat are in the wall clock's past but the emulator's future
    early = signed(key, real_claims(1_000_000_000.0, exp=int(T0) + 10))
    site.now = 999_999_999.0
    assert reason(site.auth.identify(early, None)) is Denial.NOT_YET_VALID
    site.now = T0
    assert site.auth.identify(early, None).role is Role.INSTALLER


def test_a_minted_token_lives_from_iat_to_exp(site: Site) -> None:
    token = site.auth.mint("installer", ttl_s=60)
    for offset, expected in (
        (-1, Denial.NOT_YET_VALID),
        (0, None),
        (59, None),
        (60, Denial.EXPIRED),
    ):
        site.now = T0 + offset
        assert reason(site.auth.identify(token, None)) is expected, offset


def test_the_verified_cache_never_outlives_exp_revocation_or_serial(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = 0
    original = PyJWS.decode_complete

    def counting(self: PyJWS, *args: Any, **kwargs: Any) -> Any:
        nonlocal checks
        checks += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PyJWS, "decode_complete", counting)
    token = site.auth.mint("installer", ttl_s=600)
    for _ in range(100):
        assert site.auth.identify(token, None).role is Role.INSTALLER
    assert checks == 1  # the signature is checked once: the cache still serves throughput
    site.now = T0 + 600
    assert reason(site.auth.identify(token, None)) is Denial.EXPIRED
    site.now = T0 + 1
    assert site.auth.identify(token, None).role is Role.INSTALLER
    site.serial = "999999999999"  # a scenario with another gateway
    assert reason(site.auth.identify(token, None)) is Denial.WRONG_SERIAL
    site.serial = SERIAL
    site.auth.revoke_all()
    assert reason(site.auth.identify(token, None)) is Denial.REVOKED
    assert checks == 1


# -- revocation, reboot and reset in every order -----------------------------------------------


def expected(site: Site, revocations: int, minted: dict[str, Any]) -> Denial | None:
    if minted["revocations"] < revocations:
        return Denial.REVOKED
    if minted["iat"] > site.now:
        return Denial.NOT_YET_VALID
    return None


@pytest.mark.parametrize("order", list(itertools.product(EVENTS, repeat=3)), ids="-".join)
def test_revoke_reboot_reset_in_any_order_at_the_auth_level(
    site: Site, order: tuple[str, ...]
) -> None:
    """Before each event: ten minutes pass and a token and a session are made. After it,
    every token is revoked iff a revoke came after its minting (never by the clock), or
    not yet valid iff a reset took the clock back before its iat; every session is gone
    after any event."""
    tokens: list[dict[str, Any]] = []
    sessions: list[str] = []
    revocations = 0
    for event in (*order, None):
        site.now += 600
        token = site.auth.mint("installer")
        tokens.append({"token": token, "iat": int(site.now), "revocations": revocations})
        sessions.append(site.auth.login(token).session_id)
        assert site.auth.identify(None, sessions[-1]).role is Role.INSTALLER
        if event is None:
            break
        site.event(event)
        revocations += event == "revoke"
        for minted in tokens:
            want = expected(site, revocations, minted)
            assert reason(site.auth.identify(minted["token"], None)) is want, (event, minted)
        for session_id in sessions:
            assert site.auth.identify(None, session_id).role is Role.ANYBODY


def test_revocation_survives_reset_even_with_the_clock_back(site: Site) -> None:
    """The issue's reproduction: mint, reset, revoke."""
    site.now = T0 + 3600
    late = site.auth.mint("installer")
    site.reset()
    early = site.auth.mint("installer")  # at T0, before `late` on the clock
    site.auth.revoke_all()
    assert reason(site.auth.identify(early, None)) is Denial.REVOKED
    site.now = T0 + 7200
    assert reason(site.auth.identify(late, None)) is Denial.REVOKED
    site.reset()  # the clock back again does not bring them back
    fresh = site.auth.mint("installer")  # nor does a revocation "in the future" kill this
    assert site.auth.identify(fresh, None).role is Role.INSTALLER
    assert reason(site.auth.identify(early, None)) is Denial.REVOKED


def test_tokens_of_an_earlier_run_with_the_same_key_are_revoked_too(
    key: ec.EllipticCurvePrivateKey,
) -> None:
    earlier = TokenAuthority(key)
    earlier.revoke_all()
    old = earlier.mint(role="installer", serial=SERIAL, now=T0)  # its generation 1
    site = Site(TokenAuthority(key))
    assert site.auth.identify(old, None).role is Role.INSTALLER  # no revocation here yet
    site.auth.revoke_all()  # this run's generation 1: it must not match the other run's
    assert reason(site.auth.identify(old, None)) is Denial.REVOKED


# -- sessions: reasons, sweep and bound -----------------------------------------------------------


def test_a_session_says_why_it_ended(site: Site) -> None:
    token = site.auth.mint("installer", ttl_s=3600)
    sid = site.auth.login(token).session_id

    def why(session_id: str) -> Denial | None:
        return reason(site.auth.identify(None, session_id))

    assert why("nope") is Denial.SESSION_UNKNOWN
    site.now += 600
    assert why(sid) is Denial.SESSION_IDLE
    sid = site.auth.login(token).session_id
    site.now += 1200
    site.auth.login(token)  # sweeps the idle one
    assert why(sid) is Denial.SESSION_IDLE  # the same answer after a sweep
    sid = site.auth.login(token).session_id
    site.auth.drop_sessions()
    assert why(sid) is Denial.SESSION_DROPPED
    site.now = T0 + 3300
    sid = site.auth.login(token).session_id
    site.now = T0 + 3599
    assert why(sid) is None
    site.now = T0 + 3600
    assert why(sid) is Denial.EXPIRED  # a session lives no longer than its token
    site.now = T0
    sid = site.auth.login(token).session_id
    site.auth.revoke_all()
    assert why(sid) is Denial.REVOKED


def test_six_thousand_logins_do_not_make_six_thousand_sessions(site: Site) -> None:
    token = site.auth.mint("owner")
    first = [site.auth.login(token).session_id for _ in range(6000)]  # within one second
    assert len(site.auth.sessions) == MAX_SESSIONS
    evicted = first[-MAX_SESSIONS - 1]  # the last one evicted: its reason is remembered
    assert reason(site.auth.identify(None, evicted)) is Denial.SESSION_EVICTED
    assert reason(site.auth.identify(None, first[0])) is Denial.SESSION_UNKNOWN  # forgotten
    assert site.auth.identify(None, first[-1]).role is Role.OWNER
    site.now += 86400
    site.auth.login(token)
    assert len(site.auth.sessions) == 1  # a day later: the idle ones are swept
    for _ in range(6000):  # one login a second: at most ten minutes' worth stay
        site.now += 1
        site.auth.login(token)
    assert len(site.auth.sessions) == 600


def test_the_least_recently_used_session_is_evicted_first(site: Site) -> None:
    token = site.auth.mint("installer")
    store = SessionStore(max_sessions=3)
    auth = GatewayAuth(site.authority, lambda: SERIAL, lambda: site.now, sessions=store)
    a, b, c = (auth.login(token).session_id for _ in range(3))
    site.now += 1
    assert auth.identify(None, a).role is Role.INSTALLER  # a is now the most recent
    auth.login(token)
    assert reason(auth.identify(None, b)) is Denial.SESSION_EVICTED
    assert auth.identify(None, a).role is Role.INSTALLER
    assert auth.identify(None, c).role is Role.INSTALLER


def test_session_memory_is_bounded(site: Site) -> None:
    claims = site.auth.check(site.auth.mint("installer"))
    store = SessionStore()

    def logins(count: int) -> int:
        for _ in range(count):
            store.open(claims, site.now)
        return tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        warm = logins(3 * MAX_SESSIONS)  # full store, full memory of ended sessions
        after = logins(30 * MAX_SESSIONS)
    finally:
        tracemalloc.stop()
    assert len(store) == MAX_SESSIONS
    assert after - warm < 64 * 1024, (warm, after)


# -- end to end over HTTPS ----------------------------------------------------------------------


@pytest.fixture
async def gw() -> AsyncIterator[Gateway]:
    async with Gateway.start(SCENARIO) as gateway:
        yield gateway


async def status_of(http: aiohttp.ClientSession, headers: dict[str, str]) -> int:
    async with http.get(EV_ROUTE, headers=headers) as response:
        body = await response.read()
        if response.status == 401:
            assert body == UNAUTHORIZED_PAGE  # one page for every reason
            assert "WWW-Authenticate" not in response.headers
        return response.status


async def login(http: aiohttp.ClientSession, token: str) -> str:
    async with http.get("/auth/check_jwt", headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 200
        return r.cookies["sessionId"].value


EVENT_CALLS: dict[str, Callable[[Gateway], Any]] = {
    "revoke": Gateway.revoke_tokens,
    "reboot": Gateway.reboot,
    "reset": Gateway.reset,
}


@pytest.mark.parametrize("order", list(itertools.permutations(EVENTS)), ids="-".join)
async def test_revoke_reboot_reset_in_every_order_over_https(
    gw: Gateway, order: tuple[str, ...]
) -> None:
    tokens: list[tuple[str, int, int]] = []  # token, iat, revocations before it
    cookies: list[str] = []
    revocations = 0
    async with gw.client(cookie_jar=aiohttp.DummyCookieJar()) as http:
        for event in (*order, None):
            await gw.advance("5m")
            token = gw.token("installer")
            tokens.append((token, int(gw.now.timestamp()), revocations))
            cookies.append(await login(http, token))
            if event is None:
                break
            EVENT_CALLS[event](gw)
            revocations += event == "revoke"
            now = gw.now.timestamp()
            for token, iat, before in tokens:
                ok = before == revocations and iat <= now
                bearer = {"Authorization": f"Bearer {token}"}
                assert await status_of(http, bearer) == (200 if ok else 401), (event, iat, now)
            for cookie in cookies:  # every event ends every session
                assert await status_of(http, {"Cookie": f"sessionId={cookie}"}) == 401
        assert await status_of(http, {"Cookie": f"sessionId={cookies[-1]}"}) == 200


async def test_a_token_for_the_old_gateway_fails_after_a_scenario_swap(gw: Gateway) -> None:
    token = gw.token("installer")
    async with gw.client(cookie_jar=aiohttp.DummyCookieJar()) as http:
        cookie = await login(http, token)
        swapped = SCENARIO + "gateway: {serial: '999999999999'}\n"
        async with http.put("/__emulator/scenario", data=swapped) as response:
            assert response.status == 200, await response.text()
        assert await status_of(http, {"Authorization": f"Bearer {token}"}) == 401
        assert await status_of(http, {"Cookie": f"sessionId={cookie}"}) == 401
    assert reason(gw.world.auth.identify(token, None)) is Denial.WRONG_SERIAL
    assert reason(gw.world.auth.identify(None, cookie)) is Denial.SESSION_UNKNOWN


async def test_an_aud_list_is_a_401_page_over_https(gw: Gateway) -> None:
    good = gw.token("installer")
    claims = jwt.decode(good, options={"verify_signature": False})
    key = load_or_create_key(Path(gw.emulator.settings.certs_dir) / KEY_FILE)
    header = jwt.get_unverified_header(good)
    forged = jwt.encode({**claims, "aud": [gw.serial]}, key, algorithm="ES256", headers=header)
    async with gw.client(cookie_jar=aiohttp.DummyCookieJar()) as http:
        assert await status_of(http, {"Authorization": f"Bearer {good}"}) == 200
        assert await status_of(http, {"Authorization": f"Bearer {forged}"}) == 401


async def test_logins_over_https_are_swept(gw: Gateway) -> None:
    token = gw.token("installer")
    async with gw.client(cookie_jar=aiohttp.DummyCookieJar()) as http:
        for _ in range(50):
            await login(http, token)
        assert len(gw.world.auth.sessions) == 50
        await gw.advance("1d")
        token = gw.token("installer")
        await login(http, token)
    assert len(gw.world.auth.sessions) == 1
