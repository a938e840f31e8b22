"""Harrow KPI Explorer: entry point. Run with ``streamlit run app.py``."""

import streamlit as st

st.set_page_config(
    page_title="Harrow KPI Explorer",
    page_icon="📊",
    layout="wide",
    initial_sidebar_state="expanded",
)

pages = [
    st.Page("pages/overview.py", title="Overview", icon="📊", url_path="overview", default=True),
]

navigation = st.navigation(pages)
st.sidebar.caption(
    "London Borough of Harrow: corporate plans and performance reports, 2004–2020. "
    "Every figure cites its source document and line."
)
navigation.run()
