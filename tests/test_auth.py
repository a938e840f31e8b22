"""Officer sign-in: salted hashes compared in constant time, malformed hashes named, the throttle
kept in the store, strict OIDC claims."""

import datetime as dt

import pytest

from harrow_kpi import auth, store
from tests.helpers import private_store, without_sign_ins

GOOD = auth.hash_password("correct horse battery", iterations=1000)


def test_hash_and_verify():
    stored = auth.hash_password("correct horse battery", iterations=1000)
    assert stored.startswith("pbkdf2_sha256$1000$")
    assert auth.verify_password("correct horse battery", stored)
    assert not auth.verify_password("wrong", stored)
    assert auth.hash_password("same", iterations=1000) != auth.hash_password("same", iterations=1000)  # salted


def test_a_known_hash_verifies():
    # RFC 7914 section 11: PBKDF2-HMAC-SHA256, P = "passwd", S = "salt" (hex 73616c74), c = 1; its first 32 bytes.
    stored = "pbkdf2_sha256$1$73616c74$55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
    assert auth.verify_password("passwd", stored)
    assert not auth.verify_password("Passwd", stored)


def test_malformed_hashes_never_match():
    for stored in ("", "plain-text-password", "md5$1$ab$cd", "pbkdf2_sha256$x$zz$00", None):
        assert not auth.verify_password("anything", stored)


@pytest.mark.parametrize("stored,problem", [
    ("", "the stored hash is empty"),
    # What bash leaves of "pbkdf2_sha256$240000$ab12$..." in double quotes: $2 and $ab12 expanded away.
    ("pbkdf2_sha25640000", "1 part separated by '$', not 4"),
    ("pbkdf2_sha256$240000$ab12", "3 parts separated by '$', not 4"),
    ("md5$1$ab$" + "0" * 64, "starts with 'md5', not 'pbkdf2_sha256'"),
    ("pbkdf2_sha256$many$ab$" + "0" * 64, "iteration count is not a whole number"),
    ("pbkdf2_sha256$0$ab$" + "0" * 64, "iteration count is not a whole number"),
    ("pbkdf2_sha256$10$xyz$" + "0" * 64, "salt is not hexadecimal"),
    ("pbkdf2_sha256$10$abc$" + "0" * 64, "salt is not hexadecimal"),
    ("pbkdf2_sha256$10$ab$" + "0" * 63, "digest is not 64 hexadecimal characters"),
    ("pbkdf2_sha256$10$ab$" + "G" * 64, "digest is not 64 hexadecimal characters"),
])
def test_a_malformed_hash_says_what_is_wrong(stored, problem):
    assert problem in auth.hash_problem(stored)
    with pytest.raises(auth.MalformedHash):
        auth.parse_hash(stored)


def test_double_quotes_in_a_shell_are_named_as_the_likely_cause():
    assert "single quotes" in auth.hash_problem("pbkdf2_sha25640000")
    assert auth.hash_problem(GOOD) is None
    assert auth.malformed({"ok": GOOD, "broken": "pbkdf2_sha25640000"}) == {
        "broken": "it has 1 part separated by '$', not 4 (a shell expands '$' inside double quotes: make it "
                  "again and write it in single quotes)"}


def test_officers_come_from_secrets_and_the_environment():
    secrets = {"officers": {"jsmith": "h1"}}
    environ = {"HARROW_KPI_OFFICERS": "akhan=h2; bad-entry ;"}
    assert auth.officers(secrets, environ) == {"jsmith": "h1", "akhan": "h2"}
    assert auth.officers({}, {}) == {}


def test_a_removed_or_changed_account_is_no_longer_an_officer():
    accounts = {"jsmith": GOOD}
    signed_with = auth.fingerprint(GOOD)
    assert auth.still_officer("jsmith", signed_with, accounts)
    assert not auth.still_officer("jsmith", signed_with, {})
    assert not auth.still_officer("jsmith", signed_with, {"jsmith": auth.hash_password("new one", iterations=1000)})
    assert not auth.still_officer("jsmith", "", accounts)


def test_sign_in_refuses_unknown_names_and_wrong_passwords():
    accounts = {"jsmith": GOOD}
    assert auth.sign_in("jsmith", "correct horse battery", accounts)
    assert not auth.sign_in("jsmith", "nope", accounts)
    assert not auth.sign_in("nobody", "correct horse battery", accounts)


def test_waits_after_five_wrong_passwords_double_to_an_hour():
    assert [auth.failure_delay(n) for n in range(12)] == [0, 0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600]
    assert [auth.failure_delay(n, free=20) for n in (19, 20, 21)] == [0, 60, 120]


def test_waits_in_words():
    assert [auth.wait_words(s) for s in (0.2, 1, 45, 59.5, 89, 90, 3600)] == [
        "1 second", "1 second", "45 seconds", "60 seconds", "89 seconds", "2 minutes", "60 minutes"]


class Clock:
    def __init__(self, monkeypatch):
        self.moment = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(auth, "now", lambda: self.moment)

    def advance(self, seconds):
        self.moment += dt.timedelta(seconds=seconds)


@pytest.fixture()
def clock(monkeypatch):
    return Clock(monkeypatch)


def test_five_wrong_passwords_lock_the_name_for_a_minute_then_two(db_file, tmp_path, clock):
    path = without_sign_ins(private_store(db_file, tmp_path))
    accounts = {"jsmith": GOOD}
    for _ in range(5):
        assert auth.attempt(path, "jsmith", "wrong", "10.0.0.1", accounts).outcome == "refused"
    # The sixth, even with the right password and from another computer, waits its minute.
    locked = auth.attempt(path, "JSmith ", "correct horse battery", "10.0.0.2", accounts)
    assert (locked.outcome, locked.wait, locked.locked_by) == ("locked", 60.0, "officer")
    clock.advance(59)
    assert auth.attempt(path, "jsmith", "correct horse battery", "10.0.0.2", accounts).wait == 1.0
    clock.advance(1)
    assert auth.attempt(path, "jsmith", "wrong", "10.0.0.2", accounts).outcome == "refused"
    assert auth.attempt(path, "jsmith", "correct horse battery", "10.0.0.2", accounts).wait == 120.0
    clock.advance(120)
    assert auth.attempt(path, "jsmith", "correct horse battery", "10.0.0.2", accounts).outcome == "accepted"
    # A success clears the count.
    assert auth.attempt(path, "jsmith", "wrong", "10.0.0.2", accounts).outcome == "refused"
    assert auth.attempt(path, "jsmith", "correct horse battery", "10.0.0.2", accounts).outcome == "accepted"


def test_the_count_lives_in_the_store_so_a_new_connection_sees_it(db_file, tmp_path, clock):
    path = without_sign_ins(private_store(db_file, tmp_path))
    for _ in range(5):
        auth.attempt(path, "jsmith", "wrong", None, {"jsmith": GOOD})
    with store.opened(path) as db:  # as a restarted server would open it
        assert auth.wait_for(db, "jsmith", "elsewhere").wait == 60.0
        rows = auth.attempts(db)
    assert [r["outcome"] for r in rows] == ["refused"] * 5
    assert rows[0]["client"] == "local" and rows[0]["wait_seconds"] == 60 and rows[1]["wait_seconds"] == 0
    assert rows[0]["at"] == "2026-01-05T09:00:00.000000+00:00"


def test_wrong_passwords_older_than_a_day_are_forgotten(db_file, tmp_path, clock):
    path = without_sign_ins(private_store(db_file, tmp_path))
    for _ in range(5):
        auth.attempt(path, "jsmith", "wrong", "10.0.0.1", {"jsmith": GOOD})
    clock.advance(24 * 3600 - 1)
    with store.opened(path) as db:
        assert auth._failures(db, "officer_key", "jsmith", auth.now())[0] == 5
    clock.advance(2)
    with store.opened(path) as db:
        assert auth._failures(db, "officer_key", "jsmith", auth.now())[0] == 0


def test_one_client_guessing_many_names_is_locked_after_twenty(db_file, tmp_path, clock):
    path = without_sign_ins(private_store(db_file, tmp_path))
    for n in range(20):
        assert auth.attempt(path, f"name{n}", "guess", "10.9.9.9", {"jsmith": GOOD}).outcome == "refused"
    locked = auth.attempt(path, "jsmith", "correct horse battery", "10.9.9.9", {"jsmith": GOOD})
    assert (locked.outcome, locked.wait, locked.locked_by) == ("locked", 60.0, "client")
    assert auth.attempt(path, "jsmith", "correct horse battery", "10.0.0.1", {"jsmith": GOOD}).outcome == "accepted"


@pytest.mark.parametrize("client_first,expected", [(True, "officer"), (False, "client")])
def test_the_longer_of_the_two_waits_is_the_one_told(db_file, tmp_path, clock, client_first, expected):
    path = without_sign_ins(private_store(db_file, tmp_path))

    def client_guesses():  # 20 names from one computer: it waits 60 s
        for n in range(20):
            auth.attempt(path, f"name{n}", "guess", "10.9.9.9", {})

    def name_guessed():  # jsmith, from another computer: the name waits 60 s
        for _ in range(5):
            auth.attempt(path, "jsmith", "guess", "10.0.0.1", {})

    first, second = (client_guesses, name_guessed) if client_first else (name_guessed, client_guesses)
    first()
    clock.advance(30)
    second()
    locked = auth.attempt(path, "jsmith", "guess", "10.9.9.9", {})
    assert (locked.outcome, locked.wait, locked.locked_by) == ("locked", 60.0, expected)


def test_a_locked_attempt_is_audited_and_does_not_extend_the_wait(db_file, tmp_path, clock):
    path = without_sign_ins(private_store(db_file, tmp_path))
    for _ in range(5):
        auth.attempt(path, "jsmith", "wrong", None, {"jsmith": GOOD})
    clock.advance(30)
    assert auth.attempt(path, "jsmith", "wrong", None, {"jsmith": GOOD}).wait == 30.0
    clock.advance(30)
    assert auth.attempt(path, "jsmith", "correct horse battery", None, {"jsmith": GOOD}).outcome == "accepted"
    with store.opened(path) as db:
        rows = auth.attempts(db)
    assert [(r["outcome"], r["wait_seconds"]) for r in rows[:2]] == [("accepted", 0), ("locked", 30.0)]
    assert rows[1]["reason"] == "too many wrong passwords for this officer"


def test_a_malformed_stored_hash_is_reported_as_such(db_file, tmp_path, clock):
    path = without_sign_ins(private_store(db_file, tmp_path))
    result = auth.attempt(path, "jsmith", "anything", None, {"jsmith": "pbkdf2_sha25640000"})
    assert result.outcome == "malformed"
    with store.opened(path) as db:
        row = auth.attempts(db)[0]
    assert row["outcome"] == "malformed" and row["reason"].startswith("it has 1 part separated by '$'")


def test_sign_in_attempts_do_not_move_the_data_version(db_file, tmp_path, clock):
    path = without_sign_ins(private_store(db_file, tmp_path))
    before = store.data_version(path)
    auth.attempt(path, "jsmith", "wrong", None, {"jsmith": GOOD})
    assert store.data_version(path) == before


def test_a_database_that_predates_the_table_gains_it(db_file, tmp_path, clock):
    path = without_sign_ins(private_store(db_file, tmp_path))
    with store.opened(path) as db:
        db["sign_in_attempts"].drop()
        assert auth.wait_for(db, "jsmith", "local") is None and auth.attempts(db) == []
    assert auth.attempt(path, "jsmith", "wrong", None, {"jsmith": GOOD}).outcome == "refused"


# --- OIDC claims ---------------------------------------------------------------------------

DOMAIN = {"officer_domains": ["harrow.gov.uk"], "officer_emails": ["Friend@Example.org"]}
NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def decide(claims, rules=DOMAIN):
    return auth.oidc_officer(claims, rules, NOW)


def test_a_verified_address_in_an_officer_domain_or_list_is_an_officer():
    assert decide({"email": "J.Smith@Harrow.gov.uk", "email_verified": True}).officer == "J.Smith@Harrow.gov.uk"
    assert decide({"email": "friend@EXAMPLE.org", "email_verified": True}).officer == "friend@EXAMPLE.org"


@pytest.mark.parametrize("verified", [None, False, "false", "true", "True", 1, 0, "1", [True]])
def test_email_verified_must_be_the_boolean_true(verified):
    claims = {"email": "x@harrow.gov.uk"} if verified is None else {"email": "x@harrow.gov.uk",
                                                                     "email_verified": verified}
    decision = decide(claims)
    assert decision.officer is None
    assert "has not confirmed that address (email_verified is not true)" in decision.reason


def test_a_configured_verification_claim_replaces_email_verified():
    rules = {**DOMAIN, "email_verified_claim": "xms_edov"}
    assert decide({"email": "x@harrow.gov.uk", "xms_edov": True}, rules).officer == "x@harrow.gov.uk"
    assert decide({"email": "x@harrow.gov.uk", "email_verified": True}, rules).officer is None


@pytest.mark.parametrize("email", [
    "x@evil.com@harrow.gov.uk", "x@harrow.gov.uk@evil.com", "harrow.gov.uk", "@harrow.gov.uk", "x@",
    "x @harrow.gov.uk", "x@harrow.gov.uk\n", "x@.harrow.gov.uk", "x@harrow..gov.uk", 42, None, ["x@harrow.gov.uk"],
])
def test_anything_but_one_plain_address_is_refused(email):
    decision = decide({"email": email, "email_verified": True})
    assert decision.officer is None


@pytest.mark.parametrize("email", [
    "x@evilharrow.gov.uk", "x@harrow.gov.uk.evil.com", "x@mail.harrow.gov.uk", "x@harrow.gov", "x@gmail.com",
])
def test_domains_match_exactly(email):
    decision = decide({"email": email, "email_verified": True})
    assert decision.officer is None
    assert "not on the list of officers allowed to upload" in decision.reason


def test_a_group_or_role_claim_makes_an_officer_without_an_email():
    rules = {"officer_groups": ["0f6e-KPI-Officers"], "groups_claim": "roles"}
    assert decide({"sub": "abc", "roles": ["reader", "0f6e-kpi-officers"]}, rules).officer == "abc"
    assert decide({"sub": "abc", "roles": "0F6E-KPI-OFFICERS"}, rules).officer == "abc"
    assert decide({"sub": "abc", "groups": ["0f6e-kpi-officers"]}, rules).officer is None  # not the claim named
    assert decide({"sub": "abc", "roles": ["0f6e-kpi"]}, rules).officer is None
    assert decide({"sub": "abc", "groups": ["g1"]}, {"officer_groups": ["g1"]}).officer == "abc"  # default claim


def test_an_expired_identity_token_is_no_sign_in():
    claims = {"email": "x@harrow.gov.uk", "email_verified": True}
    assert decide({**claims, "exp": NOW.timestamp() + 1}).officer == "x@harrow.gov.uk"
    expired = decide({**claims, "exp": NOW.timestamp()})
    assert expired.officer is None and "expired" in expired.reason


def test_a_tenant_id_when_set_must_match():
    rules = {**DOMAIN, "tenant_id": "72F988BF-0000"}
    claims = {"email": "x@harrow.gov.uk", "email_verified": True}
    assert decide({**claims, "tid": "72f988bf-0000"}, rules).officer == "x@harrow.gov.uk"
    assert decide({**claims, "tid": "other"}, rules).officer is None
    assert decide(claims, rules).officer is None


def test_with_no_officer_rules_nobody_is_an_officer():
    decision = decide({"email": "x@harrow.gov.uk", "email_verified": True}, {})
    assert decision.officer is None and "No officers are set" in decision.reason
    assert decide({}, DOMAIN).officer is None


# --- A sign-out at the provider, seen through its userinfo endpoint (a real provider) ------------

def test_a_sign_in_the_provider_has_ended_is_seen_as_ended():
    from tests import provider

    with provider.serving({"officer@harrow.gov.uk": {"email": "officer@harrow.gov.uk"}}) as url:
        token = provider.access_token(url, "officer@harrow.gov.uk")
        metadata = f"{url}/.well-known/openid-configuration"
        assert auth.ended_at_provider(metadata, token) is False
        assert provider.call(url, "/users/officer%40harrow.gov.uk/revoke-tokens") == 204
        assert auth.ended_at_provider(metadata, token) is True
        assert auth.ended_at_provider(metadata, "made-up") is True
    with pytest.raises(auth.ProviderUnreachable):  # the provider is gone: not confirmed either way
        auth.ended_at_provider(metadata, token, timeout=2)


def test_a_provider_answering_401_has_ended_the_sign_in_and_an_error_is_no_answer():
    import http.server
    import json
    import threading

    class Provider(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/.well-known/openid-configuration":
                body, status = json.dumps({"userinfo_endpoint": f"{url}/userinfo"}).encode(), 200
            else:
                status = {"Bearer live": 200, "Bearer revoked": 401, "Bearer other": 403}.get(
                    self.headers["Authorization"], 500)
                body = b"{}"
            self.send_response(status)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Provider)
    url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        metadata = f"{url}/.well-known/openid-configuration"
        assert auth.ended_at_provider(metadata, "live") is False
        assert auth.ended_at_provider(metadata, "revoked") is True
        assert auth.ended_at_provider(metadata, "other") is True
        with pytest.raises(auth.ProviderUnreachable, match="answered 500"):
            auth.ended_at_provider(metadata, "broken")
    finally:
        server.shutdown()
