"""The shared scrutiny filters in the sidebar, kept in the URL so a view can be shared.

Drawn once per run by app.py (widgets in the entry point keep their state across
pages); a page run on its own draws them itself.
"""

from __future__ import annotations

import streamlit as st

from harrow_kpi import filters as flt
from harrow_kpi import periods, rag, ui
from harrow_kpi.ui import signin

STATE = "filters"
DRAWN_BY_APP = "filters_drawn_by_app"
KEYS = {
    "quarter": "quarter",
    "headline": "f_headline",
    "rag": "f_rag",
    "portfolio_holder": "f_ph",
    "director": "f_director",
    "direction": "f_direction",
    "search": "f_search",
    "drafts": "f_drafts",
}
RAG_WORDS = {**{band: ui.rag_text(band) for band in rag.BANDS},
             flt.DIFFERS: "⚠ reported RAG differs from the rule", flt.NO_RAG: "– no RAG this quarter"}
DIRECTION_WORDS = {**{d: ui.direction_text(d) for d in ("improving", "unchanged", "worsening")},
                   flt.NO_RAG: ui.direction_text(None)}


def _clear():
    st.session_state[KEYS["headline"]] = False
    st.session_state[KEYS["search"]] = ""
    for name in ("rag", "portfolio_holder", "director", "direction"):
        st.session_state[KEYS[name]] = []


def sidebar(path: str) -> flt.Filters:
    """Draw the filters, seeded from the URL on a session's first run; return them."""
    published = ui.reported_quarters(path, drafts=False)
    drafts = ui.draft_quarters(path)
    choices = ui.filter_choices(path)
    if KEYS["headline"] not in st.session_state:
        # First run of a session (seed from the link), or back from a page without these
        # filters, whose widgets Streamlit has forgotten (seed from the last filters used).
        initial = st.session_state.get(STATE) or flt.from_query(
            st.query_params.to_dict(), published, choices["holders"], choices["directors"], drafts
        )
        # The default quarter is the latest published one, for officers too.
        st.session_state[KEYS["quarter"]] = initial.quarter or (published[-1] if published else None)
        st.session_state[KEYS["drafts"]] = initial.drafts or bool(st.session_state.get(signin.OFFICER))
        for name in ("headline", "search"):
            st.session_state[KEYS[name]] = getattr(initial, name)
        for name in ("rag", "portfolio_holder", "director", "direction"):
            st.session_state[KEYS[name]] = list(getattr(initial, name))
        st.session_state["filters_ignored"] = initial.ignored
    if drafts:
        # Offered before the quarter list is drawn, so turning it on adds the drafts at once.
        st.sidebar.toggle("Show draft quarters", key=KEYS["drafts"],
                          help="Quarters officers are still loading; not yet published.")
    quarters = [*published, *drafts] if st.session_state.get(KEYS["drafts"]) else published
    quarters = sorted(quarters, key=lambda period: periods.parse(period).order)
    if st.session_state.get(KEYS["quarter"]) not in quarters:
        st.session_state[KEYS["quarter"]] = published[-1] if published else None
    with st.sidebar:
        st.header("Filters")
        if quarters:
            st.selectbox("Quarter", quarters[::-1], key=KEYS["quarter"],
                         format_func=lambda period: ui.quarter_label(period) + (" (draft)" if period in drafts else ""))
        st.toggle("Headline measures only", key=KEYS["headline"])
        st.multiselect("RAG status", flt.RAG_CHOICES, key=KEYS["rag"], format_func=RAG_WORDS.get,
                       placeholder="Any RAG")
        st.multiselect("Portfolio holder", choices["holders"], key=KEYS["portfolio_holder"], placeholder="Anyone")
        st.multiselect("Director", choices["directors"], key=KEYS["director"], placeholder="Anyone")
        st.multiselect("Direction of travel", flt.DIRECTIONS, key=KEYS["direction"],
                       format_func=DIRECTION_WORDS.get, placeholder="Any direction")
        st.text_input("Measure name contains", key=KEYS["search"], max_chars=100)
        st.button("Clear filters", on_click=_clear, width="stretch")
        ignored = st.session_state.get("filters_ignored")
        if ignored:
            st.caption("Ignored in the link: " + ui.plain(", ".join(ignored)))
    chosen = flt.Filters(
        quarter=st.session_state.get(KEYS["quarter"]),
        headline=bool(st.session_state[KEYS["headline"]]),
        rag=tuple(st.session_state[KEYS["rag"]]),
        portfolio_holder=tuple(st.session_state[KEYS["portfolio_holder"]]),
        director=tuple(st.session_state[KEYS["director"]]),
        direction=tuple(st.session_state[KEYS["direction"]]),
        search=(st.session_state[KEYS["search"]] or "").strip(),
        drafts=bool(drafts and st.session_state.get(KEYS["drafts"])),
    )
    keep = {k: v for k, v in st.query_params.to_dict().items() if k not in flt.PARAMS.values()}
    wanted = {**keep, **chosen.to_query()}
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    st.session_state[STATE] = chosen
    return chosen


def current(path: str) -> flt.Filters:
    """The filters app.py drew this run, or draw them here when a page runs alone."""
    if st.session_state.get(DRAWN_BY_APP):
        return st.session_state[STATE]
    return sidebar(path)


def draw_for_app(path: str) -> flt.Filters:
    """Called by app.py before the page runs, so the widgets live in the entry point."""
    st.session_state[DRAWN_BY_APP] = True
    return sidebar(path)
