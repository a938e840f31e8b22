"""Harrow KPI Explorer: entry point. Run with ``streamlit run app.py``."""

from pages import leave_legacy_run

leave_legacy_run(__file__, default=True)

from pathlib import Path  # noqa: E402

import streamlit as st  # noqa: E402

from harrow_kpi import ui  # noqa: E402
from harrow_kpi.ui import sidebar, signin  # noqa: E402

st.set_page_config(
    page_title="Harrow KPI Explorer",
    layout="wide",
    initial_sidebar_state="auto",  # open on a desktop, closed on a phone (it would cover the page)
)

ui.focus_outline()

PAGES = Path(__file__).parent / "pages"

path = ui.db_path()
signin.check_configuration()  # a malformed officer password hash is logged when the app starts
# No page icons: Streamlit turns the current page's icon into the favicon, fetched from
# a font CDN, and the app must not need the network. Each page file is named as its URL
# path, so that Streamlit's legacy pages/ run finds a deep link (see pages/__init__.py).
presenting = st.query_params.get("present") == "1"
overview = st.Page("pages/overview.py", title="Overview", url_path="home", default=True)
priority_pages = [
    st.Page(f"pages/{slug}.py", title=name, url_path=slug)
    for slug, name in (
        (theme_id.split("/", 1)[1], name) for theme_id, name in ui.priority_names(path)
    )
    if (PAGES / f"{slug}.py").exists()
]

plans = st.Page("pages/plans-2004-2020.py", title="Plans 2004 to 2020", url_path="plans-2004-2020")
wards = st.Page("pages/ward-map.py", title="Ward map", url_path="ward-map")
upload = st.Page("pages/upload.py", title="Upload a quarter (officers)", url_path="upload")
cabinet = st.Page("pages/cabinet.py", title="Cabinet slides", url_path="cabinet")

navigation = st.navigation({
    "": [overview],
    "Corporate priorities 2019/20": priority_pages,
    "Over the years": [plans],
    "Places": [wards],
    "Officers": [upload],
    "Presenting": [cabinet],
}, position="hidden" if presenting else "sidebar")
if presenting and navigation.url_path != cabinet.url_path:
    # ?present=1 on any page opens the slides, with no sidebar.
    st.switch_page(cabinet, query_params=st.query_params.to_dict())
if navigation.url_path in {page.url_path for page in [overview, *priority_pages]}:
    sidebar.draw_for_app(path)
st.sidebar.page_link(cabinet, label="Present at Cabinet", query_params={"present": "1", "slide": "1"})
st.sidebar.caption(
    "London Borough of Harrow: corporate plans and performance reports, 2004–2020. "
    "Every figure cites its source document and line."
)
navigation.run()
