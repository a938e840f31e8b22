"""The thin Streamlit layer: cached loaders and the RAG and direction visuals.

The only module in harrow_kpi that imports Streamlit. RAG is never shown by colour
alone: every badge carries its symbol, code and label, and every colour pair
passes WCAG 2.2 AA contrast (tested in tests/test_ui.py).
"""

from __future__ import annotations

import functools
import gc
import html
import re
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from harrow_kpi import charts, geography, periods, promises, quarters, queries, rag, rebuild, store
from harrow_kpi.display import (  # noqa: F401 - pages read these through ui
    ACTION_STYLE,
    DIRECTION,
    DOWNLOAD_NUMBER_FORMATS,
    POLARITY_WORDS,
    RAG_STYLE,
    STATUS_WORDS,
    action_status_text,
    basis_text,
    direction_text,
    figure_shown,
    figure_text,
    latest_rag_text,
    measures_download,
    measures_frame,
    plan_name,
    plural,
    quarter_label,
    rag_text,
    rag_with_check,
    source_text,
    status_text,
    unit_name,
)


def rag_badge_html(code, count=None) -> str:
    """A RAG band as a coloured badge that also reads without colour."""
    background, colour, symbol = RAG_STYLE.get(code, RAG_STYLE[None])
    label = rag.LABELS.get(code, "No RAG")
    prefix = f"<strong>{count}</strong> " if count is not None else ""
    return (
        f'<span style="background:{background};color:{colour};padding:0.15rem 0.5rem;'
        f'border-radius:0.3rem;margin:0 0.25rem 0.25rem 0;display:inline-block;'
        f'border:1px solid #505a5f">'
        f"{prefix}<span aria-hidden=\"true\">{html.escape(symbol)}</span> "
        f"{html.escape(code or '')} {html.escape(label)}</span>"
    )


@st.cache_resource(show_spinner="Building the database from data/ …")
def database(path: str) -> str:
    """Build the database once per process when it is missing or stale.

    Then every object alive by now (the modules of Streamlit, pandas and plotly, most of them) is
    moved out of the garbage collector's reach (gc.freeze): they live as long as the process, and
    each full collection walked them all again, about a tenth of a loaded server's time
    (docs/performance.md). Objects made later are collected as usual."""
    built = str(rebuild.ensure_current(path))
    gc.freeze()
    return built


class Snapshot(NamedTuple):
    """The database at one data version: the first argument of every cached loader, so a
    write from anywhere (this session, the command line, another app process) shows on
    the next rerun of every open page. Opens like a path."""

    path: str
    version: int

    def __fspath__(self) -> str:
        return self.path


def db_path() -> Snapshot:
    path = database(str(store.db_path()))
    return Snapshot(path, store.data_version(path))


def shared(maxsize: int):
    """A loader every page run calls, several times: its result is kept per database snapshot in
    this process and shared by every session, read-only by every caller. functools.lru_cache
    rather than Streamlit's caches, whose copy of the result (st.cache_data unpickles it on every
    call) and hashing of the arguments cost a page run more than the loaders' own work; the
    arguments here are plain hashable values, the snapshot first (docs/performance.md)."""
    return functools.lru_cache(maxsize=maxsize)


@shared(maxsize=16)
def quarter_states(path: str) -> dict[str, quarters.Quarter]:
    with store.opened(path) as db:
        return queries.quarter_states(db)


def showing_drafts() -> bool:
    """Draft quarters show to a signed-in officer, and to a reader who turns them on."""
    from harrow_kpi.ui import signin

    return bool(st.session_state.get(signin.OFFICER) or st.session_state.get("f_drafts")
                or st.query_params.get("drafts") == "1")


def reported_quarters(path: str, drafts: bool | None = None) -> list[str]:
    """The quarters this reader can choose, oldest first: published ones, and drafts if shown."""
    drafts = showing_drafts() if drafts is None else drafts
    return [period for period, quarter in quarter_states(path).items() if drafts or quarter.published]


def draft_quarters(path: str) -> tuple[str, ...]:
    return tuple(period for period, quarter in quarter_states(path).items() if not quarter.published)


def hidden_quarters(path: str) -> tuple[str, ...]:
    """The periods whose figures this reader must not see: drafts, unless shown."""
    return () if showing_drafts() else draft_quarters(path)


def draft_label(path: str, period: str | None) -> str:
    """"Draft: 3 of 114 measures reported" for a draft quarter, else ""."""
    quarter = quarter_states(path).get(period)
    return quarter.label if quarter else ""


def draft_notice(path: str, period: str | None) -> None:
    """The draft marker every page, slide and download carries for a draft quarter."""
    label = draft_label(path, period)
    if label:
        st.warning(f"**{label}.** Not yet published: figures may change before an officer publishes "
                   "this quarter.")


@st.cache_data(show_spinner=False, max_entries=64)
def scorecard(path: str, period: str) -> pd.DataFrame:
    with store.opened(path) as db:
        return queries.scorecard(db, period)


@st.cache_data(show_spinner=False, max_entries=64)
def plan_list(path: str) -> pd.DataFrame:
    with store.opened(path) as db:
        return queries.plans(db)


@shared(maxsize=64)
def priorities(path: str) -> pd.DataFrame:
    with store.opened(path) as db:
        return queries.priorities(db)


@shared(maxsize=64)
def priority_names(path: str) -> tuple[tuple[str, str], ...]:
    """(theme id, name) of each corporate priority, in order: app.py's menu asks every run."""
    return tuple(priorities(path)[["theme_id", "name"]].itertuples(index=False, name=None))


@shared(maxsize=64)
def filter_choices(path: str) -> dict[str, list[str]]:
    """Portfolio holders and directors named on every year's scorecard, for the filter lists."""
    with store.opened(path) as db:
        measures = queries.people_on_scorecards(db)
    return {
        "holders": sorted(measures["portfolio_holder"].dropna().unique().tolist()),
        "directors": sorted(measures["director"].dropna().unique().tolist()),
    }


def plain(text) -> str:
    """Text from the data, an upload or a link shown as text in Markdown (st.markdown, st.caption, st.info,
    headers): every character Markdown, Streamlit's directives or HTML could read escaped, so no
    link, image, autolink (https://x, www.x, a@b.c), tag, heading or emphasis can form."""
    if not isinstance(text, str):
        return ""
    return unlinked(re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:=@&])", r"\\\1", text))


# The browser's Markdown still turns an escaped https://x, www.x or a@b.c into a link (GFM autolink
# literals); an invisible word joiner after "@", inside "://" and after "www" stops it.
_AUTOLINK = re.compile(r"(@|:(?=\\?/\\?/)|(?<![A-Za-z0-9])www(?=\\?\.))", re.IGNORECASE)


def unlinked(text: str) -> str:
    """Text that a browser will not turn into a link (a word joiner after "@", in "://", after "www")."""
    return _AUTOLINK.sub(lambda found: found[0] + "\u2060", text)


# Characters Markdown or Streamlit's directives could read, as HTML entities: the browser shows them as
# typed, and no Markdown parser sees syntax in them.
_MARKDOWN_ENTITIES = str.maketrans({c: f"&#{ord(c)};" for c in "[]()*_`~$:\\!#|{}"})


def html_text(text) -> str:
    """Text from the data, an upload or a link inside HTML the app writes (st.markdown with
    unsafe_allow_html): escaped as HTML, with no Markdown syntax or autolink left to form."""
    if not isinstance(text, str):
        return ""
    return unlinked(html.escape(text)).translate(_MARKDOWN_ENTITIES)


# In a table cell only inline Markdown can form: links and images need "[", tags "<", autolinks "://",
# "www." or "@", emphasis * ~ and a "_" at a word's edge; everything else is left as typed, so the
# cells read (and compare) as the data holds them.
_CELL = re.compile(r"[\\`*~\[\]<>$|&@]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|:(?=//)|(?<=www)\.", re.IGNORECASE)


def cell(value):
    """A table cell shown as text: st.table renders every cell as Markdown."""
    return unlinked(_CELL.sub(lambda found: "\\" + found[0], value)) if isinstance(value, str) else value


# Columns of figures, right-aligned wherever a table shows them (so digits line up for comparison).
FIGURE_COLUMNS = ("Target", "Actual", "Amount")
# st.table writes each cell's alignment as an inline style (left for text), which a stylesheet rule
# beats only when !important. The rule is one app-wide stylesheet keyed by column position: ui.table puts
# each table in a container whose key names its figure columns ("-r3-"), rather than a pandas Styler,
# which cost about 70 ms a table every page run (docs/performance.md).
RIGHT = "text-align: right !important"
MOST_COLUMNS = 16
FIGURE_STYLE = "\n".join(
    f'[class*="st-key-table-"][class*="-r{n}-"] :is(td, th):nth-child({n}) {{{RIGHT};}}'
    for n in range(1, MOST_COLUMNS + 1))
_TABLES = "ui_tables_this_run"


# A RAG band as a coloured chip (Streamlit's badge, dark text on a light fill) with its symbol,
# code and label, so it never rests on colour: the band's words lead the cell.
CHIP_COLOURS = {"HG": "green", "LG": "green", "A": "orange", "LR": "red", "HR": "red"}
_BAND_TEXT = re.compile("^(" + "|".join(re.escape(rag_text(band)) for band in rag.BANDS) + ")")


def chip(value):
    """A table cell whose text starts with a RAG band (as rag_text writes it), the band as a chip."""
    if not isinstance(value, str):
        return cell(value)
    found = _BAND_TEXT.match(value)
    if not found:
        return cell(value)
    code = found[0].split()[1]
    return f":{CHIP_COLOURS[code]}-badge[{found[0]}]" + cell(value[found.end():])


# A keyboard user always sees where focus is (WCAG 2.4.7, 2.4.11): Streamlit's own focus rings are
# missing on the sidebar's page links, and a select's or a toggle's input is hidden inside its box, so
# the box is outlined. A 3 px near-black outline reads on the white page, the grey sidebar and a
# tile's pale fill alike.
FOCUS_STYLE = """<style>
:focus-visible, [data-testid="stSidebarNav"] a:focus-visible, [data-testid="stPageLink"] a:focus-visible {
  outline: 3px solid #0B0C0C !important; outline-offset: 2px !important; box-shadow: 0 0 0 2px #FFFFFF;}
[data-testid="stSelectbox"] input:focus-visible, [data-testid="stMultiSelect"] input:focus-visible,
[data-testid="stCheckbox"] input:focus-visible, [data-testid="stRadio"] input:focus-visible {
  outline: none !important; box-shadow: none;}
[data-testid="stSelectbox"] [role="group"]:focus-within, [data-testid="stMultiSelect"] [role="group"]:focus-within,
[data-testid="stCheckbox"] label:has(input:focus-visible), [data-testid="stRadio"] label:has(input:focus-visible) {
  outline: 3px solid #0B0C0C; outline-offset: 2px; border-radius: 0.5rem;}
</style>"""


def focus_outline() -> None:
    """The app-wide focus outline and figure alignment, in the event container (it takes no room on
    the page); called first in every run, it also starts the run's count of tables."""
    st.session_state[_TABLES] = 0
    st.html(FOCUS_STYLE.replace("</style>", FIGURE_STYLE + "\n</style>"))


def formatted(frame: pd.DataFrame) -> pd.DataFrame:
    """A table's cells as ui.table shows them: every cell, header and index as text, never a link,
    image or tag, and RAG columns as chips. Pure, so a page can cache it (formatting every cell on
    every run cost a page run about a seventh of its time, docs/performance.md)."""
    shown = frame.copy()
    for column in shown.columns:
        shown[column] = shown[column].map(chip if "RAG" in str(column) else cell)
    return shown.rename(columns=cell)


def table(frame: pd.DataFrame, container=None, is_formatted: bool = False, key: str | None = None,
          **options) -> None:
    """st.table of a frame (or of one ui.formatted already made) with figures right-aligned. A table
    with figures sits in a container whose key names their columns: ``key`` when given (a section
    st.cache_data replays needs the same key every run), else the table's number in the run."""
    shown = frame if is_formatted else formatted(frame)
    offset = 1 if options.get("hide_index") else 2  # nth-child counts from 1, after the index if shown
    figures = "".join(f"-r{shown.columns.get_loc(column) + offset}" for column in shown.columns
                      if column in FIGURE_COLUMNS) if shown.columns.is_unique else ""
    if not figures:
        (container or st).table(shown, **options)
        return
    if key is None:
        key = st.session_state.get(_TABLES, 0) + 1
        st.session_state[_TABLES] = key
    (container or st).container(key=f"table-{key}{figures}-").table(shown, **options)


@st.cache_resource(show_spinner=False, max_entries=64)
def objectives(path: str, theme_id: str) -> pd.DataFrame:
    with store.opened(path) as db:
        return queries.objectives(db, theme_id)


@st.cache_data(show_spinner=False, max_entries=64)
def actions(path: str, theme_id: str) -> pd.DataFrame:
    with store.opened(path) as db:
        return queries.actions(db, theme_id)


@st.cache_data(show_spinner=False, max_entries=64)
def measure(path: str, indicator_id: str) -> dict | None:
    with store.opened(path) as db:
        return queries.indicator(db, indicator_id)


def histories(path: str, indicator_ids: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    return _histories(path, tuple(indicator_ids), hidden_quarters(path))


@st.cache_data(show_spinner=False, max_entries=64)
def _histories(path: str, indicator_ids: tuple[str, ...], hidden: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    with store.opened(path) as db:
        return queries.histories(db, indicator_ids, hidden)


def chartable(path: str, indicator_ids) -> list[str]:
    """The measures, of those given, with two or more figures to draw (in the order given)."""
    return _chartable(path, tuple(indicator_ids), hidden_quarters(path))


@shared(maxsize=256)
def _chartable(path: str, indicator_ids: tuple[str, ...], hidden: tuple[str, ...]) -> list[str]:
    found = _histories(path, indicator_ids, hidden)
    return [i for i in indicator_ids if i in found and int(found[i]["actual"].notna().sum()) >= 2]


def trend_chart(path: str, indicator_id: str, name: str, unit, key: str) -> None:
    """A measure's trend chart on the page, drawn once per data version and quarter visibility:
    later runs, in any session, replay the element st.cache_data kept, so neither the figure nor
    its JSON is made again (about 10 ms a chart, docs/performance.md)."""
    _trend_chart(path, indicator_id, name, unit, hidden_quarters(path), key)


@st.cache_data(show_spinner=False, max_entries=512)
def _trend_chart(path: str, indicator_id: str, name: str, unit, hidden: tuple[str, ...], key: str) -> None:
    st.plotly_chart(_trend_figure(path, indicator_id, name, unit, hidden), key=key, config={"displaylogo": False})


def trend_figure(path: str, indicator_id: str, name: str, unit) -> go.Figure:
    """A measure's trend chart, built once per data version and shared by every session: a plotly
    figure costs about 80 ms to build, and st.plotly_chart only reads it (docs/performance.md)."""
    return _trend_figure(path, indicator_id, name, unit, hidden_quarters(path))


@st.cache_resource(show_spinner=False, max_entries=512)
def _trend_figure(path: str, indicator_id: str, name: str, unit, hidden: tuple[str, ...]) -> go.Figure:
    history = _histories(path, (indicator_id,), hidden).get(indicator_id, pd.DataFrame())
    return charts.trend_figure(history, name, unit)


@st.cache_data(show_spinner=False, max_entries=64)
def commitments_for(path: str, indicator_id: str) -> pd.DataFrame:
    with store.opened(path) as db:
        return queries.commitments_for(db, indicator_id)


def plan_tables(path: str) -> dict[str, pd.DataFrame]:
    """Everything the plan comparison page reads, in one cached trip to the store."""
    return _plan_tables(path, hidden_quarters(path))


@st.cache_data(show_spinner=False, max_entries=16)
def _plan_tables(path: str, hidden: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    with store.opened(path) as db:
        quarter = queries.latest_quarter(db, drafts=bool(not hidden))
        as_of = periods.parse(quarter).end if quarter else None
        tables = {
            "plans": queries.plans(db),
            "themes": queries.themes(db),
            "links": queries.theme_links(db),
            "commitments": queries.commitments(db),
            "indicators": queries.indicators(db),
            "recurring": queries.recurring_measures(db),
            "budget": queries.budget_lines(db),
        }
        observations = queries.promised_observations(db, hidden)
    tables["as_of"] = as_of
    tables["ledger"] = (
        promises.ledger(tables["commitments"], observations, tables["indicators"], tables["plans"], as_of)
        if as_of else pd.DataFrame()
    )
    return tables


def ward_tables(path: str) -> dict[str, pd.DataFrame]:
    """Everything the ward map reads, in one cached trip to the store."""
    return _ward_tables(path, hidden_quarters(path))


@st.cache_data(show_spinner=False, max_entries=16)
def _ward_tables(path: str, hidden: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    with store.opened(path) as db:
        tables = {
            "wards": queries.wards(db),
            "places": queries.places(db),
            "actions": queries.all_actions(db),
            "commitments": queries.commitments(db),
            "boundaries": queries.boundaries(db),
            "ward_observations": queries.ward_observations(db, hidden),
        }
    tables["counts"] = geography.ward_counts(tables["places"], tables["actions"], tables["wards"])
    return tables


def previous_scorecard(path: str, period: str) -> pd.DataFrame | None:
    """The quarter before's scorecard, when the dataset has that quarter."""
    before = str(periods.parse(period).previous())
    return scorecard(path, before) if before in reported_quarters(path) else None


@st.cache_data(show_spinner=False, max_entries=64)
def quarter_summary(path: str, period: str, names: int = 3):
    from harrow_kpi import narrative

    return narrative.quarter_summary(scorecard(path, period), previous_scorecard(path, period), names=names)


def briefing_pack(path: str, period: str, chosen) -> bytes:
    from harrow_kpi import briefing

    table = scorecard(path, period)
    return briefing.build(table, previous_scorecard(path, period), chosen,
                          histories(path, tuple(table["indicator_id"])),
                          draft=draft_label(path, period)).encode("utf-8")


def deck_file(path: str, period: str) -> bytes:
    """The Cabinet slides of a quarter as a PowerPoint deck (the slide mode's slides)."""
    from harrow_kpi import deck
    from harrow_kpi.ui import cabinet

    return deck.build(cabinet.deck_slides(path, period), draft=draft_label(path, period))
