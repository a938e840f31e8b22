"""The page scripts, one per page, each named as its URL path (``/ward-map`` is ``ward-map.py``).

Streamlit runs its legacy emulation of a ``pages/`` folder for the first script run of a server
process (``PagesManager.uses_pages_directory`` stays true until the process's first
``st.navigation``): that run lists these files by name in the sidebar and runs the file whose name
matches the URL, without app.py. Naming each file as its URL path means the emulation finds the
page a deep link asks for (so no "Page not found"), and every page and app.py first call
``leave_legacy_run``, which, in that one run only, swaps the file-name menu for a hidden one and
reruns, so that app.py's own navigation draws the page. Kept free of the app's imports so that
it runs within milliseconds of the server's first request.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def leave_legacy_run(script: str, default: bool = False) -> None:
    """In Streamlit's legacy pages/ run (once per process), hand over to app.py's navigation.

    ``default`` is for app.py itself, which that run opens for the root URL: it goes on to draw
    its own navigation in the same run. A page file reruns, so that app.py draws it."""
    if not PagesManager.uses_pages_directory or not st.context.headers:
        # No headers: no browser (AppTest), so no menu to show and no dialog to avoid.
        return
    # A default page is needed, and a default page has no URL of its own: the page asked for is
    # listed beside it so that the link still finds it. st.navigation ends the legacy mode.
    start = st.Page(lambda: None, title="Harrow KPI Explorer", url_path="starting", default=True)
    st.navigation([start] if default else [start, st.Page(script)], position="hidden")
    if not default:
        st.rerun()
