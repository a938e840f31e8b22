"""A page's choices kept in the URL, so a view can be bookmarked or sent to a colleague.

Each widget is seeded from the link once per session (a value the page cannot show
is dropped), and its value is written back to the URL as it changes.
"""

from __future__ import annotations

import streamlit as st


def seed(key: str, param: str, allowed, default=None, many: bool = False) -> None:
    """Give widget ``key`` its value from ``?param=`` on a session's first run."""
    if key in st.session_state:
        return
    if many:
        values = [v for item in st.query_params.get_all(param) for v in item.split(",") if v in allowed]
        st.session_state[key] = values or list(default or [])
    else:
        raw = st.query_params.get(param)
        st.session_state[key] = raw if raw in allowed else default


def keep(param: str, value) -> None:
    """Write a choice to ``?param=`` (a list comma-separated); an empty choice leaves the URL."""
    text = ",".join(value) if isinstance(value, list | tuple) else (value or "")
    if text:
        if st.query_params.get(param) != text:
            st.query_params[param] = text
    elif param in st.query_params:
        del st.query_params[param]
