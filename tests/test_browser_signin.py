"""Officer sign-in end to end in headless Chromium: the real st.login flow against a real OpenID
provider (oidc-provider-mock, served on 127.0.0.1 by a fixture here), and the password throttle
across tabs and a server restart.

The test servers read a secrets.toml written to a temporary folder with secrets made up for the
run; nothing here is a real secret, and the repository's .streamlit/secrets.toml is never read.
"""

import secrets
import shutil
import time

import pytest

from tests import provider
from tests.helpers import without_sign_ins
from tests.test_browser import (
    AXE,
    CHROMIUM,
    OFFICER_PASSWORD,
    OUTPUT,
    STREAMLIT_OWNED,
    choose_file,
    start_server,
    sync_api,
)


@pytest.fixture(scope="module")
def chromium():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield launched
        launched.close()

# This session's loopback ports, the first free one of each range (else any free one).
APP_PORTS = range(8610, 8615)
PROVIDER_PORTS = range(8615, 8620)

# The identities the provider hands out, as a council's provider would send their claims.
USERS = {
    "officer@harrow.gov.uk": {"email": "officer@harrow.gov.uk", "email_verified": True, "name": "A Officer"},
    "outsider@example.org": {"email": "outsider@example.org", "email_verified": True, "name": "An Outsider"},
    # Some providers send the flag as a string: "false" must not read as verified.
    "unverified@harrow.gov.uk": {"email": "unverified@harrow.gov.uk", "email_verified": "false"},
}


@pytest.fixture(scope="module")
def identity_provider():
    """oidc-provider-mock on 127.0.0.1, in a thread of the test process, with USERS registered."""
    with provider.serving(USERS, PROVIDER_PORTS) as url:
        yield url


def write_secrets(path, app_url: str, provider_url: str, domains=("harrow.gov.uk",)) -> None:
    """[auth] for the provider (made-up client credentials and cookie secret) and the officer rule."""
    path.write_text(
        "[auth]\n"
        f"redirect_uri = '{app_url}/oauth2callback'\n"
        f"cookie_secret = '{secrets.token_hex(32)}'\n"
        "client_id = 'harrow-kpi-test'\n"
        f"client_secret = '{secrets.token_hex(16)}'\n"
        f"server_metadata_url = '{provider_url}/.well-known/openid-configuration'\n"
        "expose_tokens = ['access']\n\n"
        "[officers_oidc]\n"
        f"officer_domains = [{', '.join(repr(d) for d in domains)}]\n",
        encoding="utf-8")


@pytest.fixture(scope="module")
def council_app(db_file, identity_provider, tmp_path_factory, chromium):
    """The app with [auth] set for the provider; yields (app url, provider url, secrets file, database)."""
    folder = tmp_path_factory.mktemp("oidc")
    database = folder / "kpi.db"
    without_sign_ins(shutil.copy(db_file, database))  # the officer's upload writes to it
    port = provider.loopback_port(APP_PORTS)
    secrets_file = folder / "secrets.toml"
    write_secrets(secrets_file, f"http://127.0.0.1:{port}", identity_provider)
    process, url = start_server(database, port=port, secrets=secrets_file, officers=False)
    warm(chromium, url)
    yield url, identity_provider, secrets_file, database
    process.terminate()
    process.wait(timeout=20)


def warm(chromium, url: str) -> None:
    """The first request after a start runs Streamlit's pages/ emulation once: open the root first."""
    page = chromium.new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("Priorities in").first.wait_for(timeout=60_000)
    page.close()


def council_sign_in(page, app_url: str, provider_url: str, sub: str) -> None:
    """Through st.login: the app's button, the provider's authorisation form, back to the app."""
    page.goto(f"{app_url}/upload", wait_until="domcontentloaded")
    page.get_by_role("button", name="Sign in with your council account").click()
    page.wait_for_url(f"{provider_url}/oauth2/authorize**", timeout=30_000)
    page.locator('input[name="sub"]').fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{app_url}/**", timeout=30_000)
    page.get_by_text("Priorities in").first.wait_for(timeout=60_000)  # Streamlit returns to the home page
    page.goto(f"{app_url}/upload", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Upload a quarter").wait_for(timeout=60_000)


def serious_violations(page, within="body") -> list:
    """axe-core's serious and critical WCAG 2.2 AA findings in ``within`` (as test_browser checks)."""
    if not AXE.exists():
        return []  # test_browser says why (CI installs axe-core)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async ([within, exclude]) => await axe.run({include: [[within]], exclude: exclude},
            {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})""",
        [within, STREAMLIT_OWNED])
    return [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


def page_text(page) -> str:
    """The main area's text as read (the invisible word joiner that keeps an address from becoming a
    link taken out)."""
    return page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")


def test_a_listed_council_officer_signs_in_uploads_signs_out_and_is_locked_again(council_app, chromium, tmp_path):
    from harrow_kpi import store

    app_url, provider_url, _, database = council_app
    page = chromium.new_page(viewport={"width": 1366, "height": 1000})
    council_sign_in(page, app_url, provider_url, "officer@harrow.gov.uk")
    page.get_by_text("Signed in as officer").wait_for(timeout=30_000)
    assert "officer@harrow.gov.uk (council account)" in page_text(page)
    assert page.locator('[data-testid="stMain"] a[href^="mailto:"]').count() == 0  # shown as text, not a link
    assert serious_violations(page, '[data-testid="stMain"] [data-testid="stHorizontalBlock"]') == []  # the bar
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "signin-council-officer.png"), full_page=True)
    quarter = tmp_path / "q3.csv"
    quarter.write_text("indicator_id,period,actual\nbook-issues,2019/20 Q3,5\n", encoding="utf-8")
    choose_file(page, "Quarter CSV or Excel file", quarter)
    page.get_by_role("button", name="Commit 1 row").click()
    page.get_by_text("Upload 1 committed: 1 added").wait_for(timeout=30_000)
    with store.opened(database) as db:
        assert db.execute("SELECT user, status FROM uploads").fetchall() == [("officer@harrow.gov.uk", "accepted")]
        audit = db.execute("SELECT method, officer, outcome FROM sign_in_attempts").fetchall()
    assert ("oidc", "officer@harrow.gov.uk", "accepted") in audit
    # Sign out: st.logout() clears the identity cookie and ends the session at the provider too.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{provider_url}/oauth2/end_session**", timeout=30_000)
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{app_url}/**", timeout=30_000)
    page.goto(f"{app_url}/upload", wait_until="domcontentloaded")
    page.get_by_text("locked until an officer signs in").wait_for(timeout=60_000)
    # The sign-in button is drawn a moment after the notice; a loaded run can look in between.
    page.get_by_role("button", name="Sign in with your council account").wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Sign in with your council account").count() == 1
    assert page.get_by_text("(council account)").count() == 0
    page.screenshot(path=str(OUTPUT / "signin-council-signed-out.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("sub,message", [
    ("outsider@example.org", "You are signed in as outsider@example.org, which is not on the list of officers "
                             "allowed to upload."),
    ("unverified@harrow.gov.uk", "You are signed in as unverified@harrow.gov.uk, but the identity provider has "
                                 "not confirmed that address (email_verified is not true)"),
])
def test_an_unlisted_or_unverified_council_user_stays_locked_with_a_clear_message(council_app, chromium, sub,
                                                                                    message):
    app_url, provider_url, _, _ = council_app
    page = chromium.new_page(viewport={"width": 1366, "height": 1000})
    council_sign_in(page, app_url, provider_url, sub)
    page.get_by_text("locked until an officer signs in").wait_for(timeout=60_000)
    assert message in page_text(page)
    assert page.locator('[data-testid="stMain"] a[href^="mailto:"]').count() == 0
    assert serious_violations(page) == []
    assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
    assert page.get_by_role("button", name="Sign out").count() == 1
    page.screenshot(path=str(OUTPUT / f"signin-council-{sub.split('@')[0]}.png"), full_page=True)
    page.close()


def test_dropping_the_officer_rule_locks_an_open_council_session_at_the_next_click(council_app, chromium, tmp_path):
    app_url, provider_url, secrets_file, _ = council_app
    page = chromium.new_page(viewport={"width": 1366, "height": 1000})
    council_sign_in(page, app_url, provider_url, "officer@harrow.gov.uk")
    page.get_by_text("Signed in as officer").wait_for(timeout=30_000)
    original = secrets_file.read_text(encoding="utf-8")
    try:
        secrets_file.write_text(original.replace("['harrow.gov.uk']", "['elsewhere.example']"), encoding="utf-8")
        time.sleep(3)  # Streamlit polls the secrets file
        quarter = tmp_path / "q3.csv"
        quarter.write_text("indicator_id,period,actual\nbook-issues,2019/20 Q3,6\n", encoding="utf-8")
        choose_file(page, "Quarter CSV or Excel file", quarter)
        page.get_by_text("which is not on the list of officers allowed to upload").wait_for(timeout=30_000)
        page.get_by_text("(council account)").wait_for(state="detached", timeout=30_000)
        page.screenshot(path=str(OUTPUT / "signin-council-rule-dropped.png"), full_page=True)
        assert page.get_by_role("button", name="Commit 1 row").count() == 0
    finally:
        secrets_file.write_text(original, encoding="utf-8")
        time.sleep(3)
    page.close()


def test_a_sign_in_ended_at_the_provider_locks_the_open_session_at_the_next_click(council_app, chromium, tmp_path):
    app_url, provider_url, _, _ = council_app
    page = chromium.new_page(viewport={"width": 1366, "height": 1000})
    council_sign_in(page, app_url, provider_url, "officer@harrow.gov.uk")
    page.get_by_text("(council account)").wait_for(timeout=30_000)
    # An administrator (or the officer, elsewhere) ends the sign-in at the provider: its tokens are revoked.
    assert provider.call(provider_url, "/users/officer%40harrow.gov.uk/revoke-tokens") == 204
    quarter = tmp_path / "q3.csv"
    quarter.write_text("indicator_id,period,actual\nbook-issues,2019/20 Q3,7\n", encoding="utf-8")
    choose_file(page, "Quarter CSV or Excel file", quarter)
    page.get_by_text("Your sign-in at the council's identity provider has ended").wait_for(timeout=30_000)
    page.get_by_text("(council account)").wait_for(state="detached", timeout=30_000)
    assert page.get_by_role("button", name="Commit 1 row").count() == 0
    page.close()


def wrong_password(page, password="not the password") -> None:
    page.get_by_label("Officer name").fill("tester")
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def attempts_in(database) -> int:
    import sqlite3

    with sqlite3.connect(database) as db:
        try:
            return db.execute("SELECT count(*) FROM sign_in_attempts").fetchone()[0]
        except sqlite3.OperationalError:  # no attempt yet: the table is made with the first
            return 0


def recorded(database, count: int) -> None:
    """Wait until the store holds ``count`` sign-in attempts (each click is one run of the page)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        if attempts_in(database) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} sign-in attempts were recorded")


def test_five_wrong_passwords_lock_a_new_tab_and_survive_a_server_restart(db_file, chromium, tmp_path):
    database = tmp_path / "kpi.db"
    without_sign_ins(shutil.copy(db_file, database))
    process, url = start_server(database)
    try:
        warm(chromium, url)
        tab = chromium.new_page(viewport={"width": 1366, "height": 900})
        tab.goto(f"{url}/upload", wait_until="domcontentloaded")
        before = attempts_in(database)
        for count in range(1, 6):
            wrong_password(tab)
            tab.get_by_text("That officer name and password do not match.").wait_for(timeout=30_000)
            recorded(database, before + count)
        tab.close()
        fresh = chromium.new_page(viewport={"width": 1366, "height": 900})
        fresh.goto(f"{url}/upload", wait_until="domcontentloaded")
        wrong_password(fresh, OFFICER_PASSWORD)  # the right password, but the name must wait
        fresh.get_by_text("Too many wrong passwords for this officer name. Wait").wait_for(timeout=30_000)
        fresh.screenshot(path=str(OUTPUT / "signin-locked.png"), full_page=True)
        fresh.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
    process, url = start_server(database)
    try:
        warm(chromium, url)
        after = chromium.new_page(viewport={"width": 1366, "height": 900})
        after.goto(f"{url}/upload", wait_until="domcontentloaded")
        wrong_password(after, OFFICER_PASSWORD)
        after.get_by_text("Too many wrong passwords for this officer name. Wait").wait_for(timeout=30_000)
        assert after.get_by_text("(password)").count() == 0
        after.close()
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_malformed_hash_is_reported_at_start_up_and_on_the_form(db_file, chromium, tmp_path):
    database = tmp_path / "kpi.db"
    without_sign_ins(shutil.copy(db_file, database))
    broken = tmp_path / "secrets.toml"
    # What bash leaves of HARROW_KPI_OFFICERS="tester=pbkdf2_sha256$240000$..." in double quotes.
    broken.write_text("[officers]\ntester = 'pbkdf2_sha25640000'\n", encoding="utf-8")
    process, url = start_server(database, secrets=broken, officers=False)
    try:
        warm(chromium, url)
        page = chromium.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"{url}/upload", wait_until="domcontentloaded")
        page.get_by_text("The stored password hash of 1 officer account is malformed").wait_for(timeout=60_000)
        wrong_password(page, "whatever it was")
        page.get_by_text("The stored password hash for this officer is malformed").wait_for(timeout=30_000)
        page.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
    log = process.stdout.read().decode(errors="replace")
    assert "Officer 'tester' cannot sign in: the stored password hash is malformed: it has 1 part" in log
