"""Officer sign-in: salted password hashes from secrets, or claims from the council's OIDC.

Reading is open; uploading, rolling back and importing boundaries need an officer.
No password ships with the app: ``python -m harrow_kpi hash-password`` makes the hash
an administrator puts in ``.streamlit/secrets.toml`` (``[officers]``) or in the
environment (``HARROW_KPI_OFFICERS="name=hash;name2=hash2"``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 240_000


def hash_password(password: str, salt: str | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), iterations).hex()
    return f"{ALGORITHM}${iterations}${salt}${digest}"


def verify_password(password: str, stored: str) -> bool:
    """Compare in constant time; a malformed stored hash never matches."""
    try:
        algorithm, iterations, salt, digest = stored.split("$")
        if algorithm != ALGORITHM:
            return False
        candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations)).hex()
    except (ValueError, AttributeError):
        return False
    return hmac.compare_digest(candidate, digest)


def officers(secret_store: Mapping | None = None, environ: Mapping | None = None) -> dict[str, str]:
    """Officer name -> password hash, from secrets ([officers]) and the environment."""
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


def sign_in(name: str, password: str, accounts: Mapping[str, str]) -> bool:
    """True for a known officer with the right password. An unknown name still costs a hash,
    so the time taken does not tell which names exist."""
    stored = accounts.get(name)
    if stored is None:
        verify_password(password, hash_password("not an officer", "00" * 16))
        return False
    return verify_password(password, stored)


def failure_delay(failures: int) -> float:
    """Seconds to wait before checking the next attempt: 0, 1, 2, 4, then 8 at most."""
    return 0.0 if failures <= 0 else float(min(2 ** (failures - 1), 8))


def is_officer_claims(claims: Mapping, allowed: Mapping) -> bool:
    """Officer rights from OIDC claims (st.user): a listed e-mail or an allowed domain,
    and only for a verified address where the provider says so."""
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        return False
    emails = {str(e).lower() for e in allowed.get("officer_emails", [])}
    domains = {str(d).lower().lstrip("@") for d in allowed.get("officer_domains", [])}
    return email in emails or email.rsplit("@", 1)[-1] in domains
