"""The cloud's accounts model: logins, MFA, session bounds and expiry on a manual clock."""

from __future__ import annotations

import pickle

import pytest

from emulator.model.accounts import (
    DEFAULT_INSTALLER,
    DEFAULT_OWNER,
    DEFAULT_PASSWORD,
    FIRST_USER_ID,
    MAX_OTP_ATTEMPTS,
    OTP_TTL_S,
    SESSION_TTL_S,
    AccountError,
    AccountRefusal,
    AccountRole,
    Accounts,
    LoginSession,
    PendingLogin,
    default_accounts,
    site_id_for,
)
from emulator.model.errors import ModelError, Refusal
from emulator.model.tokens import TokenAuthority

GATEWAY = "122312345678"
CHARGERS = ("202211110001", "202211110002")
R = AccountRefusal


class ManualClock:
    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def accounts(clock: ManualClock) -> Accounts:
    return default_accounts(clock, GATEWAY, CHARGERS, site_name="Home")


def refused(reason: AccountRefusal, call, *args):  # type: ignore[no-untyped-def]
    with pytest.raises(AccountError) as caught:
        call(*args)
    assert caught.value.reason is reason, caught.value.message
    return caught.value


def session_of(accounts: Accounts, email: str = DEFAULT_OWNER) -> LoginSession:
    result = accounts.login(email, DEFAULT_PASSWORD)
    assert isinstance(result, LoginSession)
    return result


def with_mfa(clock: ManualClock, **bounds: int) -> tuple[Accounts, PendingLogin]:
    accounts = Accounts(clock, **bounds)
    site = accounts.add_site("Home", GATEWAY, CHARGERS)
    accounts.add_account("mfa@example.com", "pw", sites=[site.site_id], mfa_code="123456")
    pending = accounts.login("mfa@example.com", "pw")
    assert isinstance(pending, PendingLogin)
    return accounts, pending


# -- the default directory --------------------------------------------------------------------


def test_default_accounts_are_deterministic(accounts: Accounts, clock: ManualClock) -> None:
    (site,) = accounts.sites
    assert site.site_id == site_id_for(GATEWAY)
    assert 1_000_000 <= site.site_id < 10_000_000
    assert (site.gateway_serial, site.charger_serials) == (GATEWAY, CHARGERS)
    owner, installer = accounts.accounts
    assert (owner.email, owner.role, owner.user_id) == (
        DEFAULT_OWNER,
        AccountRole.OWNER,
        FIRST_USER_ID,
    )
    assert (installer.email, installer.role) == (DEFAULT_INSTALLER, AccountRole.INSTALLER)
    assert owner.is_consumer and not installer.is_consumer
    assert owner.site_ids == installer.site_ids == [site.site_id]
    again = default_accounts(clock, GATEWAY, CHARGERS, site_name="Home")
    assert again.describe() == accounts.describe()
    assert "password" not in str(accounts.describe())


# -- login -------------------------------------------------------------------------------------


def test_login_opens_a_session_found_again_by_its_id(
    accounts: Accounts, clock: ManualClock
) -> None:
    session = session_of(accounts, "  Owner@Example.COM ")  # emails are case-insensitive
    assert len(session.session_id) == 32 and int(session.session_id, 16) >= 0
    assert session.expires_at == clock.t + SESSION_TTL_S
    assert accounts.session(session.session_id) is session
    other = session_of(accounts)
    assert other.session_id != session.session_id and other.xsrf_token != session.xsrf_token
    assert accounts.active_sessions(DEFAULT_OWNER) == 2


def test_bad_password_and_unknown_user_are_the_same_refusal(accounts: Accounts) -> None:
    wrong = refused(R.UNAUTHORISED, accounts.login, DEFAULT_OWNER, "nope")
    unknown = refused(R.UNAUTHORISED, accounts.login, "nobody@example.com", DEFAULT_PASSWORD)
    assert wrong.message == unknown.message
    assert isinstance(wrong, ModelError) and wrong.kind is Refusal.INVALID
    assert accounts.active_sessions() == 0


def test_a_blocked_account_is_told_so_only_with_the_right_password(accounts: Accounts) -> None:
    session = session_of(accounts)
    accounts.set_blocked(DEFAULT_OWNER)
    refused(R.UNAUTHORISED, accounts.session, session.session_id)  # blocking ends sessions
    refused(R.BLOCKED, accounts.login, DEFAULT_OWNER, DEFAULT_PASSWORD)
    refused(R.UNAUTHORISED, accounts.login, DEFAULT_OWNER, "nope")
    accounts.set_blocked(DEFAULT_OWNER, False)
    session_of(accounts)


def test_sessions_expire_on_the_injected_clock(accounts: Accounts, clock: ManualClock) -> None:
    session = session_of(accounts)
    clock.advance(SESSION_TTL_S - 1)
    assert accounts.session(session.session_id).last_seen == clock.t  # use does not extend it
    clock.advance(1)
    error = refused(R.UNAUTHORISED, accounts.session, session.session_id)
    assert "expired" in error.message
    refused(R.UNAUTHORISED, accounts.session, session.session_id)  # and it is forgotten
    assert accounts.active_sessions() == 0


def test_logout_and_logout_all(accounts: Accounts) -> None:
    one, two = session_of(accounts), session_of(accounts)
    installer = session_of(accounts, DEFAULT_INSTALLER)
    assert accounts.logout(one.session_id) and not accounts.logout(one.session_id)
    refused(R.UNAUTHORISED, accounts.session, one.session_id)
    assert accounts.logout_all(DEFAULT_OWNER) == 1
    refused(R.UNAUTHORISED, accounts.session, two.session_id)
    assert accounts.session(installer.session_id) is installer
    assert accounts.logout_all() == 1


# -- MFA ---------------------------------------------------------------------------------------


def test_mfa_right_code_opens_a_session(clock: ManualClock) -> None:
    accounts, pending = with_mfa(clock)
    assert pending.expires_at == clock.t + OTP_TTL_S and accounts.active_sessions() == 0
    session = accounts.validate_otp(pending.nonce, "MFA@example.com", " 123456 ")
    assert accounts.session(session.session_id) is session
    refused(R.UNAUTHORISED, accounts.validate_otp, pending.nonce, "mfa@example.com", "123456")


def test_mfa_wrong_codes_are_bounded(clock: ManualClock) -> None:
    accounts, pending = with_mfa(clock)
    for left in range(MAX_OTP_ATTEMPTS - 1, 0, -1):
        error = refused(R.MFA_INVALID, accounts.validate_otp, pending.nonce, "mfa@example.com", "1")
        assert f"{left} attempt" in error.message
    refused(R.MFA_BLOCKED, accounts.validate_otp, pending.nonce, "mfa@example.com", "1")
    refused(R.UNAUTHORISED, accounts.validate_otp, pending.nonce, "mfa@example.com", "123456")
    assert accounts.active_sessions() == 0


def test_mfa_with_another_email_counts_as_a_wrong_code(clock: ManualClock) -> None:
    accounts, pending = with_mfa(clock, max_otp_attempts=1)
    refused(R.MFA_BLOCKED, accounts.validate_otp, pending.nonce, "owner@example.com", "123456")


def test_mfa_code_expires(clock: ManualClock) -> None:
    accounts, pending = with_mfa(clock)
    clock.advance(OTP_TTL_S)
    refused(R.UNAUTHORISED, accounts.validate_otp, pending.nonce, "mfa@example.com", "123456")


def test_mfa_resend_rotates_the_nonce_and_is_bounded(clock: ManualClock) -> None:
    accounts, pending = with_mfa(clock, max_otp_resends=1)
    old = pending.nonce
    clock.advance(OTP_TTL_S - 1)
    again = accounts.resend_otp(old)
    assert again.nonce != old and again.expires_at == clock.t + OTP_TTL_S
    refused(R.UNAUTHORISED, accounts.validate_otp, old, "mfa@example.com", "123456")
    refused(R.MFA_BLOCKED, accounts.resend_otp, again.nonce)
    refused(R.UNAUTHORISED, accounts.resend_otp, again.nonce)


def test_a_new_login_replaces_the_pending_one(clock: ManualClock) -> None:
    accounts, first = with_mfa(clock)
    second = accounts.login("mfa@example.com", "pw")
    assert isinstance(second, PendingLogin) and second.nonce != first.nonce
    refused(R.UNAUTHORISED, accounts.validate_otp, first.nonce, "mfa@example.com", "123456")
    accounts.validate_otp(second.nonce, "mfa@example.com", "123456")


# -- bounds ------------------------------------------------------------------------------------


def test_too_many_sessions_per_account(clock: ManualClock) -> None:
    accounts = Accounts(clock, max_sessions_per_account=2, session_ttl_s=100)
    accounts.add_account("a@example.com", "pw")
    first = accounts.login("a@example.com", "pw")
    clock.advance(30)
    accounts.login("a@example.com", "pw")
    error = refused(R.TOO_MANY_SESSIONS, accounts.login, "a@example.com", "pw")
    assert "Too many active sessions" in error.message and error.retry_after_s == 70
    assert isinstance(first, LoginSession) and accounts.logout(first.session_id)
    accounts.login("a@example.com", "pw")  # a freed place can be taken
    clock.advance(100)  # and expiry frees them all
    accounts.login("a@example.com", "pw")
    assert accounts.active_sessions("a@example.com") == 1


def test_the_emulator_wide_bound_rate_limits_with_a_retry_time(clock: ManualClock) -> None:
    accounts = Accounts(clock, max_sessions=2, session_ttl_s=60)
    accounts.add_account("a@example.com", "pw")
    accounts.add_account("b@example.com", "pw")
    accounts.login("a@example.com", "pw")
    clock.advance(10.5)
    accounts.login("b@example.com", "pw")
    error = refused(R.RATE_LIMITED, accounts.login, "b@example.com", "pw")
    assert error.retry_after_s == 50  # whole seconds, rounded up, until the first one ends
    clock.advance(50)
    accounts.login("b@example.com", "pw")  # the expired one was purged to make room
    assert accounts.purge() == 0


def test_bounds_must_be_sane(clock: ManualClock) -> None:
    for bad in ({"session_ttl_s": 0}, {"max_sessions": 0}, {"max_otp_attempts": 0}):
        with pytest.raises(ModelError):
            Accounts(clock, **bad)


# -- what a session may see --------------------------------------------------------------------


def test_sites_are_only_visible_to_their_accounts(accounts: Accounts) -> None:
    owner = session_of(accounts)
    (site,) = accounts.sites_of(owner)
    assert accounts.site_for(owner, str(site.site_id)) is site
    other = accounts.add_site("Elsewhere", "122399999999")
    refused(R.FORBIDDEN, accounts.site_for, owner, other.site_id)
    refused(R.FORBIDDEN, accounts.site_for, owner, 1)  # unknown looks the same as not yours
    with pytest.raises(ModelError) as caught:
        accounts.site_for(owner, "12a")
    assert caught.value.kind is Refusal.INVALID
    assert accounts.charger_site(owner, site.site_id, CHARGERS[0]) is site
    with pytest.raises(ModelError) as missing:
        accounts.charger_site(owner, site.site_id, "202299999999")
    assert missing.value.kind is Refusal.NOT_FOUND
    updated = accounts.set_chargers(str(site.site_id), [*CHARGERS, "202299999999"])
    assert accounts.charger_site(owner, site.site_id, "202299999999") is updated


def test_gateway_grant_is_what_entrez_may_mint(accounts: Accounts, clock: ManualClock) -> None:
    owner, installer = session_of(accounts), session_of(accounts, DEFAULT_INSTALLER)
    grant = accounts.gateway_grant(owner.session_id, GATEWAY, "OWNER@example.com")
    assert (grant.role, grant.serial, grant.username) == ("owner", GATEWAY, DEFAULT_OWNER)
    assert accounts.gateway_grant(installer.session_id, GATEWAY, DEFAULT_INSTALLER).role == (
        "installer"
    )
    refused(R.FORBIDDEN, accounts.gateway_grant, owner.session_id, "122399999999", DEFAULT_OWNER)
    refused(R.UNAUTHORISED, accounts.gateway_grant, owner.session_id, GATEWAY, DEFAULT_INSTALLER)
    refused(R.UNAUTHORISED, accounts.gateway_grant, "no-such-session", GATEWAY, DEFAULT_OWNER)
    authority = TokenAuthority.ephemeral()
    token = authority.mint(
        role=grant.role, serial=grant.serial, now=clock.t, username=grant.username
    )
    claims = authority.verify(token, serial=GATEWAY, now=clock.t)
    assert (claims.role, claims.username) == ("owner", DEFAULT_OWNER)


def test_access_and_manager_claims_carry_what_clients_decode(accounts: Accounts) -> None:
    session = session_of(accounts)
    claims = accounts.access_claims(session.session_id, DEFAULT_OWNER)
    assert claims["session_id"] == session.session_id
    assert claims["user_id"] == str(FIRST_USER_ID)
    assert claims["exp"] == int(session.expires_at)  # the token dies with its session
    refused(R.UNAUTHORISED, accounts.access_claims, session.session_id, DEFAULT_INSTALLER)
    manager = accounts.manager_claims(session)
    assert manager["data"] == {
        "session_id": session.session_id,
        "user_id": str(FIRST_USER_ID),
        "email": DEFAULT_OWNER,
        "first_name": "owner",
        "is_consumer": True,
    }


def test_account_errors_are_model_errors_that_survive_pickling() -> None:
    error = AccountError(R.RATE_LIMITED, "full", retry_after_s=5.0)
    assert isinstance(error, ModelError) and error.kind is Refusal.CONFLICT
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.reason, copy.message, copy.retry_after_s) == (R.RATE_LIMITED, "full", 5.0)
    assert AccountError(R.FORBIDDEN, "no").kind is Refusal.NOT_FOUND


def test_accounts_and_sites_are_validated(accounts: Accounts) -> None:
    with pytest.raises(ModelError):
        accounts.add_account("owner@example.com", "x")  # exists
    with pytest.raises(ModelError):
        accounts.add_account("not-an-email", "x")
    with pytest.raises(ModelError):
        accounts.add_account("c@example.com", "x", role="admin")
    with pytest.raises(ModelError):
        accounts.add_account("c@example.com", "x", sites=[42])
    with pytest.raises(ModelError):
        accounts.add_site("Again", GATEWAY)  # the gateway already has a site
    with pytest.raises(ModelError):
        accounts.account("nobody@example.com")
