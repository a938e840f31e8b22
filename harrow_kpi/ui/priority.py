"""One page per corporate priority, drawn by one function.

Top to bottom: the priority and its objectives; the overall picture for the
quarter (RAG tiles, direction of travel, downloads); then either the measure
cards with their trends, or one measure in detail (``?indicator=``); and the
priority's Harrow Ambition Plan actions.
"""

from __future__ import annotations

import html
from typing import NamedTuple
from urllib.parse import urlencode

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from harrow_kpi import exports, periods, rag, rag_arithmetic, ui
from harrow_kpi import filters as flt
from harrow_kpi.ui import sidebar, url

MAX_DEFAULT_CHARTS = 4
CARDS_PER_PAGE = 40


def detail_key(theme_id: str) -> str:
    return f"indicator:{theme_id}"


class Card(NamedTuple):
    indicator_id: str
    title: str  # Markdown, escaped
    html: str  # its body, every text escaped


class View(NamedTuple):
    """What a priority page shows for one quarter and set of filters, made once per data version
    and shared by every session (read-only): a page run only sends it (docs/performance.md)."""

    name: str
    measures: pd.DataFrame  # every measure of the priority in the quarter
    shown: pd.DataFrame  # those the filters keep
    picture: dict  # flt.summary(shown)
    names: dict[str, str]  # each measure's name, by id
    units: dict[str, str | None]  # and its unit
    cards: tuple[Card, ...]


@ui.shared(maxsize=256)
def _view(path: str, theme_id: str, chosen: flt.Filters) -> View | None:
    priorities = ui.priorities(path)
    match = priorities[priorities["theme_id"] == theme_id]
    if match.empty or not chosen.quarter:
        return None
    everything = ui.scorecard(path, chosen.quarter)
    measures = everything[everything["priority"] == theme_id]
    shown = flt.apply(measures, chosen)
    cards = tuple(Card(row["indicator_id"], ui.plain(row["name"]), _card_html(row)) for row in shown.to_dict("records"))
    return View(match.iloc[0]["name"], measures, shown, flt.summary(shown),
                dict(zip(measures["indicator_id"], measures["name"])),
                dict(zip(measures["indicator_id"], measures["unit"])), cards)


def priority_page(theme_id: str) -> None:
    path = ui.db_path()
    chosen = sidebar.current(path)
    view = _view(path, theme_id, chosen)
    if view is None:
        st.info("This priority has no scorecard figures in the database yet.")
        return
    name, measures = view.name, view.measures
    quarter = chosen.quarter

    st.title(ui.plain(name))
    st.caption(f"Corporate Scorecard {periods.parse(quarter).financial_year} · {ui.quarter_label(quarter)} · "
               f"filters: {ui.plain(chosen.describe())}")
    ui.draft_notice(path, quarter)
    key = detail_key(theme_id)
    ids = list(measures["indicator_id"])
    url.seed(key, "indicator", ids)
    if not st.session_state.get(key):
        _objectives(path, theme_id)
        _overall(path, theme_id, chosen)
        _downloads(view.shown, chosen, name, ui.draft_label(path, quarter))
    names = view.names
    selected = st.selectbox(
        "Open a measure in detail", [None, *ids], key=key,
        format_func=lambda i: names[i] if i else "All measures (choose one to open it)",
        help="Any measure of this priority, whatever the filters",
        placeholder="All measures (choose one to open it)",
    )
    url.keep("indicator", selected)
    _scroll_to_top()
    if selected:
        _breadcrumb(name, names[selected], selected)
        measure_detail(path, selected, key)
    else:
        _trends(path, view, _cards(view, chosen, key))
    _actions(path, theme_id, name)


# Sections with no widget are drawn once per data version and then replayed by st.cache_data: a
# run sends the elements kept, without making them again (docs/performance.md).
@st.cache_data(show_spinner=False, max_entries=64)
def _objectives(path: str, theme_id: str) -> None:
    objectives = ui.objectives(path, theme_id)
    st.subheader("Our key objectives")
    if objectives.empty:
        st.caption("The Q2 2019/20 report prints no list of objectives for this priority.")
        return
    st.markdown("\n".join(f"- {ui.plain(text)}" for text in objectives["name"]))


@st.cache_data(show_spinner=False, max_entries=256)
def _overall(path: str, theme_id: str, chosen: flt.Filters) -> None:
    view = _view(path, theme_id, chosen)
    picture, measures = view.picture, view.measures
    st.header(f"Overall picture in {chosen.quarter}")
    scope = f"{picture['measures']} of {len(measures)} measures" if chosen.active else f"{len(measures)} measures"
    st.caption(f"RAG reported for the quarter, {scope}.")
    badges = "".join(ui.rag_badge_html(band, picture["bands"][band]) for band in rag.BANDS)
    badges += ui.rag_badge_html(None, picture["no_rag"])
    st.markdown(badges, unsafe_allow_html=True)
    improving, unchanged, worsening = st.columns(3)
    compared = picture["compared"]

    def share(count):
        return f"{count} ({count / compared:.0%})" if compared else "0"

    improving.metric("▲ Improved", share(picture["improving"]), help="Against the previous quarter")
    unchanged.metric("► Unchanged", share(picture["unchanged"]))
    worsening.metric("▼ Worsened", share(picture["worsening"]))
    st.caption(
        f"Direction of travel compares {ui.plural(compared, 'measure')} with figures in both this quarter and the "
        f"last; {ui.plural(picture['differs'], 'reported RAG differs', 'reported RAGs differ')} from Harrow's rule."
    )


def _downloads(shown: pd.DataFrame, chosen: flt.Filters, name: str, draft: str) -> None:
    """The filtered list exactly as shown, a draft marked as one; files are made only when asked for."""
    def table() -> pd.DataFrame:
        # Built only when a button is pressed: a page run that makes no file pays nothing for it.
        rows = ui.measures_download(shown)
        if draft:
            rows.insert(0, "Draft", draft)
        return rows

    stem = f"{name.lower().replace(' ', '-')}-{chosen.quarter.replace('/', '-').replace(' ', '-')}"
    stem += "-DRAFT" if draft else ""
    title = f"{name}, {chosen.quarter}: {chosen.describe()}" + (f" ({draft})" if draft else "")
    left, right, _ = st.columns([1, 1, 3])
    left.download_button("Download CSV", lambda: exports.to_csv(table()), f"{stem}.csv", mime="text/csv",
                         icon="⬇", key="download_csv", on_click="ignore")
    right.download_button(
        "Download Excel", lambda: exports.to_excel(table(), title=title, number_formats=ui.DOWNLOAD_NUMBER_FORMATS),
        f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon="⬇", key="download_xlsx", on_click="ignore",
    )


def _cards(view: View, chosen: flt.Filters, key: str) -> tuple[str, ...]:
    """A card per measure, a page of them at a time; returns the ids of the measures shown."""
    st.header("Measures")
    if not view.cards:
        st.info(
            f"No measures of this priority match the filters ({ui.plain(chosen.describe())}). "
            "Widen or clear them in the sidebar."
        )
        return ()
    pages = max(1, -(-len(view.cards) // CARDS_PER_PAGE))
    number = 1
    if pages > 1:
        number = st.selectbox(f"Page (of {pages}, {CARDS_PER_PAGE} measures each)", range(1, pages + 1),
                              key=f"{key}:page")
    first, last = (number - 1) * CARDS_PER_PAGE, number * CARDS_PER_PAGE
    st.caption("Headline measures first. Figures are as the report prints them.")
    st.html(CARD_STYLE)
    for card in view.cards[first:last]:
        # Three elements a card: each is a message every page run makes and sends (docs/performance.md).
        with st.container(border=True):
            # A heading with an anchor, so the measure view's breadcrumb scrolls back to this card
            # (Streamlit replaces an HTML heading's own id with a slug of its text).
            st.subheader(card.title, anchor=card_anchor(card.indicator_id))
            st.markdown(card.html, unsafe_allow_html=True)
            st.button("Details", key=f"open:{card.indicator_id}", on_click=_select,
                      args=(key, card.indicator_id), help="Trend, sources and RAG history")
    return tuple(card.indicator_id for card in view.cards[first:last])


# A card's headline mark and commentary, then its figures, RAG and direction in three columns, all
# one element: a page of 40 cards was over 500 elements, each paid for on every run
# (docs/performance.md). At phone width the columns stack.
CARD_STYLE = """<style>
.card-about {color: #505A5F; font-size: 0.875rem; margin: -0.6rem 0 0.5rem 0;}
.card-about .headline {background: #E8F1FB; color: #1D4F91; border-radius: 0.3rem; padding: 0 0.4rem;
  font-weight: 600; margin-right: 0.4rem;}
.card-body {display: grid; grid-template-columns: 1.3fr 1.8fr 1.6fr; gap: 1rem; align-items: start;}
.card-body small, .card-body .note {color: #505A5F;}
@media (max-width: 640px) {.card-body {grid-template-columns: 1fr; gap: 0.4rem;}}
</style>"""


def _card_html(row: dict) -> str:
    """The measure's name as a heading whose id the measure view's breadcrumb links back to (Streamlit
    draws an HTML heading as its own, scrolled to when the link's #anchor names it); headline or not
    and the commentary; target and actual; the reported RAG (and the rule's, where it differs or
    nothing is reported); direction of travel. Every text from the data is escaped."""
    text = ui.html_text
    about = ['<span class="headline">Headline</span>'] if row["headline"] else []
    if isinstance(row["commentary"], str):
        about.append(text(row["commentary"]))
    target = ui.figure_shown(row["target_as_printed"], row["target"], row["unit"]) or "–"
    actual = ui.figure_shown(row["actual_as_printed"], row["actual"], row["unit"], row.get("qualifier")) or "–"
    figures = f"Target <strong>{text(target)}</strong><br>Actual <strong>{text(actual)}</strong>"
    if isinstance(row["status_note"], str):
        figures += f'<div class="note">{text(ui.status_text(row["status_note"]))}</div>'
    status = (ui.rag_badge_html(row["rag_reported"]) if isinstance(row["rag_reported"], str)
              else "No RAG reported")
    if row["rag_differs"]:
        status += f"<div>⚠ <strong>Rule gives {text(ui.rag_text(row['rag_computed']))}</strong></div>"
    elif isinstance(row["rag_computed"], str) and not isinstance(row["rag_reported"], str):
        status += f'<div class="note">Rule gives {text(ui.rag_text(row["rag_computed"]))}</div>'
    travel = (f"{text(ui.direction_text(row['direction']))}<br><small>vs previous quarter</small><br>"
              f"{text(ui.direction_text(row['direction_year']))}<br><small>vs a year earlier</small>")
    return ((f'<div class="card-about">{" ".join(about)}</div>' if about else "")
            + f'<div class="card-body"><div>{figures}</div><div>{status}</div><div>{travel}</div></div>')


def card_anchor(indicator_id: str) -> str:
    return f"card-{indicator_id}"


def _breadcrumb(priority: str, measure: str, indicator_id: str) -> None:
    """Where the reader is, with a link back to the measure's card (the list, scrolled to it)."""
    query = {k: v for k, v in st.query_params.to_dict().items() if k != "indicator"}
    back = f"?{urlencode(query)}#{card_anchor(indicator_id)}"
    st.markdown(
        f'<nav aria-label="Breadcrumb">Corporate priorities 2019/20 › '
        f'<a href="{html.escape(back)}" target="_self">{html.escape(priority)}</a> › '
        f'<span aria-current="page">{html.escape(measure)}</span></nav>', unsafe_allow_html=True)


def _link_to_this_view() -> None:
    """The view's own link, with a copy button (st.code has one)."""
    here = st.context.url or ""
    query = urlencode(st.query_params.to_dict())
    st.caption("Link to this view (the filters and the measure are in it):")
    st.code(f"{here.split('?')[0]}?{query}", language=None, wrap_lines=True)


def _select(key: str, indicator_id: str | None) -> None:
    st.session_state[key] = indicator_id
    st.session_state[SCROLL_TOP] = True


SCROLL_TOP = "priority_scroll_top"
# Our own script, no data in it: after "Details" or "All measures" the page starts at its top,
# not wherever the button was (Streamlit keeps the scroll offset across reruns).
_TO_TOP = "<script>parent.document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)</script>"


def _scroll_to_top() -> None:
    if st.session_state.pop(SCROLL_TOP, False):
        components.html(_TO_TOP, height=0)


def _trends(path: str, view: View, shown: tuple[str, ...]) -> None:
    """Trend charts of the measures whose cards are shown (``shown``, their ids)."""
    st.header("Trends")
    chartable = ui.chartable(path, shown)
    if not chartable:
        st.caption("None of the measures shown has two or more figures to draw.")
        return
    names, units = view.names, view.units
    default = chartable[:MAX_DEFAULT_CHARTS]
    picked = st.multiselect(
        "Measures to chart", chartable, default=default, format_func=names.get, key="trend_picks",
        placeholder="Choose measures to chart",
        help="Actual against target over every period in the dataset, earlier plans included",
    )
    for indicator_id in picked:
        ui.trend_chart(path, indicator_id, names[indicator_id], units[indicator_id], key=f"trend:{indicator_id}")


def measure_detail(path: str, indicator_id: str, key: str | None = None) -> None:
    """One measure: what it is, its trend, every figure with its source, its RAG history."""
    info = ui.measure(path, indicator_id)
    if info is None:
        st.warning("That measure is not in the dataset.")
        return
    if key:
        st.button("← All measures", on_click=_select, args=(key, None), key="back")
    st.header(ui.plain(info["name"]))
    facts = [
        ("Priority", info["priority_name"]),
        ("Good is", ui.POLARITY_WORDS.get(info["polarity"], "not stated")),
        ("Unit", ui.unit_name(info["unit"])),
        ("Headline measure", "Yes" if info["headline"] == 1 else "No"),
        ("Portfolio holder", info["portfolio_holder"]),
        ("Director", info["director"]),
        ("Latest RAG in the report", ui.latest_rag_text(info["latest_rag"], info["latest_rag_period"])),
    ]
    st.markdown("\n".join(f"- **{label}:** {ui.plain(str(value))}" for label, value in facts
                          if isinstance(value, str) and value))
    if isinstance(info["definition"], str):
        st.caption(ui.plain(info["definition"]))
    history = ui.histories(path, (indicator_id,)).get(indicator_id)
    if history is None or history.empty:
        st.info("No figures for this measure yet.")
        return
    _link_to_this_view()
    _rag_arithmetic(history, info)
    st.plotly_chart(ui.trend_figure(path, indicator_id, info["name"], info["unit"]), key=f"detail:{indicator_id}",
                    config={"displaylogo": False})
    st.subheader("Every figure, with its source")
    ui.table(_history_frame(history, info["unit"]), hide_index=True, border="horizontal")
    copies = history.drop_duplicates("seed").dropna(subset=["seed"])
    if len(copies):
        st.caption("Sources name the document, its section and the line of its text copy.",
                   help="Text copies: " + "; ".join(f"{ui.plan_name(r['plan_id'], r['plan_title'])}: {r['seed']}"
                                                    for r in copies.to_dict("records")))
    commentary = history[history["commentary"].notna()]
    if not commentary.empty:
        st.subheader("Commentary")
        for row in commentary.to_dict("records"):
            st.markdown(f"**{ui.plain(row['period'])}**: {ui.plain(row['commentary'])}")
    promises = ui.commitments_for(path, indicator_id)
    if not promises.empty:
        st.subheader("What the plans promised")
        ui.table(
            pd.DataFrame({"Plan": [ui.plan_name(p, t) for p, t in zip(promises["plan_id"], promises["plan_title"])],
                      "Commitment": promises["text"],
                          "Deadline": promises["deadline_as_printed"].fillna(promises["deadline"]).fillna(""),
                          "Source": [ui.source_text(r) for r in promises.to_dict("records")]}),
            hide_index=True, border="horizontal",
        )


def _history_frame(history: pd.DataFrame, unit) -> pd.DataFrame:
    rows = history.to_dict("records")
    return pd.DataFrame(
        {
            "Period": history["period"],
            "As at": history["as_at"].fillna(""),
            "Target": [ui.figure_shown(r["target_as_printed"], r["target"], unit) for r in rows],
            "Actual": [ui.figure_shown(r["actual_as_printed"], r["actual"], unit, r.get("qualifier")) for r in rows],
            "Basis": history["basis"].map(ui.basis_text),
            "RAG reported": history["rag_reported"].map(ui.rag_text),
            "RAG by the rule": history["rag_computed"].map(ui.rag_text),
            "Status note": history["status_note"].map(ui.status_text),
            "Source": [ui.source_text(r) for r in rows],
        }
    )


def _rag_arithmetic(history: pd.DataFrame, info: dict) -> None:
    """Is this RAG right? The rule's arithmetic for every period with a target and an actual."""
    st.subheader("Is this RAG right? The rule's arithmetic")
    sentences = []
    for row in history.to_dict("records"):
        sentence = rag_arithmetic.explain(row["actual"], row["target"], info["polarity"], info["unit"],
                                          row["rag_reported"], row["target_low"], row["target_high"],
                                          row["actual_as_printed"], row["target_as_printed"])
        if sentence:
            sentences.append(f"- **{ui.plain(row['period'])}**: {ui.plain(sentence)}")
    if sentences:
        st.markdown("\n".join(sentences))
    else:
        st.caption("No period has both a target and an actual, so the rule gives no RAG.")
    with st.expander("The bands (Harrow's corporate key)"):
        st.markdown("".join(f"<div>{ui.rag_badge_html(band)} {html.escape(rag_arithmetic.THRESHOLDS[band])}</div>"
                            for band in rag.BANDS), unsafe_allow_html=True)
        st.caption("Deviation is measured from the target, as a share of it, signed so that better is positive; "
                   + ui.plain(ui.POLARITY_WORDS.get(info["polarity"], "").lower()) + " for this measure.")


@st.cache_data(show_spinner=False, max_entries=64)
def _actions(path: str, theme_id: str, name: str) -> None:
    actions = ui.actions(path, theme_id)
    st.header("Harrow Ambition Plan actions")
    if actions.empty:
        st.caption("No actions are reported under this priority.")
        return
    st.caption(f"{len(actions)} actions reported under {ui.plain(name)} in the Q2 2019/20 report; updates summarised.")
    ui.table(
        pd.DataFrame(
            {
                "Objective": actions["objective"].fillna(""),
                "What we will do": actions["action"].fillna("–"),
                "Status": actions["rag_status"].map(ui.action_status_text),
                "Directorate": actions["directorate"].fillna(""),
                "Portfolio holder": actions["portfolio_holder"].fillna(""),
                "Q2 update (summary)": actions["update_summary"].fillna(""),
            }
        ),
        hide_index=True,
        border="horizontal",
    )
