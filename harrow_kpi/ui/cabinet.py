"""Cabinet mode: slides that read from the back of the room and never show a traceback.

Opened with ``?present=1`` (any page) or the sidebar link; the slide number is in the
URL (``&slide=3``) so the presenter can jump straight to one, or recover after a
refresh. The slides are ``harrow_kpi.slides`` (the same list the PowerPoint deck
writes): the quarter in plain English, one slide per corporate priority, then what
needs attention, paged. All type is sized in ``vw`` with an 18 px floor, so it is at
least 18 px at 1280×720 and grows with a bigger screen; the charts are static SVG
drawn to the same scale. ←/→, PageUp/PageDown (a clicker) and Home/End move between
slides through a small script that presses the slide buttons: no network.
"""

from __future__ import annotations

import html
import logging

import streamlit as st

from harrow_kpi import charts, display, rag, slides, ui

LOG = logging.getLogger(__name__)

# One unit of type: 1.5vw is 19.2 px at 1280 wide and 28.8 px at 1920; never under 18 px.
STYLE = """
<style>
html {font-size: max(18px, 1.5vw) !important;}
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"] {display: none !important;}
[data-testid="stMainBlockContainer"] {padding: 0.35rem 1.6rem 0 1.6rem !important; max-width: 100% !important;}
[data-testid="stMain"] [data-testid="stVerticalBlock"] {gap: 0.3rem;}
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] a, [data-testid="stMain"] td,
[data-testid="stMain"] th, [data-testid="stMain"] button, [data-testid="stMain"] button p,
[data-testid="stMain"] span, [data-testid="stMain"] div {font-size: 1rem; color: #0B0C0C; line-height: 1.4;}
[data-testid="stMain"] button {min-height: 0; padding: 0.1rem 0.5rem;}
[data-testid="stMain"] h1, [data-testid="stMain"] h1 * {font-size: 1.75rem !important; padding: 0 !important;
  margin: 0 !important; line-height: 1.4 !important;}
[data-testid="stAlert"] p {font-size: 1rem;}
.slide {display: flex; flex-direction: column; gap: 0.35rem; height: calc(100vh - 5.6rem); overflow: hidden;}
.slide .lead {margin: 0;}
.slide .chips {display: flex; flex-wrap: wrap; gap: 0.3rem;}
.chip {display: inline-block; padding: 0.05rem 0.4rem; border: 1px solid #505A5F; border-radius: 0.3rem;
  white-space: nowrap; font-weight: bold;}
.chip.zero {opacity: 1; background: #FFFFFF !important; color: #505A5F !important; font-weight: normal;}
.slide .body {display: grid; gap: 1rem; flex: 1; min-height: 0;}
.slide .body.two {grid-template-columns: 1.15fr 1fr;} .slide .body.summary {grid-template-columns: 1fr 1fr;}
.slide table {border-collapse: collapse; width: 100%;}
.slide th, .slide td {text-align: left; vertical-align: top; padding: 0.2rem 0.35rem;
  border-bottom: 1px solid #B1B4B6;}
.slide th {background: #F3F2F1;}
.slide td.num {white-space: nowrap;}
.slide table {table-layout: fixed;}
[data-testid="stHeading"] {margin-bottom: 0.4rem; padding-bottom: 0.3rem;}
.slide ul {margin: 0; padding-left: 1.2rem;} .slide li {margin-bottom: 0.4rem;}
.slide .charts {display: flex; flex-direction: column; gap: 0.4rem; min-height: 0;}
.slide .chart {flex: 1; min-height: 0; display: flex; flex-direction: column;}
.slide .chart h2 {font-size: 1rem !important; margin: 0 !important; padding: 0 !important; line-height: 1.4;}
.slide .chart svg {flex: 1; min-height: 0; width: 100%;}
.slide .key {margin: 0;}
.slide .numbers {display: grid; grid-template-columns: repeat(3, 1fr); gap: 0.5rem; margin-top: 0.8rem;}
.slide .number {border: 1px solid #B1B4B6; border-radius: 0.4rem; padding: 0.2rem 0.5rem; line-height: 1.3;}
.slide .number strong {display: block; font-size: 2rem; line-height: 1.4;}
</style>
"""

# ←/→, PageUp/PageDown and Home/End press the slide buttons; typing in a field is left alone.
KEYS = """
<script>
(() => {
  const doc = window.parent ? window.parent.document : document;
  if (doc.harrowSlideKeys) return;
  doc.harrowSlideKeys = true;
  const keys = {ArrowRight: "next", PageDown: "next", ArrowLeft: "previous", PageUp: "previous",
                Home: "first", End: "last"};
  doc.addEventListener("keydown", (event) => {
    const name = keys[event.key];
    const target = event.target;
    if (!name || event.altKey || event.ctrlKey || event.metaKey || !doc.querySelector(".st-key-next")) return;
    const typing = target && ["input", "textarea", "select"].includes(target.tagName.toLowerCase());
    if (typing || (target && target.isContentEditable)) return;
    const button = doc.querySelector(`.st-key-${name} button`);
    event.preventDefault();
    if (button && !button.disabled) button.click();
  });
})();
</script>
"""


@st.cache_data(show_spinner=False, max_entries=16)
def _deck(path: str, quarter: str, hidden: tuple[str, ...]) -> list[slides.Slide]:
    table = ui.scorecard(path, quarter)
    return slides.build(table, ui.previous_scorecard(path, quarter),
                        ui.histories(path, tuple(table["indicator_id"])), ui.priorities(path))


def deck_slides(path: str, quarter: str) -> list[slides.Slide]:
    return _deck(path, quarter, ui.hidden_quarters(path))


def cabinet_page() -> None:
    st.markdown(STYLE, unsafe_allow_html=True)
    st.html(KEYS, unsafe_allow_javascript=True)
    path = ui.db_path()
    quarters = ui.reported_quarters(path)
    published = ui.reported_quarters(path, drafts=False)
    if not quarters:
        st.title("No quarter to present yet")
        return
    quarter = st.query_params.get("quarter")
    quarter = quarter if quarter in quarters else (published or quarters)[-1]
    deck = deck_slides(path, quarter)
    try:
        number = min(max(int(st.query_params.get("slide", "1")), 1), len(deck))
    except ValueError:
        number = 1
    st.query_params.update({"present": "1", "slide": str(number), "quarter": quarter})
    _controls(path, quarter, number, len(deck))
    ui.draft_notice(path, quarter)
    slide = deck[number - 1]
    try:
        st.title(ui.plain(slide.title))
        st.markdown(slide_html(slide), unsafe_allow_html=True)
    except Exception:  # noqa: BLE001 - in front of Cabinet a slide fails quietly, never with a traceback
        LOG.exception("slide %s could not be drawn", number)
        st.info("This slide could not be drawn. Move on to the next one; the officers have been told.")


def _go(number: int) -> None:
    st.query_params["slide"] = str(number)


def _controls(path: str, quarter: str, number: int, total: int) -> None:
    first, back, label, forward, last, download, leave = st.columns(
        [0.8, 1.1, 1.5, 1, 0.8, 1.4, 1.3], vertical_alignment="center")
    first.button("« First", on_click=_go, args=(1,), disabled=number == 1, key="first", width="stretch")
    back.button("◀ Previous", on_click=_go, args=(number - 1,), disabled=number == 1, key="previous",
                width="stretch")
    label.markdown(f"<p style='text-align:center;margin:0'>Slide {number} of {total}</p>",
                   unsafe_allow_html=True)
    forward.button("Next ▶", on_click=_go, args=(number + 1,), disabled=number == total, key="next",
                   width="stretch")
    last.button("Last »", on_click=_go, args=(total,), disabled=number == total, key="last", width="stretch")
    draft = ui.draft_label(path, quarter)
    download.download_button(
        "Download the deck", lambda: ui.deck_file(path, quarter),
        f"harrow-cabinet-{quarter.replace('/', '-').replace(' ', '-')}{'-DRAFT' if draft else ''}.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        on_click="ignore", key="deck", width="stretch",
    )
    # A plain link to the app's root (the Overview) drops ?present=1; it also works when the
    # slides page runs on its own, where st.page_link has no navigation to look pages up in.
    leave.markdown('<a href="./" target="_self">Leave presentation</a>', unsafe_allow_html=True)


def chip(band, count=None, symbol: bool = True) -> str:
    """A RAG band as a coloured chip with its code (and count, and symbol); muted when the count is 0."""
    background, colour, mark = display.RAG_STYLE.get(band, display.RAG_STYLE[None])
    code = band or ("no RAG" if symbol else "none")
    label = rag.LABELS.get(band, "No RAG")
    zero = " zero" if count == 0 else ""
    prefix = f"{count} " if count is not None else ""
    return (f'<span class="chip{zero}" style="background:{background};color:{colour}" title="{html.escape(label)}">'
            + prefix + (f'<span aria-hidden="true">{html.escape(mark)}</span> ' if symbol else "")
            + f"{html.escape(code)}</span>")


def _chips(counts: dict) -> str:
    return '<div class="chips">' + "".join(chip(band, count) for band, count in counts.items()) + "</div>"


# Column widths (per cent) of the slide tables, so that measure names have room and codes do not wrap.
WIDTHS = {
    ("Measure", "Target", "Actual", "RAG", "Direction"): (39, 11, 13, 17, 20),
    ("Measure", "Priority", "Actual", "RAG", "Why"): (31, 17, 10, 10, 32),
}


def _columns(widths) -> str:
    return "<colgroup>" + "".join(f"<col style='width:{w}%'>" for w in widths) + "</colgroup>" if widths else ""


def _table(slide: slides.Slide) -> str:
    frame = slide.table
    if frame is None or frame.empty:
        return f"<p>{html.escape(slide.empty or 'Nothing to show.')}</p>"
    head = "".join(f"<th scope='col'>{html.escape(c)}</th>" for c in frame.columns)
    rows = []
    for index, row in enumerate(frame.to_dict("records")):
        cells = []
        for column, value in row.items():
            if column == "RAG":
                rule = slide.rule[index] if index < len(slide.rule) else None
                text = chip(value if isinstance(value, str) else None)
                text += f" ⚠ rule: {html.escape(rule)}" if rule else ""
                cells.append(f"<td>{text}</td>")
            else:
                numeric = column in ("Target", "Actual")
                cells.append(f"<td{' class=num' if numeric else ''}>{html.escape(str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table>{_columns(WIDTHS.get(tuple(frame.columns), ()))}<thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _counts(slide: slides.Slide) -> str:
    counts = slide.counts
    head = "<th scope='col'>Priority</th>" + "".join(
        f"<th scope='col'>{chip(band if band != 'none' else None, symbol=False)}</th>" for band in counts.columns)
    body = "".join(
        f"<tr><th scope='row'>{html.escape(name)}</th>"
        + "".join(f"<td class='num'{' style=color:#505A5F' if not row[b] else ''}>{int(row[b])}</td>"
                  for b in counts.columns) + "</tr>"
        for name, row in counts.iterrows())
    return f"<table>{_columns((34, *[10.5] * 5, 13.5))}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _charts(slide: slides.Slide) -> str:
    if not slide.trends:
        return "<div class='charts'><p>No measure can be compared with last quarter.</p></div>"
    parts = ["<div class='charts'><p class='key'><strong>Most changed since last quarter</strong>: actual "
             "(solid, RAG code at each point) against target (dashed)</p>"]
    for trend in slide.trends:
        parts.append(f"<div class='chart'><h2>{html.escape(trend.name)}. {html.escape(trend.now)}</h2>"
                     + charts.trend_svg(trend.points, f"{trend.name}: {trend.now}", trend.unit,
                                        width=560, height=190, font=20) + "</div>")
    return "".join(parts) + "</div>"


def slide_html(slide: slides.Slide) -> str:
    """One slide's body as HTML, every text from the data escaped."""
    parts = ["<div class='slide'>", f"<p class='lead'>{html.escape(slide.lead)}</p>"]
    if slide.kind == "summary":
        sentences = "".join(f"<li>{html.escape(s.text)}</li>" for s in slide.sentences)
        numbers = "".join(f"<div class='number'><strong>{count}</strong> {html.escape(label)}</div>"
                          for label, count in slide.numbers)
        parts.append(f"<div class='body summary'><ul>{sentences}</ul><div>{_counts(slide)}"
                     f"<div class='numbers'>{numbers}</div></div></div>")
    elif slide.kind == "priority":
        parts.append(_chips(slide.chips))
        parts.append(f"<div class='body two'><div>{_table(slide)}</div>{_charts(slide)}</div>")
    else:
        parts.append(f"<div class='body'><div>{_table(slide)}</div></div>")
    parts.append("</div>")
    return "".join(parts)
