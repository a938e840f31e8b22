"""The sign-in panel under AppTest: the throttle across sessions, the right re-checked on every run,
sign-out in both modes, malformed hashes on the form, and OIDC claims from st.user."""

import datetime as dt
import logging

import pytest
from streamlit.testing.v1 import AppTest

from harrow_kpi import auth, store
from harrow_kpi.ui import signin
from tests.helpers import ROOT, private_store, without_sign_ins

PASSWORD = "correct horse battery"
HASH = auth.hash_password(PASSWORD, iterations=1000)


@pytest.fixture()
def private(db_file, tmp_path, monkeypatch):
    path = without_sign_ins(private_store(db_file, tmp_path))
    monkeypatch.setenv("HARROW_KPI_DB", str(path))
    monkeypatch.delenv("HARROW_KPI_OFFICERS", raising=False)
    return path


def upload_page(secrets=None, user=None) -> AppTest:
    """A new session (a new tab) on the upload page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets.update(secrets if secrets is not None else {"officers": {"jsmith": HASH}})
    if user is not None:
        at.user = user
    at.run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def try_password(at, password, name="jsmith"):
    at.text_input(key="sign_in_name").set_value(name)
    at.text_input(key="sign_in_password").set_value(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


def warnings(at) -> list[str]:
    """The warnings as read on the page (the escaping that keeps an e-mail address plain text taken off)."""
    return [w.value.replace("\\", "") for w in at.warning]


def unlocked(at) -> bool:
    return bool(at.get("file_uploader"))


def test_five_wrong_passwords_in_one_tab_lock_the_sixth_in_a_new_tab(private, monkeypatch):
    moment = dt.datetime.now(dt.UTC)
    monkeypatch.setattr(auth, "now", lambda: moment)  # the clock stands still while the test types
    tab = upload_page()
    for _ in range(5):
        assert try_password(tab, "wrong password") == ["That officer name and password do not match."]
    other = upload_page()
    errors = try_password(other, PASSWORD)
    assert errors == ["Too many wrong passwords for this officer name. Wait 60 seconds before trying again."]
    assert not unlocked(other)
    with store.opened(private) as db:
        audit = auth.attempts(db)
    assert [row["outcome"] for row in audit] == ["locked", *["refused"] * 5]
    assert audit[0]["officer"] == "jsmith" and audit[0]["wait_seconds"] == 60


def test_after_the_wait_the_right_password_signs_in(private, monkeypatch):
    tab = upload_page()
    for _ in range(5):
        try_password(tab, "wrong password")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61)
    monkeypatch.setattr(auth, "now", lambda: later)
    assert try_password(upload_page(), PASSWORD) == []  # and it reran into the signed-in page


def test_the_right_password_unlocks_and_sign_out_locks_again(private):
    at = upload_page()
    try_password(at, PASSWORD)
    assert unlocked(at) and at.session_state["officer"] == "jsmith"
    at.button(key="sign_out").click().run()
    assert not unlocked(at) and "officer" not in at.session_state
    assert any("locked until an officer signs in" in w.value for w in at.warning)


def test_removing_an_officer_from_the_secrets_locks_their_open_session_at_the_next_click(private):
    at = upload_page({"officers": {"jsmith": HASH, "akhan": HASH}})
    try_password(at, PASSWORD)
    assert unlocked(at)
    at.secrets["officers"] = {"akhan": HASH}
    at.run()
    assert not unlocked(at)
    assert any("Your officer sign-in has ended" in w.value for w in at.warning)


def test_a_changed_password_hash_ends_the_session(private):
    at = upload_page()
    try_password(at, PASSWORD)
    at.secrets["officers"] = {"jsmith": auth.hash_password("another long passphrase", iterations=1000)}
    at.run()
    assert not unlocked(at)


def test_removing_an_officer_from_the_environment_locks_them_too(private, monkeypatch):
    monkeypatch.setenv("HARROW_KPI_OFFICERS", f"akhan={HASH}")
    at = upload_page({})
    try_password(at, PASSWORD, name="akhan")
    assert unlocked(at)
    monkeypatch.setenv("HARROW_KPI_OFFICERS", "")
    at.run()
    assert not unlocked(at)


def test_a_malformed_stored_hash_is_reported_on_the_form_and_in_the_log(private, caplog):
    # What bash leaves of HARROW_KPI_OFFICERS="jsmith=pbkdf2_sha256$240000$..." in double quotes.
    signin._reported_at_start.clear()  # logged once per process: an earlier test may have logged it
    with caplog.at_level(logging.WARNING, logger="harrow_kpi.signin"):
        at = upload_page({"officers": {"jsmith": "pbkdf2_sha25640000", "akhan": HASH}})
    assert any("password hash of 1 officer account is malformed" in e.value for e in at.error)
    assert "Officer 'jsmith' cannot sign in: the stored password hash is malformed: it has 1 part" in caplog.text
    errors = try_password(at, "anything at all")
    assert any("The stored password hash for this officer is malformed" in e for e in errors)


def test_the_help_shows_single_quoted_examples(private):
    at = upload_page({})
    help_text = at.info[0].value
    assert "HARROW_KPI_OFFICERS='jsmith=pbkdf2_sha256$240000$...'" in help_text
    assert "jsmith = 'pbkdf2_sha256$240000$...'" in help_text
    assert '"' not in help_text


# --- OIDC: st.user as AppTest seeds it ------------------------------------------------------

AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "kpi", "client_secret": "s", "server_metadata_url": "http://localhost:1/.well-known"},
        "officers_oidc": {"officer_domains": ["harrow.gov.uk"], "officer_groups": ["kpi-officers"]}}


def signed_in(email, **claims):
    return {"is_logged_in": True, "email": email, "sub": email, **claims}


def test_a_council_officer_with_a_verified_address_is_unlocked_and_sign_out_calls_st_logout(private):
    at = upload_page(AUTH, signed_in("j.smith@harrow.gov.uk", email_verified=True))
    assert unlocked(at) and at.session_state["officer"] == "j.smith@harrow.gov.uk"
    assert any("council account" in c.value for c in at.caption)
    at.button(key="sign_out").click().run()
    assert at.user == {"is_logged_in": False}  # st.logout() ran
    assert not unlocked(at) and "officer" not in at.session_state
    assert at.button(key="oidc_login").label == "Sign in with your council account"


@pytest.mark.parametrize("claims,message", [
    (signed_in("someone@example.org", email_verified=True), "not on the list of officers allowed to upload"),
    (signed_in("x@harrow.gov.uk", email_verified="false"), "has not confirmed that address"),
    (signed_in("x@harrow.gov.uk", email_verified=0), "has not confirmed that address"),
    (signed_in("x@evil.com@harrow.gov.uk", email_verified=True), "did not send one valid e-mail address"),
])
def test_unlisted_or_unverified_council_users_stay_locked_with_a_clear_message(private, claims, message):
    at = upload_page(AUTH, claims)
    assert not unlocked(at)
    assert any(message in w for w in warnings(at)), warnings(at)
    assert at.button(key="oidc_logout").label == "Sign out"


def test_a_group_member_is_an_officer_without_a_verified_address(private):
    at = upload_page(AUTH, signed_in("partner@example.org", groups=["kpi-officers"]))
    assert unlocked(at)


def test_dropping_the_domain_from_the_rules_locks_an_open_council_session(private):
    at = upload_page(AUTH, signed_in("j.smith@harrow.gov.uk", email_verified=True))
    assert unlocked(at)
    at.secrets["officers_oidc"] = {"officer_emails": ["someone.else@harrow.gov.uk"]}
    at.run()
    assert not unlocked(at) and "officer" not in at.session_state


def test_an_expired_identity_token_locks_the_session(private):
    past = int(dt.datetime.now(dt.UTC).timestamp()) - 10
    at = upload_page(AUTH, signed_in("j.smith@harrow.gov.uk", email_verified=True, exp=past))
    assert not unlocked(at)
    assert any("Your council sign-in has expired" in w for w in warnings(at))


def test_council_sign_ins_are_audited_once_per_session(private):
    at = upload_page(AUTH, signed_in("j.smith@harrow.gov.uk", email_verified=True))
    at.run()
    upload_page(AUTH, signed_in("x@harrow.gov.uk", email_verified="false"))
    with store.opened(private) as db:
        audit = [(r["method"], r["officer"], r["outcome"]) for r in auth.attempts(db)]
    assert audit == [("oidc", "x@harrow.gov.uk", "refused"), ("oidc", "j.smith@harrow.gov.uk", "accepted")]
