"""Plan to plan, 2004 to 2020: what the council promised, and what became of it.

Top to bottom: the theme lineage (Sankey, follow one theme), two plans side by
side, the measures that recur across plans, the promises ledger, and resources.
Each choice is kept in the URL (theme, a, b, measure, plan, status). Figures are
built once per data version and choice (cached), and the side by side is one table
rather than an expander per theme, so the browser has little to draw.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harrow_kpi import charts, exports, lineage, promises, ui
from harrow_kpi.ui import url

# The promises the ledger can judge against later figures; the others say why it cannot.
JUDGED = ("achieved", "missed", "in progress")
STATUS_WORDS = {
    "achieved": "✔ achieved",
    "missed": "✖ missed",
    "in progress": "► in progress",
    "no later evidence": "– no later evidence",
    "not comparable": "≠ not comparable",
}


def plans_page() -> None:
    path = ui.db_path()
    data = ui.plan_tables(path)
    order = list(data["plans"]["plan_id"])
    labels = {plan: ui.plan_name(plan, title) for plan, title in zip(order, data["plans"]["title"])}
    st.title("Plans 2004 to 2020")
    st.caption("Five times in these documents Harrow set out its priorities. How the agenda moved, "
               "and which promises were kept, as far as later figures show.")
    if data["themes"].empty:
        st.info("The database has no plans yet. Run `python -m harrow_kpi build`.")
        return
    _lineage(data, order, labels)
    _side_by_side(data, order, labels)
    _recurring(path, data, labels)
    _ledger(data, order, labels)
    _resources(data, labels)


def _top_name(data) -> dict:
    top = lineage.top_themes(data["themes"])
    return dict(zip(top["theme_id"], top["name"]))


def _lineage(data: dict, order: list[str], labels: dict) -> None:
    st.header("How the priorities moved")
    top = lineage.top_themes(data["themes"])
    top = top[top["plan_id"].isin(order)]
    top = top.assign(index=top["plan_id"].map(order.index)).sort_values(["index", "position"])
    names = dict(zip(top["theme_id"], top["name"]))
    ids = list(top["theme_id"])
    url.seed("follow", "theme", ids)
    followed = st.selectbox(
        "Follow a theme", [None, *ids], key="follow",
        format_func=lambda t: f"{labels[t.split('/')[0]]}: {names[t]}" if t else "All themes",
        help="Shows the theme's line through every plan, with its commitments and measures",
        placeholder="All themes",
    )
    url.keep("theme", followed)
    if data["links"].empty:
        st.info("No theme links yet: data/theme_links.csv is missing.")
        return
    highlight = lineage.lineage(followed, data["links"]) if followed else None
    for column, plan in zip(st.columns(len(order)), order):
        column.markdown(f"**{ui.plain(labels[plan])}**")
    spec = dict(_sankey(ui.db_path(), tuple(order), followed))
    height = spec.pop("height_px")
    st.echarts_chart(spec, height=height, key="sankey", alt="A Sankey diagram of every plan's themes, "
                     "2004 to 2020, and the curated links between them; the same links are listed under "
                     "Follow a theme and Two plans side by side.")
    st.caption("Each link is a curated judgement with a one-line rationale and a source line "
               "(data/theme_links.csv); hover over a link to read it.")
    if followed:
        _followed(data, followed, highlight, order, labels, names)


@st.cache_data(show_spinner=False, max_entries=64)
def _sankey(path, order: tuple, followed) -> dict:
    """The Sankey's option, built once per data version, plan order and followed theme."""
    data = ui.plan_tables(path)
    highlight = lineage.lineage(followed, data["links"]) if followed else None
    nodes, edges = lineage.sankey_nodes_links(data["themes"], data["links"], list(order))
    return charts.sankey_spec(nodes, edges, highlight)


@st.cache_data(show_spinner=False, max_entries=64)
def _timeline(path, indicator_id: str, name: str, unit, titles: tuple):
    """A recurring measure's timeline (an ECharts option), built once per data version and measure."""
    data = ui.plan_tables(path)
    history = ui.histories(path, (indicator_id,)).get(indicator_id, pd.DataFrame())
    ledger = data["ledger"]
    promised = ledger[ledger["indicator_id"] == indicator_id] if len(ledger) else ledger
    labels = dict(titles)
    marks = [(day, labels.get(plan, plan)) for day, plan in lineage.plan_dates(data["plans"], data["as_of"])]
    return charts.timeline_spec(history, name, unit, promised, marks) if len(history) else None


def _followed(data, followed, family, order, labels, names) -> None:
    links = data["links"]
    st.subheader(f"The line of “{ui.plain(names[followed])}”")
    for plan in order:
        members = [t for t in family if t.startswith(plan + "/") and t in names]
        if not members:
            continue
        st.markdown(f"**{ui.plain(labels[plan])}**")
        for theme_id in members:
            why = links[(links["to_theme_id"] == theme_id) & links["from_theme_id"].isin(family)]
            subtree = lineage.subtree(theme_id, data["themes"])
            promised = data["commitments"][data["commitments"]["theme_id"].isin(subtree)]
            measures = data["indicators"][data["indicators"]["priority"].isin(subtree)]
            with st.expander(f"{names[theme_id]}: {ui.plural(len(promised), 'commitment')}, "
                             f"{ui.plural(len(measures), 'measure')}"):
                for reason in why["rationale"]:
                    st.markdown(f"_{ui.plain(reason)}_")
                if len(promised):
                    ui.table(_commitment_frame(promised), hide_index=True, border="horizontal")
                if len(measures):
                    st.markdown("Measures: " + "; ".join(ui.plain(n) for n in measures["name"]))


def _commitment_frame(commitments: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Commitment": commitments["text"].fillna(""),
        "Target": commitments["target_as_printed"].fillna(""),
        "Deadline": commitments["deadline_as_printed"].fillna(commitments["deadline"]).fillna(""),
        "Source": [ui.source_text(r) for r in commitments.to_dict("records")],
    })


def _side_by_side(data: dict, order: list[str], labels: dict) -> None:
    st.header("Two plans side by side")
    url.seed("plan_a", "a", order, order[0])
    url.seed("plan_b", "b", order, order[-1])
    left, right = st.columns(2)
    plan_a = left.selectbox("Earlier plan", order, key="plan_a", format_func=labels.get)
    plan_b = right.selectbox("Later plan", order, key="plan_b", format_func=labels.get)
    url.keep("a", plan_a)
    url.keep("b", plan_b)
    if plan_a == plan_b:
        st.info("Choose two different plans to compare them.")
        return
    aligned = lineage.continuity(plan_a, plan_b, data["themes"], data["links"], order, data["commitments"],
                                 data["indicators"])
    names = _top_name(data)
    measure_names = dict(zip(data["indicators"]["indicator_id"], data["indicators"]["name"]))
    earlier, later = labels[aligned["earlier"]], labels[aligned["later"]]
    st.caption("A pair is shown only where the evidence joins them: a curated theme link (directly, or through "
               "the plans between where each step kept the theme going) or a measure both count.")
    rows = []
    for row in aligned["rows"]:
        for pair in row["became"] or [None]:
            rows.append({
                earlier: row["name"],
                later: names[pair["theme_id"]] if pair else "— dropped",
                "Why they are joined": "; ".join(pair["why"]) if pair else "no link and no shared measure",
                "Shared measures": "; ".join(measure_names.get(i, i) for i in pair["shared"]) if pair else "",
                "Numeric targets then": _targets(data, row["theme_id"]),
            })
    for theme_id in aligned["new"]:
        rows.append({earlier: "— new", later: names[theme_id], "Why they are joined": "", "Shared measures": "",
                     "Numeric targets then": ""})
    ui.table(pd.DataFrame(rows), hide_index=True, border="horizontal")
    persisted, dropped, new = st.columns(3)
    persisted.metric("Persisted", len(aligned["persisted"]))
    dropped.metric("Dropped", len(aligned["dropped"]))
    new.metric("New", len(aligned["new"]))
    themes = [r["theme_id"] for r in aligned["rows"]] + [t for r in aligned["rows"] for t in
                                                         (p["theme_id"] for p in r["became"])] + aligned["new"]
    themes = list(dict.fromkeys(themes))
    chosen = st.selectbox("A theme's numeric targets", [None, *themes], key="side_targets",
                          format_func=lambda t: names[t] if t else "Choose a theme to list its numeric targets",
                          placeholder="Choose a theme to list its numeric targets")
    if chosen:
        promised = _numeric_targets(data, chosen)
        if len(promised):
            ui.table(_commitment_frame(promised), hide_index=True, border="horizontal")
        else:
            st.caption("This theme sets no numeric target.")


def _numeric_targets(data: dict, theme_id: str) -> pd.DataFrame:
    subtree = lineage.subtree(theme_id, data["themes"])
    commitments = data["commitments"]
    return commitments[commitments["theme_id"].isin(subtree) & commitments["target_value"].notna()]


def _targets(data: dict, theme_id: str) -> str:
    return str(len(_numeric_targets(data, theme_id)))


def _recurring(path: str, data: dict, labels: dict) -> None:
    st.header("Measures that recur across plans")
    recurring = data["recurring"]
    if recurring.empty:
        st.caption("No measure appears in more than one plan.")
        return
    ids = list(recurring["indicator_id"])
    names = dict(zip(recurring["indicator_id"], recurring["name"]))
    url.seed("measure", "measure", ids, "household-waste-recycled" if "household-waste-recycled" in ids else ids[0])
    chosen = st.selectbox("Measure", ids, key="measure", format_func=lambda i: names[i])
    url.keep("measure", chosen)
    info = recurring.set_index("indicator_id").loc[chosen]
    history = ui.histories(path, (chosen,)).get(chosen, pd.DataFrame())
    ledger = data["ledger"]
    promised = ledger[ledger["indicator_id"] == chosen] if len(ledger) else ledger
    spec = _timeline(path, chosen, info["name"], info["unit"], tuple(labels.items()))
    if spec is not None:
        # ECharts, like the Sankey: with no plotly chart on the page its 4.7 MB bundle never loads.
        st.echarts_chart(spec, height=480, key=f"timeline:{chosen}",
                         alt=f"{info['name']} over the years: figures, targets and promises; the same "
                             "figures are in the sentences below and on the measure's own page.")
    st.subheader("Met or missed")
    sentences = promises.history_statements(history, info["polarity"], info["unit"])
    sentences += [f"{row['plan_title']}: “{row['text']}” — {row['detail']}" for row in promised.to_dict("records")]
    if sentences:
        st.markdown("\n".join(f"- {ui.plain(s)}" for s in sentences))
    else:
        st.caption("No figure of this measure has a target beside it.")
    with st.expander(f"All {len(recurring)} recurring measures"):
        st.dataframe(pd.DataFrame({
            "Measure": recurring["name"],
            "Plans": recurring["plan_ids"].map(lambda ids_: "; ".join(labels.get(p, p) for p in ids_.split(","))),
        }), hide_index=True, width="stretch")


def _ledger(data: dict, order: list[str], labels: dict) -> None:
    st.header("Promises ledger")
    ledger = data["ledger"]
    if ledger.empty:
        st.caption("No commitments with a deadline.")
        return
    st.caption(
        f"Every commitment with a deadline (printed, or the end of its plan), judged against figures printed in "
        f"later documents up to {data['as_of']:%B %Y}. Never guessed: without a later figure it says so."
    )
    url.seed("ledger_plans", "plan", order, many=True)
    url.seed("ledger_status", "status", promises.STATUSES, default=JUDGED, many=True)
    left, right = st.columns(2)
    chosen_plans = left.multiselect("Plan", order, key="ledger_plans", format_func=labels.get,
                                    placeholder="Every plan")
    chosen_status = right.multiselect("Status", list(promises.STATUSES), key="ledger_status",
                                      format_func=STATUS_WORDS.get, placeholder="Any status")
    url.keep("plan", chosen_plans)
    url.keep("status", chosen_status)
    top = _top_of(data["themes"])
    shown = ledger.assign(top_theme=ledger["theme_id"].map(top))
    if chosen_plans:
        shown = shown[shown["plan_id"].isin(chosen_plans)]
    names = _top_name(data)
    themes_here = [t for t in dict.fromkeys(shown["top_theme"].dropna())]
    theme = st.selectbox("Theme", [None, *themes_here], key="ledger_theme",
                         format_func=lambda t: names.get(t, t) if t else "Every theme", placeholder="Every theme")
    if theme:
        shown = shown[shown["top_theme"] == theme]
    if chosen_status:
        shown = shown[shown["status"].isin(chosen_status)]
    counts = shown["status"].value_counts()
    for column, status in zip(st.columns(len(promises.STATUSES)), promises.STATUSES):
        column.metric(STATUS_WORDS[status], int(counts.get(status, 0)))
    if shown.empty:
        st.info("No commitments match these choices.")
        return
    # Status and why first, so that they are on screen without scrolling sideways.
    table = pd.DataFrame({
        "Status": shown["status"].map(STATUS_WORDS),
        "Why": shown["detail"],
        "Commitment": shown["text"],
        "Plan": shown["plan_id"].map(labels),
        "Deadline": [f"{d}" + (" (plan end)" if s == "plan end" else "")
                     for d, s in zip(shown["effective_deadline"], shown["deadline_source"])],
        "Theme": shown["top_theme"].map(lambda t: names.get(t, "")),
        "Evidence": shown["evidence_source"].fillna(""),
        "Source": [ui.source_text(r) for r in shown.to_dict("records")],
    })
    st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 700),
                 column_config={"Status": st.column_config.TextColumn(width="small", pinned=True),
                                "Why": st.column_config.TextColumn(width="large"),
                                "Commitment": st.column_config.TextColumn(width="large")})
    st.download_button("Download the ledger (CSV)", lambda: exports.to_csv(table), "promises-ledger.csv",
                       mime="text/csv", icon="⬇", on_click="ignore", key="ledger_csv")


def _top_of(themes: pd.DataFrame) -> dict:
    parent = dict(zip(themes["theme_id"], themes["parent_id"]))
    top = {}
    for theme_id in parent:
        current = theme_id
        while isinstance(parent.get(current), str):
            current = parent[current]
        top[theme_id] = current
    return top


def _resources(data: dict, labels: dict) -> None:
    st.header("Resources")
    budget = data["budget"]
    if budget.empty:
        st.caption("No budget figures in the documents.")
        return
    st.caption("Budget figures exactly as the documents print them. The 2004/05 medium-term budget and the "
               "2017/18 net controllable budget are on different bases: read each on its own, do not compare "
               "them line by line.")
    for plan_id, lines in budget.groupby("plan_id", sort=False):
        st.subheader(labels.get(plan_id, plan_id))
        st.dataframe(pd.DataFrame({
            "Service": lines["service"],
            "Period": lines["period"].fillna(""),
            "Amount": [ui.figure_shown(p, v) for p, v in zip(lines["amount_as_printed"], lines["amount"])],
            "Unit": lines["unit"].map(ui.unit_name),
            "Description": lines["description"].fillna(""),
            "Source": [ui.source_text(r) for r in lines.to_dict("records")],
        }), hide_index=True, width="stretch", height=min(38 + 35 * len(lines), 500),
            column_config={"Amount": st.column_config.TextColumn(alignment="right")})
