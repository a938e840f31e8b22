"""Officer sign-in: salted password hashes from secrets, or claims from the council's OIDC.

Reading is open; uploading, rolling back and importing boundaries need an officer.
No password ships with the app: ``python -m harrow_kpi hash-password`` makes the hash
an administrator puts in ``.streamlit/secrets.toml`` (``[officers]``) or in the
environment (``HARROW_KPI_OFFICERS='name=hash;name2=hash2'``, in single quotes so that a
shell leaves the ``$`` of the hash alone).

Wrong passwords are counted in the store (``sign_in_attempts``), per officer name and per
client, so a new tab or a restarted server does not reset the count; every attempt, and the
wait imposed, is kept there as the audit of sign-ins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

import sqlite_utils

from harrow_kpi import store

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 240_000
HEX = re.compile(r"[0-9a-f]+")


class MalformedHash(ValueError):
    """A stored password hash that cannot be a hash from ``hash-password``; says what is wrong."""


def hash_password(password: str, salt: str | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), iterations).hex()
    return f"{ALGORITHM}${iterations}${salt}${digest}"


def parse_hash(stored: object) -> tuple[int, str, str]:
    """(iterations, salt, digest) of a stored hash, or MalformedHash saying why it is not one.

    The commonest damage is a shell expanding ``$...`` inside double quotes, which eats the
    separators: that is named, so the administrator knows to use single quotes."""
    if not isinstance(stored, str) or not stored.strip():
        raise MalformedHash("the stored hash is empty")
    parts = stored.strip().split("$")
    if len(parts) != 4:
        raise MalformedHash(
            f"it has {len(parts)} part{'s' if len(parts) != 1 else ''} separated by '$', not 4 "
            "(a shell expands '$' inside double quotes: make it again and write it in single quotes)")
    algorithm, iterations, salt, digest = parts
    if algorithm != ALGORITHM:
        raise MalformedHash(f"it starts with '{algorithm[:20]}', not '{ALGORITHM}'")
    if not iterations.isdigit() or int(iterations) < 1:
        raise MalformedHash("its iteration count is not a whole number")
    if not salt or len(salt) % 2 or not HEX.fullmatch(salt):
        raise MalformedHash("its salt is not hexadecimal")
    if len(digest) != 64 or not HEX.fullmatch(digest):
        raise MalformedHash("its digest is not 64 hexadecimal characters")
    return int(iterations), salt, digest


def hash_problem(stored: object) -> str | None:
    """What is wrong with a stored hash, or None for a well-formed one."""
    try:
        parse_hash(stored)
    except MalformedHash as problem:
        return str(problem)
    return None


def verify_password(password: str, stored: str) -> bool:
    """Compare in constant time; a malformed stored hash never matches."""
    try:
        iterations, salt, digest = parse_hash(stored)
    except MalformedHash:
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), iterations).hex()
    return hmac.compare_digest(candidate, digest)


def officers(secret_store: Mapping | None = None, environ: Mapping | None = None) -> dict[str, str]:
    """Officer name -> password hash, from secrets ([officers]) and the environment, read afresh
    on every call so that an officer removed from either loses the right at once."""
    found: dict[str, str] = {}
    try:
        found.update({str(k): str(v) for k, v in dict((secret_store or {}).get("officers", {}) or {}).items()})
    except (AttributeError, TypeError, ValueError):
        pass
    text = (environ if environ is not None else os.environ).get("HARROW_KPI_OFFICERS", "")
    for entry in text.split(";"):
        name, _, stored = entry.partition("=")
        if name.strip() and stored.strip():
            found[name.strip()] = stored.strip()
    return found


def malformed(accounts: Mapping[str, str]) -> dict[str, str]:
    """Officer name -> what is wrong with their stored hash, for the accounts that cannot sign in."""
    return {name: problem for name, stored in accounts.items() if (problem := hash_problem(stored))}


def fingerprint(stored: str) -> str:
    """A short digest of an officer's stored hash: kept in the session, so that a changed or
    removed hash ends the session at its next run without the hash itself being kept there."""
    return hashlib.sha256(stored.encode()).hexdigest()[:16]


def still_officer(name: str, signed_in_with: str, accounts: Mapping[str, str]) -> bool:
    """Whether a signed-in officer's account is still configured, with the same hash."""
    stored = accounts.get(name)
    return stored is not None and hmac.compare_digest(fingerprint(stored), signed_in_with)


def sign_in(name: str, password: str, accounts: Mapping[str, str]) -> bool:
    """True for a known officer with the right password. An unknown name still costs a hash,
    so the time taken does not tell which names exist."""
    stored = accounts.get(name)
    if stored is None:
        verify_password(password, hash_password("not an officer", "00" * 16))
        return False
    return verify_password(password, stored)


# --- Throttling, kept in the store -------------------------------------------------------

# Wrong passwords allowed before a wait, per officer name and per client (one address may be a
# whole office behind one proxy, so it is allowed more).
FREE = {"officer": 5, "client": 20}
FIRST_WAIT = 60.0  # seconds, doubled with each further wrong password
LONGEST_WAIT = 3600.0
# Failures older than this no longer count.
MEMORY = dt.timedelta(hours=24)
NAME_LIMIT = 100


def now() -> dt.datetime:
    """The clock the throttle reads (tests move it on)."""
    return dt.datetime.now(dt.UTC)


def failure_delay(failures: int, free: int = FREE["officer"]) -> float:
    """Seconds to wait after ``failures`` wrong passwords in a row: none for the first ``free``,
    then 60 s, doubling to an hour at most."""
    if failures < free:
        return 0.0
    return min(FIRST_WAIT * 2 ** (failures - free), LONGEST_WAIT)


@dataclass(frozen=True)
class Attempt:
    """What became of a sign-in attempt: ``accepted``, ``refused`` (wrong name or password),
    ``malformed`` (the stored hash is broken) or ``locked`` (too many wrong passwords: ``wait``
    seconds to go, for ``locked_by`` the officer name or this client)."""

    outcome: str
    wait: float = 0.0
    locked_by: str = ""


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _failures(db: sqlite_utils.Database, column: str, value: str, moment: dt.datetime) -> tuple[int, str | None]:
    """Wrong passwords in a row for one officer name or client since its last success (within
    MEMORY), and when the latest was."""
    rows = store.password_attempts(db, column, value, _stamp(moment - MEMORY))
    count, latest = 0, None
    for outcome, at in rows:
        if outcome == "accepted":
            break
        count += 1
        latest = latest or at
    return count, latest


def wait_for(db: sqlite_utils.Database, name: str, client: str, moment: dt.datetime | None = None) -> Attempt | None:
    """A ``locked`` Attempt while the officer name or the client must still wait, else None."""
    moment = moment or now()
    longest = None
    for kind, column, value in (("officer", "officer_key", _key(name)), ("client", "client", client)):
        count, latest = _failures(db, column, value, moment)
        delay = failure_delay(count, FREE[kind])
        if delay and latest:
            left = (dt.datetime.fromisoformat(latest) + dt.timedelta(seconds=delay) - moment).total_seconds()
            if left > 0 and (longest is None or left > longest.wait):
                longest = Attempt("locked", left, kind)
    return longest


def _key(name: str) -> str:
    return name.strip().casefold()[:NAME_LIMIT]


def _record(db: sqlite_utils.Database, row: dict) -> int:
    with store.writing(db, bump=False):
        store.ensure_app_tables(db)
        return db["sign_in_attempts"].insert(row).last_pk


def attempt(path, name: str, password: str, client: str | None, accounts: Mapping[str, str]) -> Attempt:
    """Check a password, honouring and extending the throttle in the store, and audit it.

    The attempt is written as refused before the password is checked, so parallel attempts
    from other tabs count against the throttle at once; a right password then turns it into
    an accepted one (which clears the count for that name and client)."""
    client = (client or "local")[:NAME_LIMIT]
    name = name.strip()
    moment = now()
    base = {"method": "password", "officer": name[:NAME_LIMIT], "officer_key": _key(name), "client": client}
    with store.opened(path) as db:
        locked = wait_for(db, name, client, moment)
        if locked:
            _record(db, {**base, "at": _stamp(moment), "outcome": "locked", "wait_seconds": round(locked.wait, 1),
                         "reason": f"too many wrong passwords for this {locked.locked_by}"})
            return locked
        before = _failures(db, "officer_key", _key(name), moment)[0]
        row_id = _record(db, {**base, "at": _stamp(moment), "outcome": "refused",
                              "wait_seconds": failure_delay(before + 1), "reason": "wrong name or password"})
        stored = accounts.get(name)
        problem = hash_problem(stored) if stored is not None else None
        ok = sign_in(name, password, accounts)
        if problem:
            with store.writing(db, bump=False):
                db["sign_in_attempts"].update(row_id, {"outcome": "malformed", "reason": problem})
            return Attempt("malformed")
        if ok:
            with store.writing(db, bump=False):
                db["sign_in_attempts"].update(row_id, {"outcome": "accepted", "wait_seconds": 0, "reason": ""})
            return Attempt("accepted")
    return Attempt("refused")


def record_oidc(path, email: str, client: str | None, decision: OidcDecision) -> None:
    """Audit a council (OIDC) sign-in, accepted or refused, once per session and identity."""
    with store.opened(path) as db:
        _record(db, {"method": "oidc", "officer": email[:NAME_LIMIT], "officer_key": _key(email),
                     "client": (client or "local")[:NAME_LIMIT], "at": _stamp(now()),
                     "outcome": "accepted" if decision.officer else "refused", "wait_seconds": 0,
                     "reason": decision.message})


def attempts(db: sqlite_utils.Database) -> list[dict]:
    """The sign-in audit, newest first."""
    return store.sign_in_attempts(db)


def wait_words(seconds: float) -> str:
    """A wait in an officer's words: '45 seconds', '2 minutes'."""
    seconds = max(1, int(seconds + 0.999))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = (seconds + 59) // 60
    return f"{minutes} minutes"


# --- The council's identity provider (OIDC claims from st.user) --------------------------

# Where a reason names the identity: the page shows it as literal text, the audit as it is.
WHO = "{who}"


@dataclass(frozen=True)
class OidcDecision:
    """The officer's e-mail (or subject) when the claims make an officer, else None, and why
    (``reason`` holds WHO where it names the identity ``who``)."""

    officer: str | None
    reason: str
    who: str = ""

    @property
    def message(self) -> str:
        return self.reason.replace(WHO, self.who)


def _listed(values: object) -> list[str]:
    if isinstance(values, str):
        return [values]
    try:
        return [str(v) for v in values or []]
    except TypeError:
        return []


def single_address(email: object) -> tuple[str, str] | None:
    """(local part, domain) of an e-mail address with exactly one '@', no spaces and no empty part."""
    if not isinstance(email, str):
        return None
    if email.count("@") != 1 or any(c.isspace() or ord(c) < 32 for c in email):
        return None
    local, domain = email.split("@")
    if not local or not domain or domain.startswith(".") or domain.endswith(".") or ".." in domain:
        return None
    return local, domain.casefold()


def oidc_officer(claims: Mapping, rules: Mapping, moment: dt.datetime | None = None) -> OidcDecision:
    """Officer rights from the identity token's claims (st.user), checked afresh on every run.

    ``rules`` is ``[officers_oidc]``: ``officer_emails`` and ``officer_domains`` (matched
    exactly, case-insensitively, only for an address the provider marks verified with the
    boolean true in ``email_verified_claim``, default ``email_verified``), or ``officer_groups``
    matched against the ``groups_claim`` (default ``groups``; Entra ID app roles: ``roles``).
    ``tenant_id``, when set, must equal the ``tid`` claim. An expired identity token
    (``exp``) is no sign-in at all."""
    moment = moment or now()
    email = claims.get("email")
    who = email if isinstance(email, str) and email.strip() else str(claims.get("sub") or "this account")
    expires = claims.get("exp")
    if isinstance(expires, int | float) and not isinstance(expires, bool) and expires <= moment.timestamp():
        return OidcDecision(None, "Your council sign-in has expired. Sign out and sign in again.")
    tenant = str(rules.get("tenant_id") or "").strip()
    if tenant and str(claims.get("tid") or "").casefold() != tenant.casefold():
        return OidcDecision(None, f"You are signed in as {WHO}, from another organisation's directory, "
                                  "so uploads stay locked.", who)
    emails = {e.strip().casefold() for e in _listed(rules.get("officer_emails")) if e.strip()}
    domains = {d.strip().lstrip("@").casefold() for d in _listed(rules.get("officer_domains")) if d.strip()}
    groups = {g.strip().casefold() for g in _listed(rules.get("officer_groups")) if g.strip()}
    if not (emails or domains or groups):
        return OidcDecision(None, "No officers are set for the council sign-in: an administrator adds "
                                  "officer_emails, officer_domains or officer_groups under [officers_oidc].")
    groups_claim = str(rules.get("groups_claim") or "groups")
    held = {g.strip().casefold() for g in _listed(claims.get(groups_claim))}
    if groups & held:
        return OidcDecision(who, f"a member of an officer group ({groups_claim})")
    if emails or domains:
        verified_claim = str(rules.get("email_verified_claim") or "email_verified")
        parts = single_address(email)
        if parts is None:
            return OidcDecision(None, f"You are signed in as {WHO}, but the identity provider did not send one "
                                      "valid e-mail address, so uploads stay locked.", who)
        if claims.get(verified_claim) is not True:
            return OidcDecision(None, f"You are signed in as {WHO}, but the identity provider has not confirmed "
                                      f"that address ({verified_claim} is not true), so uploads stay locked.", who)
        address = f"{parts[0].casefold()}@{parts[1]}"
        if address in emails or parts[1] in domains:
            return OidcDecision(email, "a listed officer address or domain")
    return OidcDecision(None, f"You are signed in as {WHO}, which is not on the list of officers allowed to "
                              "upload. Ask the administrator to add your address, domain or group.", who)


class ProviderUnreachable(Exception):
    """The identity provider could not say whether a sign-in is still live."""


_USERINFO: dict[str, str] = {}
REFUSED_TOKEN = ("invalid_token", "access_denied")


def _fetch(request: urllib.request.Request | str, timeout: float):
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the configured provider
        return json.loads(response.read().decode("utf-8"))


def _oauth_error(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read().decode("utf-8")).get("error", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def ended_at_provider(metadata_url: str, access_token: str, timeout: float = 5.0) -> bool:
    """Whether the provider has ended this sign-in: its userinfo endpoint refuses the access token
    (revoked at sign-out or by an administrator). Streamlit reads its identity cookie only when a
    session starts, so this is how a sign-out at the provider reaches an open session."""
    try:
        if metadata_url not in _USERINFO:
            endpoint = _fetch(metadata_url, timeout).get("userinfo_endpoint")
            if not isinstance(endpoint, str) or not endpoint:
                raise ProviderUnreachable("the provider publishes no userinfo endpoint")
            _USERINFO[metadata_url] = endpoint
        request = urllib.request.Request(_USERINFO[metadata_url], headers={"Authorization": f"Bearer {access_token}"})
        _fetch(request, timeout)
    except urllib.error.HTTPError as error:
        # RFC 6750 says 401 invalid_token; some providers (the test provider too) answer 400 access_denied.
        if error.code in (401, 403) or (error.code == 400 and _oauth_error(error) in REFUSED_TOKEN):
            return True
        raise ProviderUnreachable(f"the provider answered {error.code}") from error
    except (OSError, ValueError) as error:
        raise ProviderUnreachable(str(error)) from error
    return False
