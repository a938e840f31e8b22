"""The officer sign-in panel: OIDC via st.login when [auth] is configured, else passwords.

The officer's right is worked out again on every run from the secrets and environment as
they are now and, for OIDC, from st.user: an officer removed from the configuration, or
whose identity token has expired, is locked at their next click.
"""

from __future__ import annotations

import logging
import os

import streamlit as st

from harrow_kpi import auth, store, ui

OFFICER = "officer"
# How the officer signed in ("password" or "oidc") and, for a password, a digest of the hash used.
MODE = "officer_mode"
SIGNED_WITH = "officer_hash"
AUDITED = "officer_audited"
NOTICE = "officer_notice"
LOG = logging.getLogger("harrow_kpi.signin")

HOW_TO = """No officer account is configured, so uploads are switched off. An administrator can:

1. run `python -m harrow_kpi hash-password` and type the officer's password twice;
2. add the hash to `.streamlit/secrets.toml` under `[officers]`, in single quotes:
   `jsmith = 'pbkdf2_sha256$240000$...'`, or set it in the environment, also in single quotes,
   so that the shell leaves each `$` alone: `HARROW_KPI_OFFICERS='jsmith=pbkdf2_sha256$240000$...'`;
3. or configure the council's identity provider for `st.login` under `[auth]`, with
   `officer_domains = ['harrow.gov.uk']`, `officer_emails = [...]` or `officer_groups = [...]`
   in `[officers_oidc]` (the README's section Officer sign-in says how)."""


def _secrets() -> dict:
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except Exception:  # noqa: BLE001 - no secrets file is a normal, open deployment
        return {}


def _client() -> str | None:
    """The address the browser connects from (None on localhost): the per-client throttle's key."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no client context (a bare script run)
        return None
    return address if isinstance(address, str) else None


@st.cache_resource(show_spinner=False)
def _reported_at_start(problems: tuple[tuple[str, str], ...]) -> None:
    """Log each malformed stored hash once per server process (and again when they change)."""
    for name, problem in problems:
        LOG.warning("Officer %r cannot sign in: the stored password hash is malformed: %s.", name, problem)


def check_configuration() -> dict[str, str]:
    """Officer name -> what is wrong with their stored hash, logged once when the app starts."""
    problems = auth.malformed(auth.officers(_secrets()))
    _reported_at_start(tuple(sorted(problems.items())))
    return problems


def _forget() -> None:
    for key in (OFFICER, MODE, SIGNED_WITH):
        st.session_state.pop(key, None)


def officer() -> str | None:
    """The signed-in officer's name, drawing the sign-in panel when there is none."""
    secret_store = _secrets()
    if "auth" in secret_store:
        return _oidc(secret_store)
    return _password(secret_store)


# Streamlit's Markdown turns an address into a mailto link even with its "@" escaped (GFM autolinks
# are found in the text after escapes are read); an invisible word joiner after the "@" stops that.
WORD_JOINER = "\u2060"


def _literal(text: str) -> str:
    """An officer name or address as plain Markdown text, never a link."""
    return ui.plain(text).replace("\\@", "\\@" + WORD_JOINER)


def _signed_in_bar(name: str, on_sign_out, how: str) -> None:
    left, right = st.columns([4, 1])
    left.caption(f"Signed in as officer {_literal(name)} ({how}).")
    right.button("Sign out", on_click=on_sign_out, key="sign_out")


def _password(secret_store: dict) -> str | None:
    accounts = auth.officers(secret_store, os.environ)
    if st.session_state.get(OFFICER):
        name = st.session_state[OFFICER]
        if st.session_state.get(MODE) == "password" and auth.still_officer(
                name, st.session_state.get(SIGNED_WITH, ""), accounts):
            _signed_in_bar(name, _forget, "password")
            return name
        _forget()
        st.session_state[NOTICE] = ("Your officer sign-in has ended: the account was removed or its password "
                                    "changed. Sign in again if you still have one.")
    if st.session_state.get(NOTICE):
        st.warning(st.session_state.pop(NOTICE))
    if not accounts:
        st.info(HOW_TO)
        return None
    broken = check_configuration()
    if broken:
        count = len(broken)
        st.error(f"The stored password hash of {count} officer account{'s are' if count > 1 else ' is'} "
                 f"malformed, so {'those officers' if count > 1 else 'that officer'} cannot sign in: make a new "
                 "one with `python -m harrow_kpi hash-password` and store it in single quotes. The server log "
                 "names the account.")
    with st.form("sign_in"):
        st.subheader("Officer sign-in")
        name = st.text_input("Officer name", key="sign_in_name", max_chars=auth.NAME_LIMIT)
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        _check(name.strip(), password, accounts)
    return None


def _check(name: str, password: str, accounts: dict[str, str]) -> None:
    try:
        result = auth.attempt(ui.db_path(), name, password, _client(), accounts)
    except store.StoreError as error:
        st.error(f"Sign-in is unavailable: the attempt could not be recorded. {error}")
        return
    if result.outcome == "accepted":
        st.session_state.update({OFFICER: name, MODE: "password",
                                 SIGNED_WITH: auth.fingerprint(accounts[name])})
        st.rerun()
    if result.outcome == "locked":
        who = "this officer name" if result.locked_by == "officer" else "this computer"
        st.error(f"Too many wrong passwords for {who}. Wait {auth.wait_words(result.wait)} before trying again.")
    elif result.outcome == "malformed":
        st.error("The stored password hash for this officer is malformed, so no password can match it. Ask the "
                 "administrator to make a new one with `python -m harrow_kpi hash-password` and store it in "
                 "single quotes.")
    else:
        st.error("That officer name and password do not match.")


def _oidc(secret_store: dict) -> str | None:
    """The council sign-in: st.user as it is on this run, judged by the rules as they are now."""
    if not st.user.is_logged_in:
        _forget()
        st.button("Sign in with your council account", on_click=st.login, key="oidc_login")
        return None
    claims = st.user.to_dict()
    decision = auth.oidc_officer(claims, dict(secret_store.get("officers_oidc", {}) or {}))
    seen = (str(claims.get("sub") or claims.get("email")), decision.officer)
    if st.session_state.get(AUDITED) != seen:
        st.session_state[AUDITED] = seen
        try:
            auth.record_oidc(ui.db_path(), str(claims.get("email") or claims.get("sub") or ""), _client(), decision)
        except store.StoreError:
            LOG.warning("A council sign-in could not be recorded in the sign-in audit.")
    if decision.officer and not _still_live_at_provider(secret_store):
        _forget()
        st.button("Sign out", on_click=st.logout, key="oidc_logout")
        return None
    if decision.officer:
        st.session_state.update({OFFICER: decision.officer, MODE: "oidc"})
        _signed_in_bar(decision.officer, st.logout, "council account")
        return decision.officer
    _forget()
    st.warning(ui.plain(decision.reason).replace(ui.plain(auth.WHO), _literal(decision.who)))
    st.button("Sign out", on_click=st.logout, key="oidc_logout")
    return None


def _still_live_at_provider(secret_store: dict) -> bool:
    """With the access token exposed (``expose_tokens = ['access']`` in [auth]), ask the provider on
    every run whether the sign-in is still live; without it there is nothing to ask."""
    try:
        token = st.user.tokens.get("access")
    except Exception:  # noqa: BLE001 - tokens not exposed
        token = None
    metadata_url = str((secret_store.get("auth") or {}).get("server_metadata_url") or "")
    if not token or not metadata_url:
        return True
    try:
        ended = auth.ended_at_provider(metadata_url, token)
    except auth.ProviderUnreachable:
        st.error("The council's identity provider could not be reached to confirm your sign-in, so uploads stay "
                 "locked for now. Try again in a minute.")
        return False
    if ended:
        st.warning("Your sign-in at the council's identity provider has ended. Sign out, then sign in again.")
        return False
    return True
