"""The page scripts, one per page, each named as its URL path (``/ward-map`` is ``ward-map.py``).

Streamlit runs its legacy emulation of a ``pages/`` folder for the first script run of a server
process (``PagesManager.uses_pages_directory`` stays true until the process's first
``st.navigation``; AppTest resets it before every run): that run lists these files by name in the
sidebar and runs the file whose name matches the URL, without app.py. Naming each file as its URL
path means the emulation finds the page a deep link asks for (so no "Page not found"), and every
page and app.py first call ``leave_legacy_run``, which, in that run only, runs app.py in a page
file's place, so that app.py's own navigation draws the page. The file-name menu is never drawn:
.streamlit/config.toml turns the sidebar menu off, so the emulation's menu is a hidden one, and
``leave_legacy_run`` turns it back on for the app's own. Kept free of the app's imports so that it
runs within milliseconds of the server's first request. (The Overview lives at the root URL; its file
keeps the name overview.py, since a URL path equal to a default page's file name confuses Streamlit's widget state.)
"""

import runpy
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def leave_legacy_run(script: str, default: bool = False) -> None:
    """In Streamlit's legacy pages/ run, hand over to app.py's navigation.

    ``default`` is for app.py itself, which that run opens for the root URL: it goes on to draw
    its own navigation in the same run. A page file runs app.py in its place, then stops."""
    if not PagesManager.uses_pages_directory:
        return
    # The legacy run drew its file-name menu hidden, as .streamlit/config.toml asks; from here on
    # the app's own menu is the one the sidebar shows.
    st.set_option("client.showSidebarNavigation", True)
    # A default page is needed, and a default page has no URL of its own: the page asked for is
    # listed beside it so that the link still finds it. st.navigation ends the legacy mode, and its
    # hidden menu replaces the file names at once.
    start = st.Page(lambda: None, title="Harrow KPI Explorer", url_path="starting", default=True)
    st.navigation([start] if default else [start, st.Page(script)], position="hidden")
    if not default:
        runpy.run_path(str(Path(script).resolve().parent.parent / "app.py"), run_name="__main__")
        st.stop()
