"""The officer sign-in panel: OIDC via st.login when [auth] is configured, else passwords."""

from __future__ import annotations

import time

import streamlit as st

from harrow_kpi import auth, ui

OFFICER = "officer"
HOW_TO = """No officer account is configured, so uploads are switched off. An administrator can:

1. run `python -m harrow_kpi hash-password` and type the officer's password;
2. add the hash to `.streamlit/secrets.toml` under `[officers]`, e.g. `jsmith = "pbkdf2_sha256$..."`
   (or set `HARROW_KPI_OFFICERS="jsmith=pbkdf2_sha256$..."` in the environment);
3. or configure the council's identity provider for `st.login` under `[auth]`, with
   `officer_domains = ["harrow.gov.uk"]` or `officer_emails = [...]` in `[officers_oidc]`."""


def _secrets() -> dict:
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except Exception:  # noqa: BLE001 - no secrets file is a normal, open deployment
        return {}


def officer() -> str | None:
    """The signed-in officer's name, drawing the sign-in panel when there is none."""
    if st.session_state.get(OFFICER):
        left, right = st.columns([4, 1])
        left.caption(f"Signed in as officer **{ui.plain(st.session_state[OFFICER])}**.")
        right.button("Sign out", on_click=_sign_out, key="sign_out")
        return st.session_state[OFFICER]
    secret_store = _secrets()
    if "auth" in secret_store:
        return _oidc(secret_store)
    accounts = auth.officers(secret_store)
    if not accounts:
        st.info(HOW_TO)
        return None
    with st.form("sign_in"):
        st.subheader("Officer sign-in")
        name = st.text_input("Officer name", key="sign_in_name")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        failures = st.session_state.get("sign_in_failures", 0)
        time.sleep(auth.failure_delay(failures))
        if auth.sign_in(name.strip(), password, accounts):
            st.session_state[OFFICER] = name.strip()
            st.session_state["sign_in_failures"] = 0
            st.rerun()
        st.session_state["sign_in_failures"] = failures + 1
        st.error("That officer name and password do not match.")
    return None


def _oidc(secret_store: dict) -> str | None:
    if not st.user.is_logged_in:
        st.button("Sign in with your council account", on_click=st.login, key="oidc_login")
        return None
    claims = st.user.to_dict()
    if auth.is_officer_claims(claims, secret_store.get("officers_oidc", {})):
        st.session_state[OFFICER] = str(claims.get("email"))
        st.rerun()
    st.warning("You are signed in, but not as an officer allowed to upload.")
    st.button("Sign out", on_click=st.logout, key="oidc_logout")
    return None


def _sign_out() -> None:
    st.session_state.pop(OFFICER, None)
