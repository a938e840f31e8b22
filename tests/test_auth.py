"""Officer sign-in: salted hashes compared in constant time, delays after failures, OIDC claims."""

from harrow_kpi import auth


def test_hash_and_verify():
    stored = auth.hash_password("correct horse battery", iterations=1000)
    assert stored.startswith("pbkdf2_sha256$1000$")
    assert auth.verify_password("correct horse battery", stored)
    assert not auth.verify_password("wrong", stored)
    assert auth.hash_password("same", iterations=1000) != auth.hash_password("same", iterations=1000)  # salted


def test_malformed_hashes_never_match():
    for stored in ("", "plain-text-password", "md5$1$ab$cd", "pbkdf2_sha256$x$zz$00"):
        assert not auth.verify_password("anything", stored)


def test_officers_come_from_secrets_and_the_environment():
    secrets = {"officers": {"jsmith": "h1"}}
    environ = {"HARROW_KPI_OFFICERS": "akhan=h2; bad-entry ;"}
    assert auth.officers(secrets, environ) == {"jsmith": "h1", "akhan": "h2"}
    assert auth.officers({}, {}) == {}


def test_sign_in_refuses_unknown_names_and_wrong_passwords():
    accounts = {"jsmith": auth.hash_password("correct horse battery", iterations=1000)}
    assert auth.sign_in("jsmith", "correct horse battery", accounts)
    assert not auth.sign_in("jsmith", "nope", accounts)
    assert not auth.sign_in("nobody", "correct horse battery", accounts)


def test_delays_grow_after_failures():
    assert [auth.failure_delay(n) for n in range(6)] == [0, 1, 2, 4, 8, 8]


def test_officer_rights_from_oidc_claims():
    allowed = {"officer_domains": ["harrow.gov.uk"], "officer_emails": ["friend@example.org"]}
    assert auth.is_officer_claims({"email": "J.Smith@Harrow.gov.uk", "email_verified": True}, allowed)
    assert auth.is_officer_claims({"email": "friend@example.org"}, allowed)
    assert not auth.is_officer_claims({"email": "someone@gmail.com"}, allowed)
    assert not auth.is_officer_claims({"email": "x@harrow.gov.uk", "email_verified": False}, allowed)
    assert not auth.is_officer_claims({}, allowed)
